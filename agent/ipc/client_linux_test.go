package ipc

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestI6_FakeServerOfAnotherUID [R]: a program run by uid 65534 listens
// where the agent should; a client expecting root (the system service) or
// its own user refuses it, and never shows its "clean".
func TestI6_FakeServerOfAnotherUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the fake server as uid 65534")
	}
	const nobody = 65534
	dir := shareableDir(t)
	sockDir := filepath.Join(dir, "run")
	if err := os.Mkdir(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(sockDir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sockDir, "agent.sock")
	startAs(t, nobody, dir, "fake-server", path)

	for name, c := range map[string]*Client{
		"default":          NewClient(path),
		"system (uid 0)":   NewClient(path, WithExpectedServerUID(0)),
		"foreground (own)": NewClient(path, WithSameUIDServer()),
	} {
		st, err := c.Status(context.Background())
		if !errors.Is(err, ErrNotAuthentic) || !strings.Contains(err.Error(), "uid 65534") {
			t.Errorf("%s: %+v, %v; want ErrNotAuthentic naming uid 65534", name, st, err)
		}
		if st.State == "clean" {
			t.Errorf("%s: the fake server's \"clean\" reached the caller", name)
		}
	}
	// Control: told to trust uid 65534, the same client reads the fake
	// answer, so the refusals above are the server check's.
	if st, err := NewClient(path, WithExpectedServerUID(nobody)).Status(context.Background()); err != nil || st.AgentVersion != "fake" {
		t.Errorf("control: %+v, %v", st, err)
	}
}

// shareableDir returns a temporary folder another user can traverse.
func shareableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startAs runs this test binary as uid in helper mode; it returns once the
// helper printed "ready". The binary is copied to dir, because the go
// tool's build folder is private to root.
func startAs(t *testing.T, uid uint32, dir, helper, socket string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ipc.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{helperEnv + "=" + helper, "ARDOISE_IPC_TEST_SOCKET=" + socket, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line)
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if line != "ready" {
			t.Fatalf("helper %s: %q", helper, line)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("helper %s did not start within 30s", helper)
	}
}
