package ipcserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// These tests run the real Windows build: under Wine in CI
// (.ci/wine/exec), which implements named pipes but stores ACLs without
// enforcing them and ignores FILE_FLAG_FIRST_PIPE_INSTANCE; the tests that
// need those skip there and say what Windows would check.

const squatterEnv = "ARDOISE_PIPE_TEST_SQUATTER"

func TestMain(m *testing.M) {
	if name := os.Getenv(squatterEnv); name != "" {
		squatterMain(name)
		return
	}
	os.Exit(m.Run())
}

// squatterMain is a program that takes the agent's pipe name first, as a
// user would before the service starts (threats.md W6). It holds the name
// until its standard input closes.
func squatterMain(name string) {
	p, _ := windows.UTF16PtrFromString(name)
	_, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX, windows.PIPE_TYPE_BYTE, windows.PIPE_UNLIMITED_INSTANCES, 512, 512, 0, nil)
	if err != nil {
		fmt.Println("squat:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}

var pipeSeq int

// pipeName is a fresh name per test: named pipes vanish with their last
// handle, so there is nothing to clean up.
func pipeName(t *testing.T) string {
	pipeSeq++
	return fmt.Sprintf(`\\.\pipe\ardoise-test-%d-%d-%s`, os.Getpid(), pipeSeq, t.Name())
}

func serveWindows(t *testing.T, name string, system bool, tweak func(*Config)) (*testBackend, *bytes.Buffer) {
	t.Helper()
	l, err := Listen(name, system)
	if err != nil {
		t.Fatal(err)
	}
	be := &testBackend{}
	logs := &bytes.Buffer{}
	cfg := Config{Backend: be, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))}
	if tweak != nil {
		tweak(&cfg)
	}
	srv := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return be, logs
}

func ownToken(t *testing.T) (sid string, session uint32) {
	t.Helper()
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	if err := windows.GetTokenInformation(tok, windows.TokenSessionId, (*byte)(unsafe.Pointer(&session)), 4, &n); err != nil {
		t.Fatal(err)
	}
	return u.User.Sid.String(), session
}

// TestPipeRoundTrip: the real client dials the real listener, HTTP goes
// both ways, and the server knows the caller from Windows: our SID, our
// session, our PID. In system mode the caller is the console's user
// (Wine has one session, the console's), so W7 lets it in.
func TestPipeRoundTrip(t *testing.T) {
	sid, session := ownToken(t)
	for _, system := range []bool{false, true} {
		t.Run(fmt.Sprintf("system=%v", system), func(t *testing.T) {
			name := pipeName(t)
			be, logs := serveWindows(t, name, system, nil)
			c := ipc.NewClient(name)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if st, err := c.Status(ctx); err != nil || st.State != ipc.StateActive {
				t.Fatalf("status: %+v, %v\nlogs: %s", st, err, logs)
			}
			if _, err := c.Start(ctx, ipc.StartRequest{Mode: ipc.ModePublic}); err != nil {
				t.Fatalf("start: %v\nlogs: %s", err, logs)
			}
			be.mu.Lock()
			p := be.started
			be.mu.Unlock()
			if p.SID != sid || p.Session != session || p.PID != int32(os.Getpid()) {
				t.Errorf("peer = %+v, want SID %s, session %d, PID %d", p.Peer, sid, session, os.Getpid())
			}
			if p.UID != peercred.Nobody || p.Admin {
				t.Errorf("a user who is not LocalSystem got uid %d, admin %v; want nobody, not admin", p.UID, p.Admin)
			}
		})
	}
}

// TestPipeDeadlines: the server's ReadHeaderTimeout cuts a client that
// sends nothing, which needs deadlines on the overlapped handle.
func TestPipeDeadlines(t *testing.T) {
	name := pipeName(t)
	serveWindows(t, name, false, func(c *Config) { c.ReadHeaderTimeout = 300 * time.Millisecond })
	f := dialRaw(t, name)
	defer f.Close()
	start := time.Now()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(f); done <- err }()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, io.EOF) {
			t.Logf("read ended with %v", err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("closed after %v, before ReadHeaderTimeout", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a silent client was not cut after ReadHeaderTimeout")
	}
}

func dialRaw(t *testing.T, name string) *os.File {
	t.Helper()
	p, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.FILE_WRITE_DATA, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return os.NewFile(uintptr(h), name)
}

// TestW6_SquatterInAnotherProcess: a program created the pipe name before
// the agent. Listen fails and names the pipe and the squatter's process;
// it does not serve on another name.
func TestW6_SquatterInAnotherProcess(t *testing.T) {
	name := pipeName(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), squatterEnv+"="+name)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("squatter: %q", line)
	}
	for i, system := range []bool{true, false} {
		l, err := Listen(name, system)
		if err == nil {
			l.Close()
			t.Fatalf("system=%v: Listen served on a squatted name", system)
		}
		msg := err.Error()
		wants := []string{name, "posing as Ardoise"}
		if i == 0 {
			// The first probe took the squatter's only instance, so the
			// second finds it busy and cannot ask its PID.
			wants = append(wants, "process "+strconv.Itoa(cmd.Process.Pid))
		}
		for _, want := range wants {
			if !strings.Contains(msg, want) {
				t.Errorf("system=%v: error %q does not say %q", system, msg, want)
			}
		}
	}
}

// TestW6_SecondListenOnALiveName: a second agent (or a second Listen) on
// the name of a live one fails; the first keeps serving.
func TestW6_SecondListenOnALiveName(t *testing.T) {
	name := pipeName(t)
	serveWindows(t, name, false, nil)
	l, err := Listen(name, false)
	if err == nil {
		l.Close()
		t.Fatal("a second Listen on a live name succeeded")
	}
	if !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("error %q does not name our own process", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ipc.NewClient(name).Status(ctx); err != nil {
		t.Errorf("the first listener stopped answering: %v", err)
	}
}

// TestW6_FirstInstanceFlag checks Windows' own guard, without our probe:
// creating the first instance of an existing name fails.
func TestW6_FirstInstanceFlag(t *testing.T) {
	if os.Getenv("ARDOISE_UNDER_WINE") != "" {
		t.Skip("Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE; on Windows, creating the first instance of a pipe that exists must fail with ERROR_ACCESS_DENIED")
	}
	name := pipeName(t)
	p, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX, windows.PIPE_TYPE_BYTE, windows.PIPE_UNLIMITED_INSTANCES, 512, 512, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	l := &pipeListener{name: name, sa: nil}
	if h2, err := l.create(true); err == nil {
		windows.CloseHandle(h2)
		t.Fatal("FILE_FLAG_FIRST_PIPE_INSTANCE did not refuse an existing name")
	} else if !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		t.Errorf("got %v, want ERROR_ACCESS_DENIED", err)
	}
}

// TestPipeCloseUnblocksAccept: Close ends a pending Accept with
// net.ErrClosed, later Accepts fail the same way, and the name is free
// again (no handle leaked).
func TestPipeCloseUnblocksAccept(t *testing.T) {
	name := pipeName(t)
	l, err := Listen(name, false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("pending Accept returned %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Accept")
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
	}
	l2, err := Listen(name, false)
	if err != nil {
		t.Fatalf("the name is still taken after Close: %v", err)
	}
	l2.Close()
}

// TestPipeSecurityDescriptor reads back the DACL Windows keeps for the
// pipe. Wine stores it, so this runs there too; enforcement is the next
// test's.
func TestPipeSecurityDescriptor(t *testing.T) {
	sid, _ := ownToken(t)
	for _, c := range []struct {
		system bool
		want   []string
		not    []string
	}{
		{true, []string{"D:P", "(A;;GA;;;SY)", "(A;;GA;;;BA)", "(A;;0x12019b;;;IU)"}, []string{"WD", "NU", "AU"}},
		{false, []string{"D:P", "(A;;GA;;;" + sid + ")"}, []string{"SY", "BA", "IU", "WD"}},
	} {
		name := pipeName(t)
		l, err := Listen(name, c.system)
		if err != nil {
			t.Fatal(err)
		}
		h := l.(*pipeListener).next
		sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Windows maps GA to the pipe's FA when it stores the ACL; Wine
		// keeps GA.
		got := strings.ReplaceAll(sd.String(), "(A;;FA;", "(A;;GA;")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("system=%v: DACL %s lacks %s", c.system, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, ";"+n+")") {
				t.Errorf("system=%v: DACL %s grants %s", c.system, got, n)
			}
		}
	}
}

// TestW6_UsersCannotAddInstances: on the system pipe an interactive user
// may talk (read, FILE_WRITE_DATA) but not create a server instance of it,
// which GENERIC_WRITE would allow.
func TestW6_UsersCannotAddInstances(t *testing.T) {
	if os.Getenv("ARDOISE_UNDER_WINE") != "" {
		t.Skip("Wine does not enforce pipe ACLs; on Windows an interactive user must get ERROR_ACCESS_DENIED creating an instance of the system pipe or opening it with GENERIC_WRITE, and succeed with the client's rights")
	}
	if windows.GetCurrentProcessToken().IsElevated() {
		t.Skip("elevated: the administrators may create instances; run this test as a plain interactive user")
	}
	name := pipeName(t)
	serveWindows(t, name, true, nil)
	p, _ := windows.UTF16PtrFromString(name)
	if h, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX, windows.PIPE_TYPE_BYTE, windows.PIPE_UNLIMITED_INSTANCES, 512, 512, 0, nil); err == nil {
		windows.CloseHandle(h)
		t.Error("an interactive user created an instance of the system pipe")
	}
	if h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0); err == nil {
		windows.CloseHandle(h)
		t.Error("an interactive user opened the system pipe with GENERIC_WRITE (FILE_CREATE_PIPE_INSTANCE)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ipc.NewClient(name).Status(ctx); err != nil {
		t.Errorf("the client's rights are refused: %v", err)
	}
}

// TestI6_ClientRefusesAServerNotRunAsSystem: a client that expects the
// system service (LocalSystem) refuses our test server, run as a user,
// before sending anything.
func TestI6_ClientRefusesAServerNotRunAsSystem(t *testing.T) {
	name := pipeName(t)
	be, _ := serveWindows(t, name, false, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := ipc.NewClient(name, ipc.WithExpectedServerUID(0)).Status(ctx)
	if !errors.Is(err, ipc.ErrNotAuthentic) {
		t.Fatalf("got %v, want ErrNotAuthentic", err)
	}
	if calls := be.Calls(); len(calls) != 0 {
		t.Errorf("requests reached a server the client should not trust: %v", calls)
	}
}

// TestW7_OtherSessionRefusedAtAccept drives the accept path with a peer
// from another session: the connection is closed before any request and
// the SID is logged. A real second session needs two logged-on users, so
// the listener's admit is given a console session that is not ours.
func TestW7_OtherSessionRefusedAtAccept(t *testing.T) {
	sid, session := ownToken(t)
	name := pipeName(t)
	l, err := Listen(name, true)
	if err != nil {
		t.Fatal(err)
	}
	be := &testBackend{}
	logs := &bytes.Buffer{}
	srv := New(Config{Backend: be, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, otherConsole{l.(*pipeListener), session + 1}); close(done) }()
	defer func() { cancel(); <-done }()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	if _, err := ipc.NewClient(name).Status(rctx); err == nil {
		t.Fatal("a client from another session was served")
	}
	if calls := be.Calls(); len(calls) != 0 {
		t.Errorf("requests reached the backend: %v", calls)
	}
	if out := logs.String(); !strings.Contains(out, "sid="+sid) || !strings.Contains(out, "another session") {
		t.Errorf("refusal not logged with the SID:\n%s", out)
	}
}

// otherConsole is the pipe listener on a computer whose console session
// is console.
type otherConsole struct {
	*pipeListener
	console uint32
}

func (o otherConsole) admit(p peercred.Peer) error {
	return checkWindowsSession(true, p, o.console)
}
