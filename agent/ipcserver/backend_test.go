package ipcserver

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// testBackend stands in for the agent in this package's tests: it records
// the calls that reach it, so a test can prove a refused request reached
// nothing. The real agent behind this server is tested end to end in
// cmd/ardoise.
type testBackend struct {
	mu       sync.Mutex
	owner    uint32
	ownerSID string // Windows
	active   bool
	calls    []string
	endWait  time.Duration
	started  Peer // who last started a session
}

func (b *testBackend) record(c string) { b.mu.Lock(); b.calls = append(b.calls, c); b.mu.Unlock() }
func (b *testBackend) Calls() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.calls...)
}
func (b *testBackend) Owner() (peercred.Account, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return peercred.Account{UID: b.owner, SID: b.ownerSID}, b.active
}
func (b *testBackend) Status(ctx context.Context) ipc.Status {
	b.record("status")
	return ipc.Status{State: ipc.StateActive}
}
func (b *testBackend) Preview(ctx context.Context, limit int) (ipc.Preview, error) {
	b.record("preview")
	return ipc.Preview{Count: 1, Items: []ipc.PreviewItem{{Name: "Attestation CAF.pdf"}}}, nil
}
func (b *testBackend) Start(ctx context.Context, p Peer, r ipc.StartRequest) (ipc.Status, error) {
	b.record("start " + r.Mode)
	b.mu.Lock()
	b.started = p
	b.mu.Unlock()
	return ipc.Status{State: ipc.StateActive, Mode: r.Mode}, nil
}
func (b *testBackend) End(ctx context.Context, p Peer, r ipc.EndRequest) (ipc.WipeReport, error) {
	b.record("end " + r.Reason)
	time.Sleep(b.endWait)
	return ipc.WipeReport{Verified: true}, nil
}
func (b *testBackend) Idle(ctx context.Context, p Peer, r ipc.IdleReport) error {
	b.record("idle")
	return nil
}
func (b *testBackend) Subscribe(since uint64) (<-chan ipc.Event, func()) {
	ch := make(chan ipc.Event, 4)
	for i := since + 1; i <= 3; i++ {
		ch <- ipc.Event{Seq: i, Type: "state"}
	}
	return ch, func() {}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
