package wipe

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// A root is the name the policy gives (issue 13, items 4 and 8): the end
// also wipes what stands at the name, through a Root with Name set on the
// folder that holds it.

// withName adds, for each root of e, the root found by name in the home.
func (e *env) withName(cfg Config) Config {
	e.t.Helper()
	home, err := safefs.OpenRoot(e.home, safefs.RootOptions{TrustedUIDs: []uint32{e.uid}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { home.Close() })
	n := len(cfg.Roots)
	for i := 0; i < n; i++ {
		r := cfg.Roots[i]
		r.Dir, r.Name = home, e.roots[i]
		cfg.Roots = append(cfg.Roots, r)
	}
	return cfg
}

func (e *env) wipeByName() Result {
	e.t.Helper()
	return Run(context.Background(), e.withName(e.config()))
}

func TestRC4_NameRootWipesTheFolderMadeAgain(t *testing.T) {
	e := newEnv(t, "Downloads")
	write(t, e.path("Downloads/Guide.pdf"), "before")
	write(t, e.path("other/keep.txt"), "not a root")
	e.start()
	mustDo(t, os.Rename(e.path("Downloads"), e.path("x")))
	write(t, e.path("Downloads/CV.pdf"), "session")
	write(t, e.path("Downloads/sub/notes.txt"), "session")
	write(t, e.path("x/also.pdf"), "session")
	res := e.wipeByName()
	e.assertVerified(res)
	e.assertGone("Downloads")
	e.assertGone("x/also.pdf")
	e.assertExists("x/Guide.pdf")
	e.assertExists("other/keep.txt")
	if res.Removed.Files != 3 || res.Removed.Dirs != 2 {
		t.Errorf("removed %+v, want 3 files and 2 folders", res.Removed)
	}
}

func TestRC4_OriginalRootMetUnderTheNameIsLeftToItsHandle(t *testing.T) {
	e := newEnv(t, "Downloads")
	e.start()
	mustDo(t, os.Rename(e.path("Downloads"), e.path("x")))
	mustDo(t, os.Mkdir(e.path("Downloads"), 0o755))
	mustDo(t, os.Rename(e.path("x"), e.path("Downloads/old")))
	write(t, e.path("Downloads/old/CV.pdf"), "session")
	e.assertVerified(e.wipeByName())
	e.assertGone("Downloads/old/CV.pdf")
	// The root itself, empty, was there before the session.
	e.assertExists("Downloads/old")
}

func TestRC4_NameNowALinkIsRemovedAsALink(t *testing.T) {
	e := newEnv(t, "Downloads")
	e.start()
	mustDo(t, os.Rename(e.path("Downloads"), e.path("x")))
	mustDo(t, os.Symlink(filepath.Join(e.sentinel, "dir"), e.path("Downloads")))
	res := e.wipeByName()
	e.assertVerified(res)
	e.assertGone("Downloads")
	if res.Removed.Links != 1 {
		t.Errorf("removed %+v, want the link", res.Removed)
	}
	// newEnv's cleanup checks that nothing behind the link was touched.
}

func TestRC8_NameAbsentAtStartIsWhollyTheSessions(t *testing.T) {
	e := newEnv(t, "Downloads")
	e.start() // no Documents yet: it is no root of the baseline
	write(t, e.path("Documents/lettre.odt"), "session")
	home, err := safefs.OpenRoot(e.home, safefs.RootOptions{TrustedUIDs: []uint32{e.uid}})
	mustDo(t, err)
	defer home.Close()
	cfg := e.config()
	cfg.Roots = append(cfg.Roots, Root{Dir: home, Name: "Documents", Scope: "session", Owners: []uint32{e.uid}})
	res := Run(context.Background(), cfg)
	e.assertVerified(res)
	e.assertGone("Documents")
	e.assertExists("Downloads")
}

func TestRC4_KeepPatternsAreRelativeToTheName(t *testing.T) {
	e := newEnv(t, "Bureau")
	e.scope, e.keep = "all", []string{"*.desktop"}
	e.start()
	mustDo(t, os.Rename(e.path("Bureau"), e.path("x")))
	write(t, e.path("Bureau/lanceur.desktop"), "kept by the policy")
	write(t, e.path("Bureau/cv.pdf"), "session")
	e.assertVerified(e.wipeByName())
	e.assertExists("Bureau/lanceur.desktop")
	e.assertGone("Bureau/cv.pdf")
}
