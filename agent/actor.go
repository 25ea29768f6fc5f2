package agent

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// The session actor. One goroutine, serve, owns the session: it alone
// starts, ends, wipes and previews, and it alone changes the state, through
// session.Move. Everything else — the socket's handlers, the account
// poller, the policy watcher, the shutdown — sends it a message and waits
// for the answer, so that two of them can never interleave (an end during a
// start, two wipes of one session, a preview walking roots an end closes).
// The timers are a case of the same select: a deadline is one more message.
//
//	         start              end: button, staff, logout,        browsers and
//	  Idle ─────────► Active ───────────────────────────► Ending ──────────┐
//	  ▲  │             idle, max duration, closing time,  programs closed  │
//	  │  │             agent stop                                          ▼
//	  │  └─ recovery (a crash left a session) ──────────────────────────► Wiping
//	  └──────────────────────────── verified ◄───────────────────────────┘ │ ▲
//	                                                        entries left  ▼ │ retry (start or end)
//	                                                                    Pending
//
// The table of messages, states and moves is in docs/design.md.
//
// Status and Owner never wait for the actor: they read the state under
// a.mu, which the actor takes only to write it, never while it wipes
// (docs/design.md, "The session actor").

// message is what the actor receives: one of the types below.
type message interface{ isMessage() }

// result is a message's answer.
type result[T any] struct {
	v   T
	err error
}

// startMsg: start a session for u (the socket, the account poller, the
// foreground agent's own start).
type startMsg struct {
	ctx   context.Context
	user  userdirs.User
	src   userdirs.Source
	mode  string
	reply chan result[ipc.Status]
}

// endMsg: end the running session for reason and wipe it, or retry a
// pending wipe (the button, staff's command, logout).
type endMsg struct {
	ctx    context.Context
	reason session.Reason
	reply  chan result[ipc.WipeReport]
}

// idleMsg: the window's report of how long nobody touched the computer.
type idleMsg struct {
	idle  time.Duration
	reply chan result[struct{}]
}

// previewMsg: list what the end would erase, changing nothing.
type previewMsg struct {
	ctx   context.Context
	limit int
	reply chan result[ipc.Preview]
}

func (startMsg) isMessage()   {}
func (endMsg) isMessage()     {}
func (idleMsg) isMessage()    {}
func (previewMsg) isMessage() {}

// errStopping answers a message sent once the actor has stopped.
var errStopping = ipc.Errorf(ipc.CodeConflict, "l'agent s'arrête (the agent is stopping)")

// ask sends m and waits for its answer on reply. A message the actor has
// accepted is always answered; one it will never read (the agent stopped,
// or the caller gave up before it was read) is not sent.
func ask[T any](ctx context.Context, a *Agent, m message, reply chan result[T]) (T, error) {
	var zero T
	select {
	case a.inbox <- m:
	case <-a.stopped:
		return zero, errStopping
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	r := <-reply
	return r.v, r.err
}

// requestStart, requestEnd, requestIdle and requestPreview are the
// messages as functions, for the socket's handlers and the pollers.
func (a *Agent) requestStart(ctx context.Context, u userdirs.User, src userdirs.Source, mode string) (ipc.Status, error) {
	reply := make(chan result[ipc.Status], 1)
	return ask(ctx, a, startMsg{ctx: ctx, user: u, src: src, mode: mode, reply: reply}, reply)
}

func (a *Agent) requestEnd(ctx context.Context, reason session.Reason) (ipc.WipeReport, error) {
	reply := make(chan result[ipc.WipeReport], 1)
	return ask(ctx, a, endMsg{ctx: ctx, reason: reason, reply: reply}, reply)
}

func (a *Agent) requestIdle(ctx context.Context, idle time.Duration) error {
	// Nothing to wait for when no session is active: a report that comes
	// while a wipe runs is answered at once, not after the wipe.
	if a.snapshotState() != session.Active {
		return errNoSession
	}
	reply := make(chan result[struct{}], 1)
	_, err := ask(ctx, a, idleMsg{idle: idle, reply: reply}, reply)
	return err
}

func (a *Agent) requestPreview(ctx context.Context, limit int) (ipc.Preview, error) {
	reply := make(chan result[ipc.Preview], 1)
	return ask(ctx, a, previewMsg{ctx: ctx, limit: limit, reply: reply}, reply)
}

// policyChanged tells the actor that the policy file changed; a change
// while it wipes waits, and several changes are read once.
func (a *Agent) policyChanged() {
	select {
	case a.reload <- struct{}{}:
	default:
	}
}

// serve is the actor. It finishes first the session a crash left (rec,
// nil for none: Run has already moved to Wiping before the socket
// answered), closes recovered, then handles one message at a time until ctx
// ends; then, as the policy says, it ends the running session before
// returning.
func (a *Agent) serve(ctx context.Context, rec *journal.Recovered, recovered chan<- struct{}) {
	defer close(a.stopped)
	if rec != nil {
		safefs.Pause(safefs.RaceRecover)
		a.recoverLocked(ctx, rec)
		a.mu.Lock()
		if a.cur == nil && a.state == session.Wiping {
			// Nothing could be recovered (its record was damaged): the
			// log says why.
			a.moveLocked(session.Idle)
		}
		a.mu.Unlock()
	}
	close(recovered)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		a.armTimer(timer)
		select {
		case <-ctx.Done():
			a.stop(context.WithoutCancel(ctx))
			return
		case m := <-a.inbox:
			switch m := m.(type) {
			case startMsg:
				st, err := a.start(m.ctx, m.user, m.src, m.mode)
				m.reply <- result[ipc.Status]{st, err}
			case endMsg:
				rep, err := a.end(m.ctx, m.reason)
				m.reply <- result[ipc.WipeReport]{rep, err}
			case idleMsg:
				m.reply <- result[struct{}]{err: a.reportIdle(m.idle)}
			case previewMsg:
				p, err := a.preview(m.ctx, m.limit)
				m.reply <- result[ipc.Preview]{p, err}
			}
		case <-a.reload:
			a.reloadPolicy()
		case <-timer.C:
			a.deadline(context.WithoutCancel(ctx))
		}
	}
}

// armTimer sets timer to the running session's next warning or end; it
// stops it when no session is active. One timer, never a poll (DESIGN.md
// invariant 7).
func (a *Agent) armTimer(timer *time.Timer) {
	timer.Stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil || a.state != session.Active || a.cur.timers == nil {
		return
	}
	if next, ok := a.cur.timers.Next(time.Now()); ok {
		timer.Reset(time.Until(next.At))
	}
}

// deadline acts on what the timers say is due now: a warning is shown once,
// an end ends the session (idle, maximum duration, closing time).
func (a *Agent) deadline(ctx context.Context) {
	a.mu.Lock()
	if a.cur == nil || a.state != session.Active || a.cur.timers == nil {
		a.mu.Unlock()
		return
	}
	now := time.Now()
	next, ok := a.cur.timers.Next(now)
	if !ok || next.At.After(now) {
		a.mu.Unlock()
		return // moved by an idle report since the timer was set
	}
	if next.Warn {
		a.cur.timers.Warned(next)
	}
	a.mu.Unlock()
	if next.Warn {
		at := next.EndAt
		a.bus.publish(ipc.Event{Type: ipc.EventWarning, Reason: string(next.Reason), Deadline: &at, Message: warningMessage(next.Reason, at)})
		return
	}
	if _, err := a.end(ctx, next.Reason); err != nil && !errors.Is(err, errNoSession) {
		a.log.Error("automatic session end failed", "reason", string(next.Reason), "err", err)
	}
}

// reportIdle records the window's idle report; the loop then sets the
// timer again.
func (a *Agent) reportIdle(idle time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil || a.cur.timers == nil || a.state != session.Active {
		return errNoSession
	}
	a.cur.timers.ReportIdle(idle, time.Now())
	return nil
}

// stop is the agent's stop (ctx ended): the running session is ended and
// wiped when the policy says so (session.end_on_agent_stop).
func (a *Agent) stop(ctx context.Context) {
	if a.snapshotState() != session.Active || !*a.policy().Session.EndOnAgentStop {
		return
	}
	a.log.Info("agent stopping: ending the session first")
	if _, err := a.end(ctx, session.AgentStop); err != nil {
		a.log.Error("ending the session at stop failed; it will be finished at the next start", "err", err)
	}
}

// snapshotState is the state as Status reads it.
func (a *Agent) snapshotState() session.State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// moveLocked is the one place the state changes: session.Move decides.
// A move the lifecycle forbids is refused and logged at error level (it
// is the agent's bug), the state stays. a.mu is held.
func (a *Agent) moveLocked(to session.State) error {
	if a.state == to {
		return nil
	}
	if err := session.Move(a.state, to); err != nil {
		a.log.Error("internal error: the agent refused a session state change its lifecycle forbids; report it", "err", err)
		return err
	}
	a.state = to
	a.bus.publish(ipc.Event{Type: ipc.EventState, State: to.String()})
	return nil
}

// --- what the end of a session erases ---------------------------------------

// wipeConfig is the one description of what the end of session s erases,
// for the wipe and for the preview alike: the roots with their owners
// (uids, and SIDs on Windows), what stands at the roots' names now (RC4,
// RC8, RC10), the session's key, the agent's own folders. dryRun is the
// preview's: it changes nothing, so no folder is closed to the public
// (CloseDuringWipe; wipe.Plan never closes one either), no progress is
// published and nothing is recorded for the next session. byNameOf maps
// the name roots (after the session's) back to the root they stand for;
// closeAll closes them.
func (a *Agent) wipeConfig(s *activeSession, dryRun bool) (cfg wipe.Config, byName []wipe.Root, byNameOf []int, closeAll func()) {
	cfg = wipe.Config{Baseline: s.base, Never: a.own.ids}
	if !dryRun {
		cfg.RecordLeft = a.cleanApplies(s)
		cfg.Progress = func(n, docs int) {
			a.bus.publish(ipc.Event{Type: ipc.EventProgress, Count: n, Files: docs})
		}
	}
	for _, r := range s.roots {
		// A folder beneath the home (Téléchargements) may be closed to the
		// public while it is wiped; the home itself may not (RC2).
		cfg.Roots = append(cfg.Roots, wipe.Root{Dir: r.dir, Scope: r.policy.Scope, Keep: r.policy.Keep, Owners: r.owners, OwnerSIDs: r.ownerSIDs,
			CloseDuringWipe: r.rel != "" && !dryRun})
	}
	byName, byNameOf, closeAll = a.nameRoots(s)
	cfg.Roots = append(cfg.Roots, byName...)
	if s.key != nil {
		// A folder of this session's key, once the kernel says the key
		// is gone, is wiped by name: nobody can change its names any
		// more (safefs.FrozenWithoutKey asks the kernel, per folder).
		for i := range cfg.Roots {
			cfg.Roots[i].SessionKey = s.key.id
		}
	}
	return cfg, byName, byNameOf, closeAll
}

// preview lists what the end of the session will erase, by walking the
// roots exactly as the wipe will, without deleting. Memory stays bounded:
// the count covers everything, the items only the first limit.
func (a *Agent) preview(ctx context.Context, limit int) (ipc.Preview, error) {
	a.mu.Lock()
	s := a.cur
	a.mu.Unlock()
	if s == nil {
		return ipc.Preview{}, errNoSession
	}
	cfg, byName, byNameOf, closeByName := a.wipeConfig(s, true)
	defer closeByName()
	p := ipc.Preview{Items: []ipc.PreviewItem{}}
	err := wipe.Plan(ctx, cfg, func(e wipe.Entry) {
		if e.Kind == wipe.Dir {
			return // the person cares about documents; folders go with them
		}
		p.Count++
		p.Bytes += e.Size
		if len(p.Items) < limit {
			root, rel := e.Root, e.Rel()
			if k := root - len(s.roots); k >= 0 {
				root = byNameOf[k]
				rel = strings.TrimPrefix(rel, byName[k].Name+"/")
			}
			p.Items = append(p.Items, ipc.PreviewItem{ID: previewID(s.id, e.ID), Name: ipc.DisplayName(e.Name), Kind: kindWord(s.roots[root].policy.Kind),
				Size: e.Size, Folder: s.roots[root].policy.Label, Path: filepath.Join(s.roots[root].path, rel)})
		} else {
			p.Truncated = true
		}
	})
	if err != nil {
		a.log.Warn("preview incomplete", "err", err)
	}
	return p, nil
}

// --- the OS parts the actor calls to end a session ---------------------------

// endSteps are the two moments of a session's end steps (agent/endsteps)
// that act on what the person left running: stop, before the wipe
// (browsers, programs; the state is Ending), and finish, after it (the
// traces, the print queue; Wiping). The real one runs the session's
// steps; the lifecycle tests give a fake where the real one would stop the
// tester's own programs, or to hold the state at Ending and look.
type endSteps interface {
	stop(ctx context.Context, s *activeSession)
	finish(ctx context.Context, s *activeSession, done wipe.ExtraResult, rep *ipc.WipeReport)
}

// systemSteps is the real endSteps.
type systemSteps struct{ a *Agent }

func (o systemSteps) stop(ctx context.Context, s *activeSession) { o.a.endSteps(s).Stop(ctx) }
func (o systemSteps) finish(ctx context.Context, s *activeSession, done wipe.ExtraResult, rep *ipc.WipeReport) {
	o.a.endSteps(s).Finish(ctx, done, rep)
}
