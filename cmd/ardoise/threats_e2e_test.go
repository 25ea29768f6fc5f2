//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func rootState(t *testing.T, st statusJSON, label string) (state, code string) {
	t.Helper()
	for _, r := range st.Roots {
		if r.Label == label {
			return r.State, r.Code
		}
	}
	t.Fatalf("no root %q in %+v", label, st.Roots)
	return "", ""
}

// TestL8_RootIsSymlinkAtStart: a root replaced by a link before the session
// is refused with its reason; the other roots work; nothing behind the link
// is touched.
func TestL8_RootIsSymlinkAtStart(t *testing.T) {
	s := newScratch(t)
	sentinel := filepath.Join(filepath.Dir(s.home), "sentinel")
	os.MkdirAll(sentinel, 0o755)
	os.WriteFile(filepath.Join(sentinel, "precious.txt"), []byte("keep"), 0o644)
	os.Remove(filepath.Join(s.home, "Downloads"))
	os.Symlink(sentinel, filepath.Join(s.home, "Downloads"))
	a := s.startAgent(t)
	st := s.awaitActive(t, a, "")
	if state, code := rootState(t, st, "Téléchargements"); state != "refused" || code != "symlink" {
		t.Errorf("Downloads root: %s/%s, want refused/symlink", state, code)
	}
	if state, _ := rootState(t, st, "Bureau"); state != "watching" {
		t.Errorf("Desktop root: %s", state)
	}
	os.WriteFile(filepath.Join(sentinel, "made-during-session.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(s.home, "Desktop", "mine.txt"), nil, 0o644)
	if code, out, stderr := s.cli(t, "session", "end", "--json"); code != 0 {
		t.Fatalf("session end: %d %s %s", code, out, stderr)
	}
	for _, f := range []string{"precious.txt", "made-during-session.txt"} {
		if _, err := os.Stat(filepath.Join(sentinel, f)); err != nil {
			t.Errorf("%s behind the link was touched: %v", f, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(s.home, "Desktop", "mine.txt")); !os.IsNotExist(err) {
		t.Errorf("the session's file on the desktop was not erased")
	}
	a.stop(t)
}

// TestB6_StartCannotLaunderTheBaseline: asking for a session while one runs
// is refused, and switching to an accompanied session keeps the baseline,
// so a file made before the request is still erased.
func TestB6_StartCannotLaunderTheBaseline(t *testing.T) {
	s := newScratch(t)
	a := s.startAgent(t)
	st := s.awaitActive(t, a, "")
	secret := filepath.Join(s.home, "Downloads", "secret.pdf")
	os.WriteFile(secret, []byte("x"), 0o644)
	code, _, stderr := s.cli(t, "session", "start")
	if code != 1 || !strings.Contains(stderr, "session déjà en cours") {
		t.Errorf("second start: exit %d, %s", code, stderr)
	}
	code, out, stderr := s.cli(t, "session", "start", "--accompanied", "--json")
	if code != 0 || !strings.Contains(out, `"mode": "accompanied"`) || !strings.Contains(out, st.SessionID) {
		t.Errorf("switch to accompanied: exit %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := s.cli(t, "session", "end", "--json"); code != 0 || !strings.Contains(out, `"verified": true`) {
		t.Fatalf("end: %d %s", code, out)
	}
	if _, err := os.Lstat(secret); !os.IsNotExist(err) {
		t.Error("secret.pdf survived: the baseline was retaken")
	}
	a.stop(t)
}

// TestM5_RootOnAnotherMount: a root that is itself a mount point (a USB key
// or a share mounted as Downloads) is refused.
func TestM5_RootOnAnotherMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a file system (threats.md M5 [R])")
	}
	s := newScratch(t)
	dl := filepath.Join(s.home, "Downloads")
	if err := unix.Mount("tmpfs", dl, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	defer unix.Unmount(dl, unix.MNT_DETACH)
	os.WriteFile(filepath.Join(dl, "on-the-key.txt"), []byte("x"), 0o644)
	a := s.startAgent(t)
	st := s.awaitActive(t, a, "")
	if state, code := rootState(t, st, "Téléchargements"); state != "refused" || code != "other_mount" {
		t.Errorf("Downloads on another mount: %s/%s, want refused/other_mount", state, code)
	}
	os.WriteFile(filepath.Join(dl, "new.txt"), []byte("x"), 0o644)
	s.cli(t, "session", "end")
	for _, f := range []string{"on-the-key.txt", "new.txt"} {
		if _, err := os.Stat(filepath.Join(dl, f)); err != nil {
			t.Errorf("%s on the other mount was touched: %v", f, err)
		}
	}
	a.stop(t)
}
