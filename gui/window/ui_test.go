package window

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// testUI stands for Fyne's main goroutine in the tests. Fyne's test driver
// runs fyne.Do at once on the caller's goroutine, so the window's own
// goroutines (Run, the countdown's ticker, the hold and warning timers,
// the end's and the accompanied start's answers) changed the screens
// while the test read and tapped them: go test -race saw it everywhere,
// and a real race would have hidden among those.
//
// As in the real window, one goroutine at a time touches the screens: the
// test's, which holds the UI all the time (its taps, reads and direct
// calls are the person's events and the window's handlers), except while
// it waits (waitScreen, waitFor, pause): the window's goroutines run
// their g.do then, as the real main goroutine runs fyne.Do's functions
// between events.
//
// g.do never blocks, like fyne.Do: it runs f at once if the UI is free,
// else queues it for whoever holds the UI, which runs the queue before it
// lets go. So a g.do from the goroutine holding the UI (a tap's handler,
// or a queued function) does not deadlock: it runs after the handler, as
// fyne.Do on the real main goroutine does (queued, not run inline). No
// goroutine needs to know who holds the UI.
//
// Every window of a test shares its UI (Fyne's app, its theme, is one).
// Once the test is over, g.do drops what it is given: a timer of a
// finished test draws nothing in the next one.
type testUI struct {
	mu sync.Mutex // held by whoever touches the screens

	qmu    sync.Mutex // guards queue and closed
	queue  []func()
	closed bool
}

var (
	uisMu sync.Mutex
	uis   = map[*testing.T]*testUI{}
)

// uiOf is t's UI, which the calling goroutine (the test's) takes on first
// use and holds until the test ends.
func uiOf(t *testing.T) *testUI {
	uisMu.Lock()
	defer uisMu.Unlock()
	if u := uis[t]; u != nil {
		return u
	}
	u := &testUI{}
	u.mu.Lock()
	uis[t] = u
	t.Cleanup(func() {
		uisMu.Lock()
		delete(uis, t)
		uisMu.Unlock()
		// The UI stays held: nothing of this test runs any more.
		u.qmu.Lock()
		u.closed, u.queue = true, nil
		u.qmu.Unlock()
	})
	return u
}

// do is the window's g.do in the tests.
func (u *testUI) do(f func()) {
	u.qmu.Lock()
	if u.closed {
		u.qmu.Unlock()
		return
	}
	u.queue = append(u.queue, f)
	u.qmu.Unlock()
	if u.mu.TryLock() {
		u.release()
	}
}

func (u *testUI) next() func() {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	if len(u.queue) == 0 || u.closed {
		return nil
	}
	f := u.queue[0]
	u.queue = u.queue[1:]
	return f
}

func (u *testUI) pending() bool {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	return len(u.queue) > 0 && !u.closed
}

// release runs what was queued, then lets the UI go. A function queued
// after the last look but before the unlock found the UI held (TryLock
// failed) and is now pending: it is run here, unless another goroutine
// has taken the UI since, which runs it when it lets go.
func (u *testUI) release() {
	for {
		for f := u.next(); f != nil; f = u.next() {
			f()
		}
		u.mu.Unlock()
		if !u.pending() || !u.mu.TryLock() {
			return
		}
	}
}

// wait lets the window's goroutines have the UI for d, then takes it back
// and runs what they queued meanwhile.
func (u *testUI) wait(d time.Duration) {
	u.release()
	time.Sleep(d)
	u.mu.Lock()
	for f := u.next(); f != nil; f = u.next() {
		f()
	}
}

// pause is the test's time.Sleep: the window's goroutines go on meanwhile.
func pause(t *testing.T, d time.Duration) {
	uiOf(t).wait(d)
}

// newWindow is New for the tests: its g.do goes through t's UI, which the
// test goroutine holds from now on.
func newWindow(t *testing.T, w fyne.Window, a Agent, langs []string) *Window {
	g := New(w, a, langs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.do = uiOf(t).do
	return g
}
