package browsers

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/fstree"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

type profileEnv struct {
	home, sentinel string
	snap           fstree.Snapshot
	uid            uint32
}

func newProfileEnv(t *testing.T) *profileEnv {
	base := t.TempDir()
	e := &profileEnv{home: filepath.Join(base, "home"), sentinel: filepath.Join(base, "sentinel"), uid: uint32(os.Getuid())}
	fstree.Build(t, e.sentinel, fstree.Dir{
		"cookies.sqlite": fstree.File("the library's own"),
		"dir": fstree.Dir{
			"cookies.sqlite": fstree.File("x"), "places.sqlite": fstree.File("y"),
			"storage": fstree.Dir{"site": fstree.File("z")},
		},
		"rel": fstree.Dir{"cookies.sqlite": fstree.File("w"), "storage": fstree.Dir{}},
	})
	e.snap = fstree.Take(t, e.sentinel)
	return e
}

func (e *profileEnv) clear(t *testing.T, ids ...string) Cleaned {
	t.Helper()
	home, err := safefs.OpenRoot(e.home, safefs.RootOptions{TrustedUIDs: []uint32{e.uid}})
	if err != nil {
		t.Fatal(err)
	}
	defer home.Close()
	// The plan deletes nothing; the wipe erases it, as the agent's end
	// does (agent/endsteps).
	p := PlanProfiles(home, e.uid, "", Select(ids))
	defer p.Close()
	res := wipe.Run(context.Background(), wipe.Config{Extra: wipe.Extra{Names: p.Extra()}})
	return p.Cleaned(res.Extra.Names)
}

func (e *profileEnv) exists(t *testing.T, rel string, want bool) {
	t.Helper()
	_, err := os.Lstat(filepath.Join(e.home, rel))
	if got := err == nil; got != want {
		t.Errorf("%s exists: %v, want %v (%v)", rel, got, want, err)
	}
}

// TestClearFirefoxProfile: what logs a person in or tells where they went
// is erased; the library's settings, extensions and bookmarks' backups
// stay; profiles.ini is not followed outside the browser's folder (L12).
func TestClearFirefoxProfile(t *testing.T) {
	e := newProfileEnv(t)
	fstree.Build(t, e.home, fstree.Dir{".mozilla": fstree.Dir{"firefox": fstree.Dir{
		"profiles.ini": fstree.File("[General]\nStartWithLastProfile=1\n\n" +
			"[Profile0]\nName=default\nIsRelative=1\nPath=abcd.default\nDefault=1\n\n" +
			"[Profile1]\nName=evil\nIsRelative=0\nPath=" + e.sentinel + "/dir\n\n" +
			"[Profile2]\nName=climb\nIsRelative=1\nPath=../../../sentinel/rel\n"),
		"abcd.default": fstree.Dir{
			"cookies.sqlite": fstree.File("session cookie"), "cookies.sqlite-wal": fstree.File("w"),
			"places.sqlite": fstree.File("history"), "logins.json": fstree.File("{}"), "key4.db": fstree.File("k"),
			"sessionstore-backups": fstree.Dir{"recovery.jsonlz4": fstree.File("tabs")},
			"storage":              fstree.Dir{"default": fstree.Dir{"https+++caf.fr": fstree.Dir{"ls": fstree.Dir{"data.sqlite": fstree.File("s")}}}},
			"prefs.js":             fstree.File("user_pref(...)"),
			"extensions":           fstree.Dir{"ublock@x.xpi": fstree.File("xpi")},
		},
		// A profile folder that is a link to the sentinel is not a
		// profile folder: left alone, and what it points to too.
		"link.default": fstree.Symlink(e.sentinel + "/dir"),
	}}})
	c := e.clear(t, "firefox")
	for _, gone := range []string{"cookies.sqlite", "cookies.sqlite-wal", "places.sqlite", "logins.json", "key4.db", "sessionstore-backups", "storage"} {
		e.exists(t, ".mozilla/firefox/abcd.default/"+gone, false)
	}
	for _, kept := range []string{"prefs.js", "extensions/ublock@x.xpi"} {
		e.exists(t, ".mozilla/firefox/abcd.default/"+kept, true)
	}
	e.exists(t, ".mozilla/firefox/profiles.ini", true)
	e.exists(t, ".mozilla/firefox/link.default", true)
	e.snap.AssertSame(t, e.sentinel)
	if c.Profiles != 1 || c.Pending != 0 {
		t.Errorf("cleaned %+v, want 1 profile and nothing pending", c)
	}
	// 7 names, and inside the two folders: 1 file; 3 folders and 1 file.
	if c.Removed != 7+1+4 {
		t.Errorf("removed %d entries, want 12", c.Removed)
	}
	outside := 0
	for _, r := range c.Refused {
		if r.Code == "outside_profile_folder" && r.Reason == "profil hors du dossier du navigateur" {
			outside++
		}
	}
	if outside != 2 {
		t.Errorf("refusals %+v, want the two profiles outside the folder", c.Refused)
	}
}

// TestClearChromiumProfileWithLinks: links inside the profile are removed
// as links; the files they point to stay.
func TestClearChromiumProfileWithLinks(t *testing.T) {
	e := newProfileEnv(t)
	fstree.Build(t, e.home, fstree.Dir{
		".config": fstree.Dir{"chromium": fstree.Dir{
			"Local State": fstree.File("{}"),
			"Default": fstree.Dir{
				"Cookies":       fstree.Symlink(e.sentinel + "/cookies.sqlite"),
				"History":       fstree.File("h"),
				"Login Data":    fstree.File("l"),
				"Local Storage": fstree.Dir{"leveldb": fstree.Dir{"x": fstree.Symlink(e.sentinel + "/dir")}},
				"Sessions":      fstree.Symlink(e.sentinel + "/dir"),
				"Bookmarks":     fstree.File("the library's"),
				"Preferences":   fstree.File("{}"),
			},
			"Profile 1": fstree.Dir{"Network": fstree.Dir{"Cookies": fstree.File("c")}},
		}},
		".cache": fstree.Dir{"chromium": fstree.Dir{"Default": fstree.Dir{"Cache": fstree.Dir{"Cache_Data": fstree.Dir{"f_0001": fstree.File("x")}}}}},
	})
	c := e.clear(t, "chromium")
	for _, gone := range []string{".config/chromium/Default/Cookies", ".config/chromium/Default/History", ".config/chromium/Default/Login Data",
		".config/chromium/Default/Local Storage", ".config/chromium/Default/Sessions", ".config/chromium/Profile 1/Network", ".cache/chromium/Default/Cache"} {
		e.exists(t, gone, false)
	}
	for _, kept := range []string{".config/chromium/Local State", ".config/chromium/Default/Bookmarks", ".config/chromium/Default/Preferences"} {
		e.exists(t, kept, true)
	}
	e.snap.AssertSame(t, e.sentinel)
	if c.Profiles != 3 || c.Pending != 0 || len(c.Refused) != 0 {
		t.Errorf("cleaned %+v, want 3 profiles (two of configuration, one of cache)", c)
	}
}

// TestClearRefusesALinkedBrowserFolder: ~/.config/chromium itself is a
// link to a folder outside: refused, nothing there touched.
func TestClearRefusesALinkedBrowserFolder(t *testing.T) {
	e := newProfileEnv(t)
	fstree.Build(t, e.home, fstree.Dir{".config": fstree.Dir{"chromium": fstree.Symlink(e.sentinel)}})
	c := e.clear(t, "chromium")
	e.snap.AssertSame(t, e.sentinel)
	if len(c.Refused) != 1 || c.Refused[0].Code != "symlink" || c.Removed != 0 {
		t.Errorf("cleaned %+v, want one refusal for the link", c)
	}
}

// TestClearLeavesOtherAccountsFiles: a file another account put in the
// profile is not erased and is counted as pending.
func TestClearLeavesOtherAccountsFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another account")
	}
	e := newProfileEnv(t)
	fstree.Build(t, e.home, fstree.Dir{".config": fstree.Dir{"chromium": fstree.Dir{"Default": fstree.Dir{
		"History":  fstree.Owned{UID: 65534, GID: 65534, Node: fstree.File("someone else's")},
		"Sessions": fstree.Dir{"a": fstree.Owned{UID: 65534, GID: 65534, Node: fstree.File("x")}, "b": fstree.File("y")},
	}}}})
	c := e.clear(t, "chromium")
	e.exists(t, ".config/chromium/Default/History", true)
	e.exists(t, ".config/chromium/Default/Sessions/a", true)
	e.exists(t, ".config/chromium/Default/Sessions/b", false)
	if c.Pending != 2 {
		t.Errorf("cleaned %+v, want 2 pending", c)
	}
}

func TestOutsideProfilesParsing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "profiles.ini"), []byte("[Profile0]\nPath=Profiles/x.default\nIsRelative=1\n[Profile1]\nPath=..\n[Profile2]\nPath=C:\\Users\\x\nIsRelative=1\n[Install1]\nDefault=x\n"), 0o644)
	d, err := safefs.OpenRoot(dir, safefs.RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := outsideProfiles(d)
	if !slices.Equal(got, []string{"..", `C:\Users\x`}) {
		t.Errorf("outside = %q", got)
	}
	os.Remove(filepath.Join(dir, "profiles.ini"))
	os.Symlink("/etc/passwd", filepath.Join(dir, "profiles.ini"))
	if _, err := d.ReadFile("profiles.ini", 1<<10); !errors.Is(err, safefs.ErrSymlink) {
		t.Errorf("profiles.ini as a link was read: %v", err)
	}
}
