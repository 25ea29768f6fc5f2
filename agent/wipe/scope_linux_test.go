package wipe

import (
	"context"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// TestRC6_KeepPatternsMatchByKind: with the kiosk policy (scope all on the
// home, keeping the desktop shortcuts and the user folders' settings), the
// person makes a folder "Bureau/notes.desktop/" and replaces
// ".config/user-dirs.dirs" by a folder of the same name, each holding a
// CV. A file pattern keeps files: both folders are the session's, and so
// are the CVs. A folder pattern ("Bibliotheque/") keeps the folder and
// what was in it at session start; a CV saved into it is the session's,
// and so is a file the session made under the name of a kept folder.
func TestRC6_KeepPatternsMatchByKind(t *testing.T) {
	e := newEnv(t, ".")
	write(t, e.path("Bureau/Catalogue.desktop"), "[Desktop Entry]\n")
	write(t, e.path(".config/user-dirs.dirs"), "XDG_DESKTOP_DIR=\"$HOME/Bureau\"\n")
	write(t, e.path("Bibliotheque/Guide.pdf"), "the library's guide")
	write(t, e.path("Bibliotheque/Formulaires/cerfa.pdf"), "a form")
	e.start()
	e.scope = "all"
	e.keep = []string{"Bureau/*.desktop", ".config/user-dirs.dirs", "Bibliotheque/", "Modeles/"}

	write(t, e.path("Bureau/notes.desktop/cv.pdf"), "the person's CV")
	write(t, e.path("Bureau/Nouveau.desktop"), "[Desktop Entry]\n") // a file: kept by the pattern
	mustDo(t, os.Remove(e.path(".config/user-dirs.dirs")))
	write(t, e.path(".config/user-dirs.dirs/cv.pdf"), "the person's CV")
	write(t, e.path("Bibliotheque/cv.pdf"), "the person's CV")
	write(t, e.path("Bibliotheque/Formulaires/rempli.pdf"), "a filled form")
	write(t, e.path("Bibliotheque/Perso/cv.pdf"), "the person's CV")
	write(t, e.path("Modeles"), "a file where a kept folder name is")

	var planned []string
	mustDo(t, Plan(context.Background(), e.config(), func(en Entry) { planned = append(planned, en.Rel()) }))
	for _, p := range []string{"Bureau/notes.desktop/cv.pdf", ".config/user-dirs.dirs/cv.pdf", "Bibliotheque/cv.pdf", "Bibliotheque/Perso/cv.pdf", "Modeles"} {
		if !slices.Contains(planned, p) {
			t.Errorf("the preview does not list %s: %q", p, planned)
		}
	}

	res := e.wipe()
	e.assertVerified(res)
	for _, p := range []string{"Bureau/notes.desktop", ".config/user-dirs.dirs", "Bibliotheque/cv.pdf", "Bibliotheque/Formulaires/rempli.pdf", "Bibliotheque/Perso", "Modeles"} {
		e.assertGone(p)
	}
	for _, p := range []string{"Bureau/Catalogue.desktop", "Bureau/Nouveau.desktop", "Bibliotheque/Guide.pdf", "Bibliotheque/Formulaires/cerfa.pdf"} {
		e.assertExists(p)
	}
}

// TestRC6_KeepPatternSyntax pins the meaning of a keep pattern: a trailing
// "/" names folders, anything else names files, and what is under a kept
// folder or of the other kind stays only if it was there before.
func TestRC6_KeepPatternSyntax(t *testing.T) {
	pats := []string{"Bureau/*.desktop", "Bibliotheque/", "Docs/**/"}
	for _, c := range []struct {
		rel   string
		dir   bool
		want  keepVerdict
		label string
	}{
		{"Bureau/a.desktop", false, keepEntry, "file pattern, file"},
		{"Bureau/a.desktop", true, keepExisting, "file pattern, folder"},
		{"Bureau/a.desktop/cv.pdf", false, keepNone, "under a folder a file pattern names"},
		{"Bibliotheque", true, keepEntry, "folder pattern, folder"},
		{"Bibliotheque", false, keepExisting, "folder pattern, file"},
		{"Bibliotheque/cv.pdf", false, keepExisting, "inside a kept folder"},
		{"Bibliotheque/a/b/cv.pdf", false, keepExisting, "deep inside a kept folder"},
		{"Docs/a/b", true, keepEntry, "** folder pattern"},
		{"Docs/a/b.pdf", false, keepExisting, "inside a ** folder pattern"},
		{"Autre/cv.pdf", false, keepNone, "no pattern"},
	} {
		if got := matchAny(pats, c.rel, c.dir); got != c.want {
			t.Errorf("%s: matchAny(%q, dir=%v) = %d, want %d", c.label, c.rel, c.dir, got, c.want)
		}
	}
}

// TestRC9_NeverInScopeByIdentity: the agent's state folder inside a root
// with scope all is kept whatever its name: moved during the session, it
// stays with its journal, and a folder the session makes at its old name
// is the session's. A root that is the state folder itself is not walked.
func TestRC9_NeverInScopeByIdentity(t *testing.T) {
	e := newEnv(t, ".")
	write(t, e.path(".local/state/ardoise/journal"), "the agent's journal")
	write(t, e.path(".local/state/ardoise/baseline"), "the agent's baseline")
	st, err := os.Stat(e.path(".local/state/ardoise"))
	mustDo(t, err)
	e.start()
	e.scope = "all"
	mustDo(t, os.Rename(e.path(".local/state/ardoise"), e.path(".local/state/autre-nom")))
	write(t, e.path(".local/state/ardoise/cv.pdf"), "the person's CV")
	write(t, e.path(".local/state/autre-nom/baseline.new"), "written by the agent during the session")

	cfg := e.config()
	cfg.Never = []safefs.Identity{identityOf(t, st)}
	var planned []string
	mustDo(t, Plan(context.Background(), cfg, func(en Entry) { planned = append(planned, en.Rel()) }))
	for _, p := range planned {
		if strings.HasPrefix(p, ".local/state/autre-nom") {
			t.Errorf("the preview lists the agent's own %s", p)
		}
	}
	res := Run(context.Background(), cfg)
	e.assertVerified(res)
	for _, p := range []string{".local/state/autre-nom/journal", ".local/state/autre-nom/baseline", ".local/state/autre-nom/baseline.new"} {
		e.assertExists(p)
	}
	e.assertGone(".local/state/ardoise")

	// The state folder given as a root: nothing in it is touched.
	d, err := safefs.OpenRoot(e.path(".local/state/autre-nom"), safefs.RootOptions{TrustedUIDs: []uint32{e.uid}})
	mustDo(t, err)
	defer d.Close()
	res = Run(context.Background(), Config{Never: cfg.Never, Roots: []Root{{Dir: d, Scope: "all", Owners: []uint32{e.uid}}}})
	e.assertVerified(res)
	e.assertExists(".local/state/autre-nom/journal")
}

func identityOf(t *testing.T, fi os.FileInfo) safefs.Identity {
	t.Helper()
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatal("no stat")
	}
	return safefs.Identity{Dev: st.Dev, Ino: st.Ino}
}
