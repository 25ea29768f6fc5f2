package browsers

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const nobody = 65534

// fakeBrowser copies a real program under a browser-like path, in a
// folder every account can run from, and returns a Browser whose
// executable it is.
func fakeBrowser(t *testing.T, program string) (Browser, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ardoise-browser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	exe := filepath.Join(dir, "firefox-esr")
	src, err := os.Open(program)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(exe, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	dst.Close()
	return Browser{ID: Firefox, Name: "Firefox", Executables: []string{exe}}, exe
}

func startAs(t *testing.T, uid uint32, exe string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	cmd.Cancel = func() error { <-done; return nil } // reused below as "wait"
	return cmd
}

func exited(cmd *exec.Cmd, within time.Duration) bool {
	done := make(chan struct{})
	go func() { cmd.Cancel(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(within):
		return false
	}
}

// TestCloseUserBrowsers runs real processes: the session user's browser
// that quits when asked, another of its processes that ignores the request
// and has a helper child, and the same program run by root. The first two
// and the helper end; root's process is untouched.
func TestCloseUserBrowsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run processes as another user")
	}
	_, sleepExe := fakeBrowser(t, "/bin/sleep")
	_, bashExe := fakeBrowser(t, "/bin/bash")
	b := Browser{ID: Firefox, Executables: []string{sleepExe, bashExe}}

	polite := startAs(t, nobody, sleepExe, "60")
	stubborn := startAs(t, nobody, bashExe, "-c", `trap "" TERM; /bin/sleep 60 & wait`)
	roots := startAs(t, 0, sleepExe, "60")
	time.Sleep(200 * time.Millisecond) // let bash start its child

	c, err := CloseUserBrowsers(context.Background(), nobody, "", []Browser{b}, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !exited(polite, 2*time.Second) || !exited(stubborn, 2*time.Second) {
		t.Fatal("the user's browser processes are still running")
	}
	// The polite one ends on SIGTERM; bash ignores it, and so does its
	// helper (an ignored signal stays ignored across exec).
	if c.Graceful != 1 || c.Killed != 2 || c.Left != 0 || len(c.Browsers) != 1 {
		t.Errorf("closed %+v, want 1 graceful, 2 killed (the stubborn one and its helper)", c)
	}
	if exited(roots, 300*time.Millisecond) {
		t.Error("root's process was closed")
	}

	if _, err := CloseUserBrowsers(context.Background(), 0, "", []Browser{b}, time.Second); err == nil {
		t.Error("closing root's browsers was not refused")
	}
	if exited(roots, 100*time.Millisecond) {
		t.Error("root's process was closed by the refused call")
	}
}

// TestCloseNothingRunning: no browser, nothing done, no error.
func TestCloseNothingRunning(t *testing.T) {
	b, _ := fakeBrowser(t, "/bin/sleep")
	c, err := CloseUserBrowsers(context.Background(), uint32(os.Getuid()+1), "", []Browser{b}, time.Second)
	if err != nil || c.Graceful+c.Killed+c.Left != 0 {
		t.Errorf("%+v %v", c, err)
	}
}

func TestPrivateCommand(t *testing.T) {
	b, exe := fakeBrowser(t, "/bin/true")
	b.PrivateFlag = "--private-window"
	cmd, err := PrivateCommand(context.Background(), b, "https://www.service-public.fr/")
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Path != exe || len(cmd.Args) != 3 || cmd.Args[1] != "--private-window" || cmd.Args[2] != "https://www.service-public.fr/" {
		t.Errorf("command %q %q", cmd.Path, cmd.Args)
	}
	b.Executables = []string{"/nonexistent/firefox"}
	if _, err := PrivateCommand(context.Background(), b, ""); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("missing browser: %v", err)
	}
}
