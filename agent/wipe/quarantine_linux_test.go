package wipe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// quarantineTag is the name a root's quarantines start with: the root's
// identity (safefs/quarantine_linux.go).
func quarantineTag(t *testing.T, w *raceWorld, i int) string {
	in := w.dirs[i].Info()
	return fmt.Sprintf(".ardoise-wipe-%x-%x-%x", in.Dev, in.Ino, uint64(in.Btime))
}

func quarantinesIn(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	mustDo(t, err)
	var out []string
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".ardoise-wipe") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestRC2_QuarantinePlacedAboveTheHome: the quarantine of a root in a
// kiosk account's home is made in the nearest folder above it that the
// public cannot change (here the folder holding the home, root's, 0755),
// never in the account's folders, and is gone after the wipe.
func TestRC2_QuarantinePlacedAboveTheHome(t *testing.T) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}}
	kioskDir(t, uid, filepath.Join(home, "Downloads"))
	w.open()
	kioskFile(t, uid, filepath.Join(home, "Downloads", "cv.pdf"), "cv")
	seen := ""
	w.hooks.BeforeUnlink = func(string) {
		if q := quarantinesIn(t, filepath.Dir(home)); len(q) == 1 {
			seen = q[0]
		}
	}
	res := w.wipe()
	if !res.Verified || res.Removed.Files != 1 {
		t.Fatalf("wipe: %+v", res)
	}
	if !strings.HasPrefix(seen, quarantineTag(t, w, 0)+"-") {
		t.Errorf("during the wipe the folder above the home held %q, want the root's quarantine", seen)
	}
	for _, d := range []string{filepath.Dir(home), home, filepath.Join(home, "Downloads")} {
		if q := quarantinesIn(t, d); len(q) != 0 {
			t.Errorf("%s still holds %v after the wipe", d, q)
		}
	}
}

// TestRC2_InterruptedWipeLeftoversJudgedAgain: a wipe killed while an
// entry was in the quarantine (here made by hand: the session's download
// and the library's guide, swapped in at that moment) leaves them there;
// the next wipe of that root puts both back in the root, erases the
// session's and keeps the library's, and removes the quarantine.
func TestRC2_InterruptedWipeLeftoversJudgedAgain(t *testing.T) {
	uid, home := raceAccount(t)
	dl := filepath.Join(home, "Downloads")
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}}
	kioskDir(t, uid, dl)
	mustDo(t, os.WriteFile(filepath.Join(dl, "Guide.pdf"), []byte("le guide"), 0o644))
	w.open()
	kioskFile(t, uid, filepath.Join(dl, "cv.pdf"), "cv")
	q := filepath.Join(filepath.Dir(home), quarantineTag(t, w, 0)+"-0123456789abcdef")
	mustDo(t, os.Mkdir(q, 0o700))
	mustDo(t, os.Rename(filepath.Join(dl, "cv.pdf"), filepath.Join(q, "cv.pdf")))
	mustDo(t, os.Rename(filepath.Join(dl, "Guide.pdf"), filepath.Join(q, "Guide.pdf")))

	res := w.wipe()
	if !res.Verified || res.Recovered != 2 || res.Removed.Files != 1 || res.Kept.Preexisting+res.Kept.Modified != 1 { // the renames changed its ctime: "modified", kept
		t.Fatalf("wipe after the interrupted one: recovered %d, removed %+v, kept %+v, verified %v", res.Recovered, res.Removed, res.Kept, res.Verified)
	}
	if _, err := os.Stat(filepath.Join(dl, "Guide.pdf")); err != nil {
		t.Errorf("the library's guide is not back in its root: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dl, "cv.pdf")); !os.IsNotExist(err) {
		t.Errorf("the session's document survived: %v", err)
	}
	if _, err := os.Lstat(q); !os.IsNotExist(err) {
		t.Errorf("the old quarantine is still there: %v", err)
	}
}

// TestRC2_QuarantineKeptWhereNoFolderIsClosed: a home that is a mount of
// its own, owned by its account, has no folder the public cannot change:
// the quarantine is kept at its top (never removed by name there), reused
// by the next wipe, and a name the account took first only makes the wipe
// use another.
func TestRC2_QuarantineKeptWhereNoFolderIsClosed(t *testing.T) {
	uid, home := raceAccount(t)
	if err := unix.Mount(home, home, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount the home on itself: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(home, unix.MNT_DETACH) })
	dl := filepath.Join(home, "Downloads")
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}}
	kioskDir(t, uid, dl)
	w.open()
	tag := quarantineTag(t, w, 0)
	// The account takes the kept quarantine's name before the first wipe.
	kioskDir(t, uid, filepath.Join(home, tag))
	for round := 0; round < 3; round++ {
		kioskFile(t, uid, filepath.Join(dl, "cv.pdf"), "cv")
		res := w.wipe()
		if !res.Verified || res.Removed.Files != 1 {
			t.Fatalf("round %d: wipe: %+v", round, res)
		}
	}
	q := quarantinesIn(t, home)
	if len(q) != 2 {
		t.Fatalf("the home's top holds %v: want the account's folder and one kept quarantine, reused", q)
	}
	for _, n := range q {
		var st unix.Stat_t
		mustDo(t, unix.Lstat(filepath.Join(home, n), &st))
		if n == tag && int(st.Uid) != uid {
			t.Errorf("the account's folder %s was taken over", n)
		}
		if n != tag && (st.Uid != 0 || st.Mode&0o777 != 0o700) {
			t.Errorf("the kept quarantine %s is %d mode %o, want root's 0700", n, st.Uid, st.Mode&0o777)
		}
	}
	if q := quarantinesIn(t, filepath.Dir(home)); len(q) != 0 {
		t.Errorf("a quarantine was made outside the home's mount: %v", q)
	}
}
