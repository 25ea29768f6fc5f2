//go:build unix

package keepalive

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// script returns a command running a shell script that appends its pid to
// a file, then does what body says.
func script(t *testing.T, pids, body string) func(context.Context) *exec.Cmd {
	return func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, "sh", "-c", "echo $$ >>"+pids+"; "+body)
	}
}

func readPids(t *testing.T, file string) []int {
	b, _ := os.ReadFile(file)
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

func TestRestartedWhenKilled(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, script(t, pids, "exec sleep 30"), Options{Delay: 10 * time.Millisecond}) }()
	waitFor := func(n int) []int {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if p := readPids(t, pids); len(p) >= n {
				return p
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the program was not started %d times", n)
		return nil
	}
	first := waitFor(1)[0]
	syscall.Kill(first, syscall.SIGKILL) // as a task manager would
	second := waitFor(2)[1]
	if second == first {
		t.Fatal("no new process")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
	if syscall.Kill(second, 0) == nil {
		t.Error("the window outlived its keeper's cancellation")
	}
}

func TestNormalExitIsFinal(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	if err := Run(context.Background(), script(t, pids, "exit 0"), Options{Delay: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if n := len(readPids(t, pids)); n != 1 {
		t.Errorf("started %d times, want 1", n)
	}
}

func TestGivesUpOnRepeatedFailure(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	err := Run(context.Background(), script(t, pids, "exit 3"), Options{Delay: time.Millisecond, Burst: 4, Window: time.Minute})
	if !errors.Is(err, ErrTooManyRestarts) {
		t.Fatalf("err = %v", err)
	}
	if n := len(readPids(t, pids)); n != 4 {
		t.Errorf("started %d times, want 4", n)
	}
}
