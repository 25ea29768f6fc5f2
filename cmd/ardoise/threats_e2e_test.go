//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policy, []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession: {accompanied: {enabled: true}}\n"), 0o644)
	a := s.startAgent(t, "--policy", policy)
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
	// A public start (a window started again at login) does not turn it
	// back into a public session.
	if code, _, stderr := s.cli(t, "session", "start"); code != 1 || !strings.Contains(stderr, "session déjà en cours") {
		t.Errorf("public start during an accompanied session: exit %d, %s", code, stderr)
	}
	if st, _ := s.status(t); st.Mode != "accompanied" {
		t.Errorf("mode after a public start: %q", st.Mode)
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

// memoryFUSE is a FUSE server holding one file, like a network share or
// an exFAT key would through their drivers: its type is "fuse".
const memoryFUSE = `
import sys, stat, errno, fusepy
class Share(fusepy.Operations):
    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        if path == "/dossier.pdf":
            return dict(st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=4)
        raise fusepy.FuseOSError(errno.ENOENT)
    def readdir(self, path, fh):
        return [".", "..", "dossier.pdf"]
fusepy.FUSE(Share(), sys.argv[1], foreground=True)
`

// TestM5_RootOnRemovableMedium: the policy itself points a root at a
// share or a key (a FUSE file system here, the type sshfs, exFAT keys and
// network drives have). The root is refused as removable before anything
// is listed, and the share keeps its file.
func TestM5_RootOnRemovableMedium(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a file system (threats.md M5 [R])")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import fusepy").Run(); err != nil {
		t.Skip("python3-fusepy is not installed (Debian packages python3-fusepy and fuse3)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse here")
	}
	s := newScratch(t)
	share := filepath.Join(filepath.Dir(s.home), "partage")
	if err := os.Mkdir(share, 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "share.py")
	os.WriteFile(script, []byte(memoryFUSE), 0o644)
	srv := exec.Command("/usr/bin/python3", script, share)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("umount", "-l", share).Run()
		srv.Process.Kill()
		srv.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(b), " "+share+" ") {
			break
		}
		if time.Now().After(deadline) {
			t.Skip("the FUSE server did not mount (fusermount may be missing)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policy, []byte(fmt.Sprintf("version: 1\nroots:\n  - {path: '{downloads}'}\n  - {path: %q, label: Partage}\n", share)), 0o644)
	a := s.startAgent(t, "--policy", policy)
	st := s.awaitActive(t, a, "")
	if state, code := rootState(t, st, "Partage"); state != "refused" || code != "removable" {
		t.Errorf("a root on a FUSE share: %s/%s, want refused/removable\n%s", state, code, a.stderr.String())
	}
	if state, _ := rootState(t, st, "Téléchargements"); state != "watching" {
		t.Errorf("Downloads beside the share: %s, want watching", state)
	}
	s.cli(t, "session", "end")
	if _, err := os.Stat(filepath.Join(share, "dossier.pdf")); err != nil {
		t.Errorf("the share lost its file: %v", err)
	}
	a.stop(t)
}

// TestS5_DiskFull: the person fills the disk that holds both their folders
// and the agent's state. The session still ends with everything erased, and
// the report says the journal was degraded if it could not be written.
func TestS5_DiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small file system (threats.md S5 [R])")
	}
	base := t.TempDir()
	if err := unix.Mount("tmpfs", base, "tmpfs", 0, "size=8m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	defer unix.Unmount(base, unix.MNT_DETACH)
	s := newScratch(t)
	s.home, s.state = filepath.Join(base, "home"), filepath.Join(base, "state")
	for _, d := range []string{"Downloads", "Desktop", "Documents", "Pictures", ".config"} {
		os.MkdirAll(filepath.Join(s.home, d), 0o755)
	}
	a := s.startAgent(t)
	s.awaitActive(t, a, "")
	// Fill the disk: many small files (so the watcher has records to
	// journal), then one file until ENOSPC.
	for i := 0; ; i++ {
		if err := os.WriteFile(filepath.Join(s.home, "Downloads", fmt.Sprint("f", i)), make([]byte, 4096), 0o644); err != nil {
			break
		}
	}
	// Empty files need no data page: they can still be made on the full
	// disk, while their journal records cannot be written.
	for i := 0; i < 2000; i++ {
		os.WriteFile(filepath.Join(s.home, "Downloads", fmt.Sprint("empty", i)), nil, 0o644)
	}
	time.Sleep(500 * time.Millisecond) // let the watcher try to journal them
	code, out, stderr := s.cli(t, "session", "end", "--json")
	if code != 0 || !strings.Contains(out, `"verified": true`) {
		t.Fatalf("session end on a full disk: exit %d\n%s%s\nagent:\n%s", code, out, stderr, a.stderr.String())
	}
	if es, _ := os.ReadDir(filepath.Join(s.home, "Downloads")); len(es) != 0 {
		t.Errorf("%d entries left in Downloads", len(es))
	}
	if j := jsonField(out, "journal"); !strings.Contains(j, "journal dégradé") {
		t.Errorf("the report does not say the journal was degraded: journal = %s", j)
	}
	a.stop(t)
}

func jsonField(out, key string) string {
	_, rest, _ := strings.Cut(out, `"`+key+`": `)
	v, _, _ := strings.Cut(rest, "\n")
	return v
}

// TestC9_TracesOutsideTheRoots: the trash, the thumbnails, the recent files
// list and /dev/shm entries made during the session are cleared; what was
// there before stays.
func TestC9_TracesOutsideTheRoots(t *testing.T) {
	s := newScratch(t)
	share := filepath.Join(s.home, ".local/share")
	os.MkdirAll(filepath.Join(share, "Trash/files"), 0o700)
	os.WriteFile(filepath.Join(share, "Trash/files/old.txt"), []byte("before"), 0o600)
	recent := filepath.Join(share, "recently-used.xbel")
	os.WriteFile(recent, []byte(`<xbel><bookmark href="file:///home/x/avant.pdf"/></xbel>`), 0o600)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policy, []byte("version: 1\nroots: [{path: '{downloads}'}]\ntraces: [trash, thumbnails, recent_files, shared_memory]\n"), 0o644)
	a := s.startAgent(t, "--policy", policy)
	s.awaitActive(t, a, "")
	// During the session: a deleted document goes to the trash, a
	// thumbnail is made, the recent list names the document, and a program
	// leaves a file in /dev/shm.
	os.WriteFile(filepath.Join(share, "Trash/files/Attestation CAF.pdf"), []byte("x"), 0o600)
	os.MkdirAll(filepath.Join(share, "Trash/info"), 0o700)
	os.WriteFile(filepath.Join(share, "Trash/info/Attestation CAF.pdf.trashinfo"), []byte("x"), 0o600)
	thumbs := filepath.Join(s.home, ".cache/thumbnails/normal")
	os.MkdirAll(thumbs, 0o700)
	os.WriteFile(filepath.Join(thumbs, "0123abcd.png"), []byte("png"), 0o600)
	os.WriteFile(recent, []byte(`<xbel><bookmark href="file:///home/x/Attestation%20CAF.pdf"/></xbel>`), 0o600)
	shm := filepath.Join("/dev/shm", fmt.Sprintf("ardoise-test-%d", os.Getpid()))
	if err := os.WriteFile(shm, []byte("x"), 0o600); err != nil {
		t.Skipf("no /dev/shm here: %v", err)
	}
	defer os.Remove(shm)
	code, out, stderr := s.cli(t, "session", "end", "--json")
	if code != 0 {
		t.Fatalf("session end: %d %s %s", code, out, stderr)
	}
	for _, gone := range []string{filepath.Join(share, "Trash/files/Attestation CAF.pdf"), filepath.Join(share, "Trash/info/Attestation CAF.pdf.trashinfo"), filepath.Join(thumbs, "0123abcd.png"), shm} {
		if _, err := os.Lstat(gone); !os.IsNotExist(err) {
			t.Errorf("%s survived the session", gone)
		}
	}
	if _, err := os.Stat(filepath.Join(share, "Trash/files/old.txt")); err != nil {
		t.Errorf("the trash's older content was touched: %v", err)
	}
	b, _ := os.ReadFile(recent)
	if strings.Contains(string(b), "Attestation") || !strings.Contains(string(b), "<xbel") {
		t.Errorf("recently-used.xbel still lists the session's document:\n%s", b)
	}
	if !strings.Contains(out, `"recent_files"`) {
		t.Errorf("the report does not list the recent files as cleared:\n%s", out)
	}
	a.stop(t)
}
