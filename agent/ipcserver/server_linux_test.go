package ipcserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

type fixture struct {
	sock string
	be   *testBackend
	logs *bytes.Buffer
	srv  *Server
}

func serve(t *testing.T, tweak func(*Config)) *fixture {
	t.Helper()
	dir, err := os.MkdirTemp("", "ardipc")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := &fixture{sock: filepath.Join(dir, "a.sock"), be: &testBackend{owner: uint32(os.Getuid()), active: true}, logs: &bytes.Buffer{}}
	l, err := Listen(f.sock, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Backend: f.be, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: f.logs}, nil))}
	if tweak != nil {
		tweak(&cfg)
	}
	f.srv = New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.srv.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f
}

// raw sends one raw HTTP request and returns the status and body.
func (f *fixture) raw(t *testing.T, req string) (int, string) {
	t.Helper()
	c, err := net.Dial("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return 0, err.Error()
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(route, body string, headers ...string) string {
	h := ""
	for _, x := range headers {
		h += x + "\r\n"
	}
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: ardoise.sock\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", route, h, len(body), body)
}

func TestI1_PathInRequestRefused(t *testing.T) {
	f := serve(t, nil)
	for _, body := range []string{`{"path":"/etc","paths":["/tmp/sentinel"]}`, `{"action":"wipe","target":"/"}`} {
		code, resp := f.raw(t, post(ipc.RouteSessionEnd, body))
		if code != http.StatusBadRequest || !strings.Contains(resp, "champ inconnu") {
			t.Errorf("%s: %d %s", body, code, resp)
		}
	}
	if calls := f.be.Calls(); len(calls) != 0 {
		t.Errorf("refused requests reached the agent: %v", calls)
	}
}

func TestI3_SameUserEndsTheSession(t *testing.T) {
	f := serve(t, nil)
	c := ipc.NewClient(f.sock, ipc.WithSameUIDServer())
	rep, err := c.End(context.Background(), ipc.EndRequest{})
	if err != nil || !rep.Verified {
		t.Fatalf("End: %+v %v", rep, err)
	}
	if calls := f.be.Calls(); len(calls) != 1 || calls[0] != "end button" {
		t.Errorf("calls %v", calls)
	}
}

func TestI4_AbusiveClients(t *testing.T) {
	f := serve(t, func(c *Config) { c.ReadHeaderTimeout = 500 * time.Millisecond; c.MaxConnsPerUID = 8 })
	// A huge body.
	big := strings.Repeat("x", 100<<20)
	code, _ := f.raw(t, post(ipc.RouteIdle, `{"idle_seconds":1,"x":"`+big+`"}`))
	if code != http.StatusRequestEntityTooLarge && code != 0 {
		t.Errorf("100 MB body: %d, want 413", code)
	}
	// 1 MB of headers.
	code, _ = f.raw(t, "GET /v1/status HTTP/1.1\r\nHost: ardoise.sock\r\nX-Big: "+strings.Repeat("a", 1<<20)+"\r\n\r\n")
	if code != http.StatusRequestHeaderFieldsTooLarge && code != 0 {
		t.Errorf("1 MB of headers: %d, want 431", code)
	}
	// Slowloris: one byte at a time; the server hangs up.
	c, err := net.Dial("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	closed := false
	for i := 0; i < 30 && !closed; i++ {
		if _, err := c.Write([]byte("G")); err != nil {
			closed = true
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := c.Read(make([]byte, 1)); n == 0 {
		closed = true
	}
	c.Close()
	if !closed {
		t.Errorf("a slow client kept its connection for %v", time.Since(start))
	}
	// Many connections from one user: those past the limit are closed at
	// once, and a legitimate request still gets through.
	var conns []net.Conn
	for i := 0; i < 200; i++ {
		c, err := net.Dial("unix", f.sock)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond)
	for _, c := range conns {
		c.Close()
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := ipc.NewClient(f.sock).End(context.Background(), ipc.EndRequest{}); err != nil {
		t.Errorf("legitimate end after a flood: %v", err)
	}
	fds, _ := os.ReadDir("/proc/self/fd")
	if len(fds) > 100 {
		t.Errorf("%d descriptors open after the flood", len(fds))
	}
}

func TestI5_SquattedSocketPath(t *testing.T) {
	dir, _ := os.MkdirTemp("", "ardsq")
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	sentinel := filepath.Join(dir, "sentinel")
	os.WriteFile(sentinel, []byte("keep"), 0o644)
	sock := filepath.Join(dir, "a.sock")
	for name, setup := range map[string]func(){
		"regular file": func() { os.WriteFile(sock, []byte("x"), 0o644) },
		"symlink":      func() { os.Symlink(sentinel, sock) },
	} {
		os.Remove(sock)
		setup()
		if _, err := Listen(sock, true); err == nil {
			t.Errorf("%s at the socket path was replaced", name)
		}
		if fi, err := os.Lstat(sock); err != nil {
			t.Errorf("%s: the object was removed: %v", name, err)
		} else if name == "symlink" && fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the symlink was replaced")
		}
	}
	if b, _ := os.ReadFile(sentinel); string(b) != "keep" {
		t.Error("the sentinel changed")
	}
	// A live listener (another agent, or an impostor of the same user).
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Listen(sock, true); err == nil || !strings.Contains(err.Error(), "already answering") {
		t.Errorf("a live socket was taken over: %v", err)
	}
	// A world-writable socket folder is refused.
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if _, err := Listen(filepath.Join(open, "a.sock"), true); err == nil {
		t.Error("a socket in a world-writable folder was accepted")
	}
}

// TestI6_FakeServer: a client that expects the agent to run as root (or as
// itself) refuses a server run by anyone else.
func TestI6_FakeServer(t *testing.T) {
	f := serve(t, nil)
	other := os.Getuid() + 1
	_, err := ipc.NewClient(f.sock, ipc.WithExpectedServerUID(other)).Status(context.Background())
	if !errors.Is(err, ipc.ErrNotAuthentic) {
		t.Fatalf("client talked to a server of uid %d while expecting %d: %v", os.Getuid(), other, err)
	}
}

func TestI7_IdentityClaimsIgnored(t *testing.T) {
	f := serve(t, nil)
	code, resp := f.raw(t, post(ipc.RouteSessionStart, `{"uid":0}`))
	if code != http.StatusBadRequest || !strings.Contains(resp, "champ inconnu: uid") {
		t.Errorf(`{"uid":0}: %d %s`, code, resp)
	}
	f.be.mu.Lock()
	f.be.owner = uint32(os.Getuid()) + 1 // the session is someone else's
	f.be.mu.Unlock()
	if os.Getuid() == 0 {
		t.Skip("as root every session is ours; the header part needs a non-root caller (see TestI2)")
	}
	code, _ = f.raw(t, post(ipc.RouteSessionEnd, `{}`, "X-Uid: 0", "X-Forwarded-User: root"))
	if code != http.StatusForbidden {
		t.Errorf("identity headers changed the decision: %d", code)
	}
}

func TestBrowserRequestsRefused(t *testing.T) {
	f := serve(t, nil)
	for _, req := range []string{
		post(ipc.RouteSessionEnd, `{}`, "Origin: http://evil.example"),
		post(ipc.RouteSessionEnd, `{}`, "Referer: http://evil.example/"),
		strings.Replace(post(ipc.RouteSessionEnd, `{}`), "Host: ardoise.sock", "Host: localhost", 1),
	} {
		if code, _ := f.raw(t, req); code != http.StatusForbidden {
			t.Errorf("status %d for %q", code, strings.SplitN(req, "\r\n", 3)[1:2])
		}
	}
	if calls := f.be.Calls(); len(calls) != 0 {
		t.Errorf("refused requests reached the agent: %v", calls)
	}
}

func TestEventsResume(t *testing.T) {
	f := serve(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var seqs []uint64
	for e, err := range ipc.NewClient(f.sock).Events(ctx, 1) {
		if err != nil {
			break
		}
		seqs = append(seqs, e.Seq)
		if len(seqs) == 2 {
			cancel()
		}
	}
	if len(seqs) != 2 || seqs[0] != 2 || seqs[1] != 3 {
		t.Errorf("resumed after 1, got %v", seqs)
	}
}

func TestRoutesSorted(t *testing.T) {
	routes := []string{ipc.RouteEvents, ipc.RouteIdle, ipc.RoutePreview, ipc.RouteSessionEnd, ipc.RouteSessionStart, ipc.RouteStatus}
	for i := 1; i < len(routes); i++ {
		if routes[i-1] >= routes[i] {
			t.Errorf("routes not sorted: %s before %s", routes[i-1], routes[i])
		}
	}
	if len((&Server{}).routes()) != len(routes) {
		t.Error("the route table and the route constants differ")
	}
}

// TestI2_AnotherUserActing runs the client as uid 65534 against a session
// of this user: end, preview and events are refused, nothing reaches the
// agent, and the attempt is logged with the caller's uid.
func TestI2_AnotherUserActing(t *testing.T) {
	if sock := os.Getenv("ARDOISE_I2_SOCK"); sock != "" {
		i2Child(sock)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run the client as another user (threats.md I2 is an [R] case)")
	}
	f := serve(t, nil)
	// The test binary lives in a private build folder; the other user needs
	// a copy it can run.
	binDir, err := os.MkdirTemp("", "ardi2")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	os.Chmod(binDir, 0o755)
	bin := filepath.Join(binDir, "ipcserver.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestI2_AnotherUserActing$")
	cmd.Env = append(os.Environ(), "ARDOISE_I2_SOCK="+f.sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"end 403", "preview 403", "events 403", "start 403"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "Attestation") {
		t.Error("a file name leaked to another user")
	}
	for _, c := range f.be.Calls() {
		if c != "status" {
			t.Errorf("another user's request reached the agent: %s", c)
		}
	}
	if !strings.Contains(f.logs.String(), "uid=65534") {
		t.Errorf("the refusal was not logged with the caller's uid:\n%s", f.logs.String())
	}
}

func i2Child(sock string) {
	c := ipc.NewClient(sock)
	ctx := context.Background()
	report := func(what string, err error) {
		var ae *ipc.Error
		if errors.As(err, &ae) {
			fmt.Println(what, ae.Status, ae.Message)
		} else {
			fmt.Println(what, "error", err)
		}
	}
	_, err := c.End(ctx, ipc.EndRequest{})
	report("end", err)
	_, err = c.Preview(ctx, 10)
	report("preview", err)
	for e, err := range c.Events(ctx, 0) {
		if err != nil {
			report("events", err)
			break
		}
		fmt.Println("event", e.Seq)
	}
	_, err = c.Start(ctx, ipc.StartRequest{})
	report("start", err)
	st, err := c.Status(ctx)
	fmt.Println("status", st.State, err)
	os.Stdout.Sync()
	_ = strconv.Itoa
	_ = json.Marshal
}
