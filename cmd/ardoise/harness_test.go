//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// This file runs the real ardoise binary as a subprocess, the way a person
// or a service manager does, in a scratch home directory.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// ardoiseBinary builds cmd/ardoise once per test run.
func ardoiseBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ardoise-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "ardoise")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// scratch is a home directory with the usual user folders, and an agent
// state directory and socket of its own.
type scratch struct {
	home, state, sock string
}

func newScratch(t testing.TB) *scratch {
	t.Helper()
	base := t.TempDir()
	// Keep the socket path short: unix socket paths are limited to 108 bytes.
	sockDir, err := os.MkdirTemp("", "ard")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	s := &scratch{
		home:  filepath.Join(base, "home"),
		state: filepath.Join(base, "state"),
		sock:  filepath.Join(sockDir, "a.sock"),
	}
	for _, d := range []string{"Downloads", "Desktop", "Documents", "Pictures", ".config"} {
		if err := os.MkdirAll(filepath.Join(s.home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func (s *scratch) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "XDG_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+s.home, "XDG_CONFIG_HOME="+filepath.Join(s.home, ".config"))
}

// agentProc is a running 'ardoise run'.
type agentProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (s *scratch) startAgent(t testing.TB, extra ...string) *agentProc {
	t.Helper()
	return s.startAgentFrom(t, ardoiseBinary(t), nil, extra...)
}

// startAgentFrom is startAgent with another build of the program (the
// race-window one) and env added to the scratch environment.
func (s *scratch) startAgentFrom(t testing.TB, bin string, env []string, extra ...string) *agentProc {
	t.Helper()
	args := append([]string{"run", "--state-dir", s.state, "--socket", s.sock}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(s.env(), env...)
	cmd.Dir = s.home
	a := &agentProc{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = a.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.err = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		if a.running() {
			a.cmd.Process.Kill()
			<-a.done
		}
	})
	return a
}

func (a *agentProc) running() bool {
	select {
	case <-a.done:
		return false
	default:
		return true
	}
}

func (a *agentProc) kill(t testing.TB) {
	t.Helper()
	a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.done
}

// stop sends SIGTERM and waits for a clean exit.
func (a *agentProc) stop(t testing.TB) {
	t.Helper()
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("agent did not stop within 60s after SIGTERM; stderr:\n%s", a.stderr.String())
	}
	if a.err != nil {
		t.Fatalf("agent exited with %v after SIGTERM; stderr:\n%s", a.err, a.stderr.String())
	}
}

// command prepares 'ardoise ARGS --socket SOCK'.
func (s *scratch) command(t testing.TB, args ...string) *exec.Cmd {
	cmd := exec.Command(ardoiseBinary(t), append(args, "--socket", s.sock)...)
	cmd.Env = s.env()
	return cmd
}

// cli runs 'ardoise ARGS --socket SOCK' and returns its status and output.
func (s *scratch) cli(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	cmd := s.command(t, args...)
	cmd.Env = s.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// statusJSON is what 'ardoise session status --json' prints: the wire
// type itself, which is the stable form.
type statusJSON = ipc.Status

func (s *scratch) status(t testing.TB) (statusJSON, error) {
	t.Helper()
	code, out, stderr := s.cli(t, "session", "status", "--json")
	if code != 0 {
		return statusJSON{}, fmt.Errorf("session status: exit %d: %s", code, stderr)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return statusJSON{}, fmt.Errorf("session status --json: %v: %q", err, out)
	}
	return st, nil
}

// awaitActive waits until the agent answers and has an active session other
// than notID, and returns it.
func (s *scratch) awaitActive(t testing.TB, a *agentProc, notID string) statusJSON {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		if a != nil && !a.running() {
			t.Fatalf("agent exited (%v); stderr:\n%s", a.err, a.stderr.String())
		}
		st, err := s.status(t)
		if err == nil && st.State == "active" && st.SessionID != notID {
			return st
		}
		if err == nil {
			err = fmt.Errorf("state %q, session %q", st.State, st.SessionID)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	stderr := ""
	if a != nil {
		stderr = a.stderr.String()
	}
	t.Fatalf("no active session within 60s: %v; agent stderr:\n%s", last, stderr)
	return statusJSON{}
}
