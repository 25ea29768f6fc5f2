//go:build unix

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// The client is tested against small HTTP servers on real unix sockets in
// t.TempDir(); the real server (agent/ipcserver) has its own tests, which
// use this client too.

const helperEnv = "ARDOISE_IPC_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "fake-server" {
		fakeServerMain(os.Getenv("ARDOISE_IPC_TEST_SOCKET"))
		return
	}
	os.Exit(m.Run())
}

// fakeServerMain is a program posing as the agent: it says the computer is
// clean. It runs in a child process, as another user (threats.md I6).
func fakeServerMain(path string) {
	l, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"state":"clean","user_uid":-1,"agent_version":"fake"}`)
	}))
}

// serve answers on a fresh socket with h; it returns the socket path.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return path
}

func TestClientTypedErrors(t *testing.T) {
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case RoutePreview:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"status":403,"code":"forbidden","message":"cette session appartient à un autre utilisateur"}`)
		case RouteSessionStart:
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"status":409,"code":"conflict","message":"session déjà en cours"}`)
		case RouteIdle:
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"status":429,"code":"too_many","message":"trop de requêtes"}`)
		default:
			http.Error(w, "plain text", http.StatusTeapot)
		}
	})
	c := NewClient(path)
	ctx := context.Background()

	_, err := c.Preview(ctx, 10)
	if ad, ok := errors.AsType[*AccessDeniedError](err); !ok || ad.Err.Code != CodeForbidden || !strings.Contains(ad.Error(), "autre utilisateur") {
		t.Errorf("preview: %v, want *AccessDeniedError", err)
	}
	_, err = c.Start(ctx, StartRequest{Mode: ModePublic})
	if ce, ok := errors.AsType[*ConflictError](err); !ok || ce.Err.Message != "session déjà en cours" {
		t.Errorf("start: %v, want *ConflictError", err)
	}
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != http.StatusConflict {
		t.Errorf("a ConflictError unwraps to the *Error: %v", err)
	}
	err = c.ReportIdle(ctx, IdleReport{IdleSeconds: 3})
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != 429 || e.Code != CodeTooMany {
		t.Errorf("idle: %v, want *Error 429", err)
	}
	_, err = c.Status(ctx)
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != http.StatusTeapot || e.Code != "http_418" {
		t.Errorf("status without a JSON body: %v", err)
	}
}

func TestClientSendsIntentsToTheFixedHost(t *testing.T) {
	type seen struct{ method, host, path, query, body string }
	got := make(chan seen, 10)
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Host, r.URL.Path, r.URL.RawQuery, string(b)}
		switch r.URL.Path {
		case RouteIdle:
			w.WriteHeader(http.StatusNoContent)
		case RouteSessionEnd:
			io.WriteString(w, `{"session_id":"s1","reason":"button","removed":{"files":2},"bytes":10,"verified":true}`)
		default:
			io.WriteString(w, `{}`)
		}
	})
	c := NewClient(path)
	ctx := context.Background()
	rep, err := c.End(ctx, EndRequest{Reason: ReasonButton})
	if err != nil || rep.SessionID != "s1" || rep.Removed.Files != 2 || rep.Bytes != 10 || !rep.Verified {
		t.Fatalf("End = %+v, %v", rep, err)
	}
	if err := c.ReportIdle(ctx, IdleReport{IdleSeconds: 42}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Preview(ctx, 7); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"POST", Host, RouteSessionEnd, "", `{"reason":"button"}`},
		{"POST", Host, RouteIdle, "", `{"idle_seconds":42}`},
		{"GET", Host, RoutePreview, "limit=7", ""},
	}
	for _, w := range want {
		if g := <-got; g != w {
			t.Errorf("server saw %+v, want %+v", g, w)
		}
	}
}

func TestClientAgentNotRunning(t *testing.T) {
	dir := t.TempDir()
	c := NewClient(filepath.Join(dir, "missing.sock"))
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrAgentNotRunning) || !strings.Contains(err.Error(), "ardoise run") {
		t.Errorf("missing socket: %v, want ErrAgentNotRunning saying how to start it", err)
	}
	// A stale socket: bound once, nobody listens any more.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := NewClient(stale).Status(context.Background()); !errors.Is(err, ErrAgentNotRunning) {
		t.Errorf("stale socket: %v, want ErrAgentNotRunning", err)
	}
}

// TestI6_ServerOfAnotherUserInDevMode: the client is told the agent must
// run as a uid it does not run as (uid 0 for a non-root test, another uid
// otherwise); it refuses before sending anything.
func TestI6_ServerOfAnotherUserInDevMode(t *testing.T) {
	var hits atomic.Int32
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"state":"clean"}`)
	})
	other := 0
	if os.Getuid() == 0 {
		other = 4242
	}
	_, err := NewClient(path, WithExpectedServerUID(other)).Status(context.Background())
	if !errors.Is(err, ErrNotAuthentic) || !strings.Contains(err.Error(), "n'est pas authentique") {
		t.Fatalf("server run by uid %d, client expects %d: %v, want ErrNotAuthentic", os.Getuid(), other, err)
	}
	if hits.Load() != 0 {
		t.Errorf("the request reached a server that is not authentic")
	}
	// The same server passes when the client expects its own user, by
	// default or explicitly: the refusal above came from the check.
	for _, c := range []*Client{NewClient(path), NewClient(path, WithSameUIDServer()), NewClient(path, WithExpectedServerUID(other), WithExpectedServerUID(os.Getuid()))} {
		if st, err := c.Status(context.Background()); err != nil || st.State != "clean" {
			t.Errorf("own server refused: %+v, %v", st, err)
		}
	}
}

func TestClientEvents(t *testing.T) {
	sinceSeen := make(chan string, 1)
	path := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != RouteEvents {
			http.NotFound(w, r)
			return
		}
		sinceSeen <- r.URL.Query().Get("since")
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"seq":4,"type":"state","state":"active"}`+"\n")
		io.WriteString(w, `{"seq":5,"type":"entry","count":3}`+"\n")
	})
	var got []Event
	var last error
	for ev, err := range NewClient(path).Events(context.Background(), 3) {
		if err != nil {
			last = err
			break
		}
		got = append(got, ev)
	}
	if s := <-sinceSeen; s != "3" {
		t.Errorf("since sent as %q, want 3", s)
	}
	if len(got) != 2 || got[0].Seq != 4 || got[0].State != StateActive || got[1].Type != EventEntry || got[1].Count != 3 {
		t.Errorf("events = %+v", got)
	}
	if !errors.Is(last, ErrEventsClosed) {
		t.Errorf("end of stream: %v, want ErrEventsClosed", last)
	}

	// A refusal is the first and only value.
	path = serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"status":403,"code":"forbidden","message":"non"}`)
	})
	n := 0
	for _, err := range NewClient(path).Events(context.Background(), 0) {
		n++
		if _, ok := errors.AsType[*AccessDeniedError](err); !ok {
			t.Errorf("refused stream: %v", err)
		}
	}
	if n != 1 {
		t.Errorf("refused stream yielded %d values, want 1", n)
	}
}
