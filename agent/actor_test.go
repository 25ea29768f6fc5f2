package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/peercred"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/watch"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
)

// The lifecycle tests run the session actor in process, on real folders
// (a scratch home with Téléchargements and Documents, a real state folder
// and crash journal, real wipes). The fakes are only for what cannot run
// here: the clock is testing/synctest's, and the end steps (closing the
// browsers, ending the kiosk account's programs, the print queue) are a
// recorder, since the real ones would stop the tester's own programs.

const lifecyclePolicy = `version: 1
roots:
  - path: "{downloads}"
    scope: session
  - path: "{documents}"
    scope: session
browsers:
  close: []
traces: []
session:
  idle_timeout: 15m
  idle_warning: 60s
  max_duration: %s
  warn_before: 5m
  end_on_agent_stop: %v
%s`

// fixture is one agent on a scratch home.
type fixture struct {
	t       *testing.T
	a       *Agent
	home    string
	state   string
	dl      string
	steps   *recordingSteps
	cancel  context.CancelFunc
	events  []ipc.Event
	evMu    sync.Mutex
	evDone  chan struct{}
	unsub   func()
	journal *journal.Journal
	// hold and entered are the first closeBrowsers' (holdClose).
	hold, entered chan struct{}
	stopOnce      sync.Once
}

type fixtureOpts struct {
	maxDuration string // "0" for none
	endOnStop   bool
	extra       string // more session: keys
	state, home string // reuse (recovery)
	realWatch   bool   // the real watcher (not under synctest)
	holdClose   bool   // the end steps' browser closing waits for steps.hold
}

// newFixture makes the home and the agent and starts its actor as Run
// does; stop (or the test's end) stops it.
func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.maxDuration == "" {
		o.maxDuration = "0"
	}
	home := o.home
	if home == "" {
		home = scratchDir(t)
		for _, d := range []string{"Downloads", "Documents"} {
			if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	state := o.state
	if state == "" {
		state = filepath.Join(scratchDir(t), "state")
	}
	p, err := policies.Parse("lifecycle.yaml", fmt.Appendf(nil, lifecyclePolicy, o.maxDuration, o.endOnStop, o.extra))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config")}
	u, src, err := userdirs.Current(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := journal.MakeStateDir(state); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Mode: Foreground, Policy: p, StateDir: state, Socket: filepath.Join(state, "s.sock"), User: u, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, a: a, home: home, state: state, dl: filepath.Join(home, "Downloads"), steps: &recordingSteps{a: a}, evDone: make(chan struct{})}
	a.steps = f.steps
	if o.holdClose {
		f.hold, f.entered = make(chan struct{}), make(chan struct{})
		f.steps.hold, f.steps.entered = f.hold, f.entered
	}
	if !o.realWatch {
		// inotify is not a wait testing/synctest can see through: without a
		// watcher the wipe's rescan finds everything.
		a.watchStart = func(watch.Config) (*watch.Watcher, error) { return nil, errors.New("no watcher under synctest") }
	}
	j, rec, err := journal.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	a.journal, f.journal = j, j
	ch, unsub := a.Subscribe(0)
	f.unsub = unsub
	go func() {
		defer close(f.evDone)
		for ev := range ch {
			f.evMu.Lock()
			f.events = append(f.events, ev)
			f.evMu.Unlock()
		}
	}()
	// As Run: Wiping before anyone can ask, then the actor, whose first
	// work is the recovery.
	if rec != nil {
		a.mu.Lock()
		a.moveLocked(session.Wiping)
		a.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	recovered := make(chan struct{})
	go a.serve(ctx, rec, recovered)
	return f
}

// stop stops the agent as a shutdown does (the actor ends the session if
// the policy says so) and closes its journal.
func (f *fixture) stop() {
	f.stopOnce.Do(func() {
		f.cancel()
		<-f.a.stopped
		f.unsub()
		<-f.evDone
		f.journal.Close()
	})
}

// scratchDir is t.TempDir emptied with os.Remove, entry by entry: Go's
// os.RemoveAll fails under Wine 8 (it needs FileDispositionInfoEx), where
// these tests run in their Windows build too.
func scratchDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var all []string
		filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
			all = append(all, p)
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			os.Remove(all[i])
		}
	})
	return dir
}

func (f *fixture) status() ipc.Status { return f.a.Status(context.Background()) }

func (f *fixture) start() ipc.Status {
	f.t.Helper()
	st, err := f.a.requestStart(context.Background(), f.a.cfg.User, f.a.cfg.Source, ipc.ModePublic)
	if err != nil {
		f.t.Fatalf("start: %v", err)
	}
	if st.State != ipc.StateActive {
		f.t.Fatalf("state %s after a start", st.State)
	}
	return st
}

func (f *fixture) write(name string) string {
	f.t.Helper()
	p := filepath.Join(f.dl, name)
	if err := os.WriteFile(p, []byte("cv"), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// states are the state events so far, in order.
func (f *fixture) states() []string {
	f.evMu.Lock()
	defer f.evMu.Unlock()
	var out []string
	for _, ev := range f.events {
		if ev.Type == ipc.EventState {
			out = append(out, ev.State)
		}
	}
	return out
}

func (f *fixture) eventsOf(typ string) []ipc.Event {
	f.evMu.Lock()
	defer f.evMu.Unlock()
	var out []ipc.Event
	for _, ev := range f.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// checkMoves fails unless every state event follows the one before by a
// move session.Move allows, from Idle (a repeated Active is the mode
// change of an aidant joining, not a move).
func (f *fixture) checkMoves(want ...string) {
	f.t.Helper()
	byName := map[string]session.State{}
	for _, s := range []session.State{session.Idle, session.Active, session.Ending, session.Wiping, session.Pending} {
		byName[s.String()] = s
	}
	got := f.states()
	prev := session.Idle
	for _, name := range got {
		s, ok := byName[name]
		if !ok {
			f.t.Errorf("unknown state %q", name)
			continue
		}
		if s == prev && s == session.Active {
			continue
		}
		if err := session.Move(prev, s); err != nil {
			f.t.Errorf("states %v: %v", got, err)
		}
		prev = s
	}
	if want != nil && !slices.Equal(got, want) {
		f.t.Errorf("states %v, want %v", got, want)
	}
}

// recordingSteps stands for the OS's end steps: it records what the
// state was while each ran and can hold the browsers' closing.
type recordingSteps struct {
	a           *Agent
	mu          sync.Mutex
	hold        chan struct{} // if set, the next closeBrowsers waits on it
	entered     chan struct{} // if set, closed when the next closeBrowsers starts
	closeStates []string
	endStates   []string
	purgeStates []string
}

// stop stands for closing the browsers, then ending the programs.
func (r *recordingSteps) stop(ctx context.Context, s *activeSession) {
	r.mu.Lock()
	r.closeStates = append(r.closeStates, r.a.Status(ctx).State)
	hold, entered := r.hold, r.entered
	r.hold, r.entered = nil, nil // once
	r.mu.Unlock()
	if entered != nil {
		close(entered)
	}
	if hold != nil {
		<-hold
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endStates = append(r.endStates, r.a.Status(ctx).State)
}

// finish stands for the traces and the print queue, after the wipe.
func (r *recordingSteps) finish(ctx context.Context, s *activeSession, done wipe.ExtraResult, rep *ipc.WipeReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Status answers during the wipe: the actor holds no lock while it
	// works (were it held, this would never return).
	r.purgeStates = append(r.purgeStates, r.a.Status(ctx).State)
}

func gone(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", filepath.Base(p), err)
		}
	}
}

// TestLifecycleButtonEnd: Idle → Active → Ending → Wiping → Idle, each
// by session.Move; the browsers and programs are closed while the state
// is Ending, the print queue emptied while it is Wiping; Status answers
// all along; the session's file is erased, the one from before is kept.
func TestLifecycleButtonEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		old := f.write("avant.pdf")
		f.start()
		cv := f.write("cv.pdf")
		rep, err := f.a.requestEnd(context.Background(), session.Button)
		if err != nil || !rep.Verified || rep.Reason != ipc.ReasonButton {
			t.Fatalf("end: %+v, %v", rep, err)
		}
		gone(t, cv)
		if _, err := os.Stat(old); err != nil {
			t.Errorf("a file from before the session was erased: %v", err)
		}
		if st := f.status(); st.State != ipc.StateIdle || st.LastWipe == nil || !st.LastWipe.Verified {
			t.Errorf("status after the end: %+v", st)
		}
		synctest.Wait()
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
		if !slices.Equal(f.steps.closeStates, []string{ipc.StateEnding}) || !slices.Equal(f.steps.endStates, []string{ipc.StateEnding}) {
			t.Errorf("browsers closed in %v, programs ended in %v; want ending", f.steps.closeStates, f.steps.endStates)
		}
		if !slices.Equal(f.steps.purgeStates, []string{ipc.StateWiping}) {
			t.Errorf("print queue emptied in %v, want wiping", f.steps.purgeStates)
		}
		if _, err := f.a.requestEnd(context.Background(), session.Button); !errors.Is(err, errNoSession) {
			t.Errorf("a second end: %v, want no session", err)
		}
	})
}

// TestLifecycleEndingLastsWhileBrowsersClose: while the browsers are
// being closed the state is Ending, for Status and for the window's
// events, and a start asked meanwhile waits for the wipe and then starts.
func TestLifecycleEndingLastsWhileBrowsersClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		f.start()
		cv := f.write("cv.pdf")
		hold, entered := make(chan struct{}), make(chan struct{})
		f.steps.mu.Lock()
		f.steps.hold, f.steps.entered = hold, entered
		f.steps.mu.Unlock()
		ended := make(chan ipc.WipeReport, 1)
		go func() {
			rep, _ := f.a.requestEnd(context.Background(), session.Button)
			ended <- rep
		}()
		<-entered
		time.Sleep(10 * time.Second) // browsers take their grace period
		if st := f.status(); st.State != ipc.StateEnding {
			t.Errorf("state %s while the browsers close, want ending", st.State)
		}
		// An idle report is answered at once, not after the wipe.
		if err := f.a.requestIdle(context.Background(), 0); !errors.Is(err, errNoSession) {
			t.Errorf("an idle report while ending: %v", err)
		}
		started := make(chan error, 1)
		go func() {
			_, err := f.a.requestStart(context.Background(), f.a.cfg.User, f.a.cfg.Source, ipc.ModePublic)
			started <- err
		}()
		synctest.Wait()
		select {
		case err := <-started:
			t.Fatalf("a start was answered during the end: %v", err)
		default:
		}
		if _, err := os.Stat(cv); err != nil {
			t.Errorf("erased before the browsers were closed: %v", err)
		}
		close(hold)
		if rep := <-ended; !rep.Verified {
			t.Errorf("report %+v", rep)
		}
		if err := <-started; err != nil {
			t.Errorf("the start that waited: %v", err)
		}
		gone(t, cv)
		synctest.Wait()
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle, ipc.StateActive)
	})
}

// TestLifecycleIdleEnd: the idle end comes idle_timeout after the last
// activity the window reported, with its warning idle_warning before;
// "Je suis encore là" (idle 0) after the warning moves the end.
func TestLifecycleIdleEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		f.start()
		t0 := time.Now()
		cv := f.write("cv.pdf")
		if err := f.a.requestIdle(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(14*time.Minute + time.Second)
		synctest.Wait()
		w := f.eventsOf(ipc.EventWarning)
		if len(w) != 1 || w[0].Reason != ipc.ReasonIdle || !w[0].Deadline.Equal(t0.Add(15*time.Minute)) || !w[0].Time.Equal(t0.Add(14*time.Minute)) {
			t.Fatalf("warnings %+v, want one for the idle end at +15m, shown at +14m", w)
		}
		// The person is still there.
		if err := f.a.requestIdle(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		if st := f.status(); st.State != ipc.StateActive {
			t.Fatalf("ended at %v although the person came back: %s", time.Since(t0), st.State)
		}
		// Then nobody for good: the window says so every few seconds.
		time.Sleep(5*time.Minute + time.Second)
		synctest.Wait()
		if st := f.status(); st.State != ipc.StateIdle || st.LastWipe == nil || st.LastWipe.Reason != ipc.ReasonIdle || !st.LastWipe.Verified {
			t.Fatalf("after 15 idle minutes: %+v", st)
		}
		if !f.eventsOf(ipc.EventWipeDone)[0].Report.Started.Equal(t1.Add(15 * time.Minute)) {
			t.Errorf("the idle end came at %v, want 15m after the last activity", f.eventsOf(ipc.EventWipeDone)[0].Report.Started.Sub(t1))
		}
		if n := len(f.eventsOf(ipc.EventWarning)); n != 2 {
			t.Errorf("%d warnings, want 2 (once per end)", n)
		}
		gone(t, cv)
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
		if err := f.a.requestIdle(context.Background(), 0); !errors.Is(err, errNoSession) {
			t.Errorf("an idle report with no session: %v", err)
		}
	})
}

// TestLifecycleMaxDuration: warned warn_before ahead, ended at
// max_duration whatever the activity.
func TestLifecycleMaxDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{maxDuration: "30m"})
		defer f.stop()
		f.start()
		t0 := time.Now()
		for range 29 {
			time.Sleep(time.Minute)
			f.a.requestIdle(context.Background(), 0) // someone is typing
		}
		synctest.Wait()
		w := f.eventsOf(ipc.EventWarning)
		if len(w) != 1 || w[0].Reason != ipc.ReasonMaxDuration || !w[0].Time.Equal(t0.Add(25*time.Minute)) {
			t.Fatalf("warnings %+v, want one at +25m", w)
		}
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		st := f.status()
		if st.State != ipc.StateIdle || st.LastWipe == nil || st.LastWipe.Reason != ipc.ReasonMaxDuration || !st.LastWipe.Started.Equal(t0.Add(30*time.Minute)) {
			t.Fatalf("after 30 minutes: %+v", st)
		}
		synctest.Wait()
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
	})
}

// TestLifecycleClosingTime: a session started in the evening ends at the
// closing time, warned before.
func TestLifecycleClosingTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		closing := now.Add(3 * time.Hour).Truncate(time.Minute)
		f := newFixture(t, fixtureOpts{extra: fmt.Sprintf("  closing_times:\n    - time: %q\n", closing.Format("15:04"))})
		defer f.stop()
		f.start()
		cv := f.write("cv.pdf")
		time.Sleep(time.Until(closing) - 5*time.Minute + time.Second)
		synctest.Wait()
		if w := f.eventsOf(ipc.EventWarning); len(w) != 1 || w[0].Reason != ipc.ReasonClosingTime || !w[0].Deadline.Equal(closing) {
			t.Fatalf("warnings %+v, want one for %v", w, closing)
		}
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if st := f.status(); st.State != ipc.StateIdle || st.LastWipe == nil || st.LastWipe.Reason != ipc.ReasonClosingTime {
			t.Fatalf("after closing time: %+v", st)
		}
		gone(t, cv)
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
	})
}

// fakeTable is the process table of one account whose programs run until
// loggedOut.
type fakeTable struct {
	mu        sync.Mutex
	uid       uint32
	sid       string // the owner on Windows
	loggedOut bool
}

func (ft *fakeTable) List() ([]procs.Proc, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.loggedOut {
		return nil, nil
	}
	return []procs.Proc{{PID: 4242, UIDs: [4]uint32{ft.uid, ft.uid, ft.uid, ft.uid}, Owner: ft.sid}}, nil
}

// Open is not used by the poller.
func (ft *fakeTable) Open(pid int) (procs.Handle, error) {
	return nil, errors.New("the account poller only lists")
}

// TestLifecycleLogout: the account poller sees the session's account run
// nothing for logoutChecks checks and sends the actor a logout end.
func TestLifecycleLogout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		f.start()
		cv := f.write("cv.pdf")
		table := &fakeTable{uid: f.a.cfg.User.UID, sid: f.a.cfg.User.SID}
		ctx, stopPoll := context.WithCancel(context.Background())
		defer stopPoll()
		go f.a.watchAccounts(ctx, table)
		time.Sleep(10 * accountPoll)
		synctest.Wait()
		if st := f.status(); st.State != ipc.StateActive {
			t.Fatalf("ended while the account's programs run: %s", st.State)
		}
		table.mu.Lock()
		table.loggedOut = true
		table.mu.Unlock()
		time.Sleep(logoutChecks*accountPoll + time.Second)
		synctest.Wait()
		if st := f.status(); st.State != ipc.StateIdle || st.LastWipe == nil || st.LastWipe.Reason != ipc.ReasonLogout {
			t.Fatalf("after the logout: %+v", st)
		}
		gone(t, cv)
		stopPoll()
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
	})
}

// TestLifecycleAgentStop: a stop ends and wipes the running session when
// end_on_agent_stop says so; otherwise the next start of the agent
// finishes it (TestLifecycleRecovery).
func TestLifecycleAgentStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{endOnStop: true})
		f.start()
		cv := f.write("cv.pdf")
		f.stop()
		gone(t, cv)
		if st := f.status(); st.State != ipc.StateIdle || st.LastWipe == nil || st.LastWipe.Reason != ipc.ReasonAgentStop {
			t.Fatalf("after the stop: %+v", st)
		}
		f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
		if _, err := f.a.requestStart(context.Background(), f.a.cfg.User, f.a.cfg.Source, ipc.ModePublic); !errors.Is(err, errStopping) {
			t.Errorf("a start after the stop: %v", err)
		}
	})
}

// TestLifecycleRecovery: a session left by an agent that stopped without
// ending it is finished by the next agent before anything else: the state
// is Wiping before the actor reads a message, a start sent while the
// recovery runs waits for it (Status answers meanwhile), and the new
// session's baseline does not hold the left session's file.
func TestLifecycleRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		f.start()
		cv := f.write("cv.pdf")
		f.stop() // end_on_agent_stop false: the session stays in the journal
		if _, err := os.Stat(cv); err != nil {
			t.Fatalf("the stop erased the session: %v", err)
		}

		g := newFixture(t, fixtureOpts{state: f.state, home: f.home, holdClose: true})
		defer g.stop()
		hold := g.hold
		<-g.entered // the recovery is closing the browsers
		started := make(chan error, 1)
		go func() {
			st, err := g.a.requestStart(context.Background(), g.a.cfg.User, g.a.cfg.Source, ipc.ModePublic)
			if err == nil && st.State != ipc.StateActive {
				err = fmt.Errorf("state %s", st.State)
			}
			started <- err
		}()
		synctest.Wait()
		select {
		case err := <-started:
			t.Fatalf("a start was answered during the recovery: %v", err)
		default:
		}
		if st := g.status(); st.State != ipc.StateWiping {
			t.Errorf("state %s during the recovery, want wiping", st.State)
		}
		close(hold)
		if err := <-started; err != nil {
			t.Fatalf("start after the recovery: %v", err)
		}
		gone(t, cv)
		synctest.Wait()
		if w := g.eventsOf(ipc.EventWipeDone); len(w) != 1 || w[0].Report.Reason != ipc.ReasonRecovery || !w[0].Report.Verified {
			t.Errorf("recovery reports %+v", w)
		}
		// The new session's baseline is without the recovered file: the
		// same name written now is the new session's, and erased.
		again := g.write("cv.pdf")
		if rep, err := g.a.requestEnd(context.Background(), session.Button); err != nil || !rep.Verified {
			t.Fatalf("end: %+v, %v", rep, err)
		}
		gone(t, again)
		synctest.Wait()
		g.checkMoves(ipc.StateWiping, ipc.StateIdle, ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
		if !slices.Equal(g.steps.closeStates, []string{ipc.StateWiping, ipc.StateEnding}) {
			t.Errorf("browsers closed in %v: want wiping (the recovery), then ending", g.steps.closeStates)
		}
	})
}

// TestLifecyclePreviewChangesNothing: the preview lists what the end
// erases (the same configuration, wipeConfig), changes nothing — no file,
// no folder's owner or mode (CloseDuringWipe is the wipe's only) — and
// the end then erases exactly that.
func TestLifecyclePreviewChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		f.write("avant.pdf")
		f.start()
		var names []string
		for i := range 3 {
			names = append(names, f.write(fmt.Sprintf("cv-%d.pdf", i)))
		}
		fi, _ := os.Stat(f.dl)
		p, err := f.a.Preview(context.Background(), 10)
		if err != nil || p.Count != 3 || len(p.Items) != 3 {
			t.Fatalf("preview %+v, %v", p, err)
		}
		for _, it := range p.Items {
			if !slices.Contains(names, it.Path) || it.Folder != "Téléchargements" {
				t.Errorf("preview item %+v", it)
			}
		}
		for _, n := range names {
			if _, err := os.Stat(n); err != nil {
				t.Errorf("the preview changed %s: %v", filepath.Base(n), err)
			}
		}
		if after, _ := os.Stat(f.dl); after.Mode() != fi.Mode() {
			t.Errorf("the preview changed the folder's mode: %v → %v", fi.Mode(), after.Mode())
		}
		// The preview's configuration is the wipe's, but for what only a
		// wipe does (the name roots are opened afresh for each: the same
		// folders).
		f.a.mu.Lock()
		s := f.a.cur
		f.a.mu.Unlock()
		pc, _, _, closeP := f.a.wipeConfig(s, true)
		wc, _, _, closeW := f.a.wipeConfig(s, false)
		defer closeP()
		defer closeW()
		if len(pc.Roots) != len(wc.Roots) || pc.Baseline != wc.Baseline || !slices.Equal(pc.Never, wc.Never) || pc.Progress != nil || wc.Progress == nil {
			t.Fatalf("preview config %+v, wipe config %+v", pc, wc)
		}
		for i := range pc.Roots {
			pr, wr := pc.Roots[i], wc.Roots[i]
			if pr.CloseDuringWipe {
				t.Errorf("root %d: the preview would close it", i)
			}
			if (pr.Dir == nil) != (wr.Dir == nil) || pr.Dir != nil && pr.Dir.Info().Identity != wr.Dir.Info().Identity || pr.Scope != wr.Scope || pr.Name != wr.Name || !slices.Equal(pr.Owners, wr.Owners) || !slices.Equal(pr.OwnerSIDs, wr.OwnerSIDs) || pr.SessionKey != wr.SessionKey {
				t.Errorf("root %d: preview %+v, wipe %+v", i, pr, wr)
			}
		}
		rep, err := f.a.requestEnd(context.Background(), session.Button)
		if err != nil || rep.Removed.Files != p.Count {
			t.Fatalf("end removed %+v (%v), the preview said %d", rep.Removed, err, p.Count)
		}
		gone(t, names...)
		if _, err := f.a.Preview(context.Background(), 10); !errors.Is(err, errNoSession) {
			t.Errorf("preview with no session: %v", err)
		}
	})
}

// TestLifecycleConcurrentRequests: for many rounds, 50 goroutines ask at
// once for starts, ends, idle reports, previews and the status, on the
// real watcher and real time. No deadlock, every session is wiped once,
// every state change is one session.Move allows, and after the last end
// nothing of any session is left.
func TestLifecycleConcurrentRequests(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 10
	}
	f := newFixture(t, fixtureOpts{realWatch: true})
	ctx := context.Background()
	peer := ipcserver.Peer{Peer: peercred.Peer{UID: f.a.cfg.User.UID, GID: f.a.cfg.User.GID}}
	var created []string
	for round := range rounds {
		// Written while nothing runs: the file is the running session's,
		// which some end erases.
		if f.status().State == ipc.StateActive {
			created = append(created, f.write(fmt.Sprintf("r%d.pdf", round)))
		}
		var wg sync.WaitGroup
		for g := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch g % 5 {
				case 0:
					f.a.Start(ctx, peer, ipc.StartRequest{Mode: ipc.ModePublic})
				case 1:
					f.a.End(ctx, peer, ipc.EndRequest{Reason: ipc.ReasonButton})
				case 2:
					f.a.Idle(ctx, peer, ipc.IdleReport{IdleSeconds: g})
				case 3:
					f.a.Preview(ctx, 5)
				case 4:
					if st := f.a.Status(ctx); !slices.Contains(ipc.States(), st.State) {
						t.Errorf("state %q", st.State)
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatalf("round %d: deadlock", round)
		}
	}
	f.a.requestEnd(ctx, session.Button)
	f.stop()
	gone(t, created...)
	f.checkMoves()
	wiped := map[string]int{}
	for _, ev := range f.eventsOf(ipc.EventWipeDone) {
		wiped[ev.Report.SessionID]++
	}
	starts := 0
	for _, s := range f.states() {
		if s == ipc.StateActive {
			starts++
		}
	}
	if len(wiped) == 0 || len(wiped) != starts {
		t.Errorf("%d sessions started, %d wiped", starts, len(wiped))
	}
	for id, n := range wiped {
		if n != 1 {
			t.Errorf("session %s wiped %d times", id, n)
		}
	}
}

// TestLifecyclePending: a file that cannot be erased (immutable) leaves the
// wipe pending: Wiping → Pending. A start retries first and is refused
// while it stays (Pending → Wiping → Pending); once staff free it, their
// end retries (Pending → Wiping → Idle) and the next start runs.
func TestLifecyclePending(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for chattr +i")
	}
	f := newFixture(t, fixtureOpts{realWatch: true})
	defer f.stop()
	ctx := context.Background()
	f.start()
	locked := f.write("verrouille.pdf")
	free := f.write("libre.pdf")
	if out, err := exec.Command("chattr", "+i", locked).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v %s (needs a file system with the immutable flag)", err, out)
	}
	defer exec.Command("chattr", "-i", locked).Run()
	rep, err := f.a.requestEnd(ctx, session.Button)
	if err != nil || rep.Verified || rep.PendingCount != 1 {
		t.Fatalf("end with an immutable file: %+v, %v", rep, err)
	}
	gone(t, free)
	if st := f.status(); st.State != ipc.StatePending {
		t.Fatalf("state %s, want pending", st.State)
	}
	if p, err := f.a.Preview(ctx, 10); err != nil || p.Count != 1 {
		t.Errorf("preview of the pending wipe: %+v, %v", p, err)
	}
	_, err = f.a.requestStart(ctx, f.a.cfg.User, f.a.cfg.Source, ipc.ModePublic)
	var ie *ipcserver.Error
	if !errors.As(err, &ie) || ie.Code != ipc.CodeWipePending {
		t.Fatalf("a start while the wipe is pending: %v", err)
	}
	if out, err := exec.Command("chattr", "-i", locked).CombinedOutput(); err != nil {
		t.Fatalf("chattr -i: %v %s", err, out)
	}
	if rep, err := f.a.requestEnd(ctx, session.Command); err != nil || !rep.Verified {
		t.Fatalf("staff's end: %+v, %v", rep, err)
	}
	gone(t, locked)
	f.start()
	f.a.requestEnd(ctx, session.Button)
	f.stop() // every event reaches the recorder
	f.checkMoves(ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StatePending, ipc.StateWiping, ipc.StatePending,
		ipc.StateWiping, ipc.StateIdle, ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StateIdle)
}

// TestLifecyclePolicyReload: a changed policy reaches the actor as a
// message; it applies from the next session, the running one keeps its own.
func TestLifecyclePolicyReload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, fixtureOpts{})
		defer f.stop()
		f.start()
		running := f.a.policy()
		next, err := policies.Parse("next.yaml", fmt.Appendf(nil, lifecyclePolicy, "45m", false, ""))
		if err != nil {
			t.Fatal(err)
		}
		f.a.cfg.PolicyFile = "next.yaml"
		f.a.cfg.LoadPolicy = func() (*policies.Policy, error) { return next, nil }
		f.a.policyChanged()
		synctest.Wait()
		if f.a.policy() != next {
			t.Fatal("the changed policy is not in force")
		}
		f.a.mu.Lock()
		kept := f.a.cur.policy == running
		f.a.mu.Unlock()
		if !kept {
			t.Error("the running session changed policy")
		}
		if st := f.status(); st.Deadlines.MaxEnd != nil {
			t.Errorf("the running session got the new maximum duration: %v", st.Deadlines.MaxEnd)
		}
		f.a.requestEnd(context.Background(), session.Button)
		if st := f.start(); st.Deadlines.MaxEnd == nil || !st.Deadlines.MaxEnd.Equal(st.Started.Add(45*time.Minute)) {
			t.Errorf("the next session: deadlines %+v", st.Deadlines)
		}
	})
}
