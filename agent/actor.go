package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
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
// The table of messages, states and moves is in docs/design.md. This file
// holds the whole lifecycle, to be read top to bottom: the messages, the
// loop, then each step a session goes through (start, end, wipe,
// recovery); agent.go holds what they share (the session's types, its
// roots, the report).
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

// --- the lifecycle's steps, in the order a session goes through them ---

// --- starting a session ----------------------------------------------------

var errNoSession = ipc.Errorf(ipc.CodeNoSession, "aucune session en cours (no session)")

// start opens the roots for user, records the baseline, then the session in
// the journal, in that order: a crash between the two leaves no half-started
// session (threats.md B9). The actor's (startMsg).
func (a *Agent) start(ctx context.Context, u userdirs.User, src userdirs.Source, mode string) (ipc.Status, error) {
	a.mu.Lock()
	st, cur := a.state, a.cur
	a.mu.Unlock()
	if st == session.Pending && cur != nil {
		// Finish the previous session's wipe before anyone starts.
		a.retryLocked(ctx, cur)
		a.mu.Lock()
		st, cur = a.state, a.cur
		a.mu.Unlock()
		if st == session.Pending {
			return ipc.Status{}, ipc.Errorf(ipc.CodeWipePending,
				"l'ordinateur n'est pas encore prêt: des fichiers de la session précédente n'ont pas pu être effacés; le personnel doit vérifier (the previous session's wipe is not finished)")
		}
	}
	if cur != nil {
		if account(cur.user).Same(account(u)) && cur.mode != mode && mode == ipc.ModeAccompanied {
			// An aidant joins: the mode changes, the baseline is never
			// retaken (threats.md B6). The other way is refused: a
			// window started again at login must not turn an accompanied
			// session back into a public one and lose its checklist.
			a.mu.Lock()
			cur.mode = mode
			a.mu.Unlock()
			a.log.Info("session mode changed", "session", cur.id, "mode", mode)
			// An accompanied session may open its own browser or page
			// (session.accompanied.launch, start_page).
			if a.cfg.LaunchBrowser && mode == ipc.ModeAccompanied {
				b1, p1 := cur.policy.BrowserFor(ipc.ModePublic)
				if b2, p2 := cur.policy.BrowserFor(mode); (b2 != b1 || p2 != p1) && a.launchBrowser(u, mode) {
					a.mu.Lock()
					cur.privateOpened = true
					a.mu.Unlock()
				}
			}
			a.bus.publish(ipc.Event{Type: ipc.EventState, State: session.Active.String()})
			return a.Status(ctx), nil
		}
		return ipc.Status{}, ipc.Errorf(ipc.CodeConflict, "session déjà en cours (a session is already running)")
	}

	if err := a.journal.Err(); err != nil {
		return ipc.Status{}, a.refuseUnjournaled(err)
	}
	s := &activeSession{policy: a.policy(), id: newSessionID(), mode: mode, user: u, started: time.Now()}
	if err := a.refuseEmptyingHome(s.policy); err != nil {
		return ipc.Status{}, err
	}
	// A key an earlier session could not destroy (files busy) is tried
	// again first.
	if ks := a.journal.Keys(); len(ks) > 0 {
		a.recoverKeys(ctx, ks, nil)
	}
	a.openRoots(s, src)
	// A start refused from here on destroys the key it added.
	started := false
	defer func() {
		if !started && s.key != nil {
			a.destroyKey(ctx, s)
			s.close()
		}
	}()
	if len(s.unsafe) > 0 {
		s.close()
		return ipc.Status{}, a.refuseUnsafe(s.unsafe)
	}
	a.unsafeLogged = ""
	dirs := make([]*safefs.Dir, len(s.roots))
	for i, r := range s.roots {
		dirs[i] = r.dir
	}
	set, err := baseline.Take(ctx, dirs)
	if err != nil {
		s.close()
		return ipc.Status{}, fmt.Errorf("record what exists before the session: %w", err)
	}
	set = a.sinceClean(s, set)
	if err := set.WriteFile(a.baselinePath()); err != nil {
		s.close()
		// Without that record a crash would leave nothing to tell the
		// session's files from the ones before: no session.
		a.metrics.SessionRefused("no_journal")
		return ipc.Status{}, fmt.Errorf("save what exists before the session: %w", err)
	}
	s.base = set
	if err := a.journal.Begin(a.journalSession(s)); err != nil {
		// A crash now would leave the session's files for the next
		// person: no session (RC12).
		s.close()
		os.Remove(a.baselinePath())
		return ipc.Status{}, a.refuseUnjournaled(err)
	}
	started = true
	s.timers = session.NewTimers(s.policy.Session, s.started)
	a.startWatcher(s)
	a.watchAbsentRoots(s)
	a.mu.Lock()
	a.cur = s
	a.moveLocked(session.Active)
	a.mu.Unlock()
	watching := 0
	refused := map[string]int{}
	for _, r := range s.roots {
		if r.dir != nil {
			watching++
		} else {
			refused[r.code]++
		}
	}
	a.metrics.RootsRefused(refused)
	a.metrics.SessionStarted()
	a.log.Info("session started", "session", s.id, "mode", mode, "uid", u.UID, "roots", watching, "refused_roots", len(s.roots)-watching, "preexisting_entries", set.Len())
	if a.cfg.LaunchBrowser && a.launchBrowser(u, mode) {
		a.mu.Lock()
		s.privateOpened = true
		a.mu.Unlock()
	}
	return a.Status(ctx), nil
}

// --- ending a session ------------------------------------------------------

// end ends the running session for reason and wipes it; it retries a
// pending wipe. The actor's (endMsg, a deadline, the stop).
func (a *Agent) end(ctx context.Context, reason session.Reason) (ipc.WipeReport, error) {
	a.mu.Lock()
	s, st := a.cur, a.state
	a.mu.Unlock()
	if s != nil && st == session.Pending {
		// Staff's one command for a wipe left pending: try again now,
		// rather than wait for the next person to start a session.
		return a.retryLocked(ctx, s), nil
	}
	if s == nil || st != session.Active {
		return ipc.WipeReport{}, errNoSession
	}
	a.mu.Lock()
	a.moveLocked(session.Ending)
	s.reason = string(reason)
	a.mu.Unlock()
	a.log.Info("session ending", "session", s.id, "reason", string(reason), "why", reason.Label())
	if err := a.journal.SetPhase(journal.Ending, string(reason)); err != nil {
		a.log.Warn("crash journal degraded", "err", err)
	}
	a.mu.Lock()
	w, absent := s.watcher, s.absent
	s.watcher, s.absent = nil, nil
	a.mu.Unlock()
	if w != nil {
		w.Close()
	}
	absent.close()
	// The state stays Ending while the browsers and programs close
	// (wipeLocked), then moves to Wiping.
	return a.wipeLocked(ctx, s, reason, false), nil
}

// retryLocked wipes again a session whose wipe left entries; the actor's.
// The session keeps the reason it ended with: it ended once.
func (a *Agent) retryLocked(ctx context.Context, s *activeSession) ipc.WipeReport {
	reason := session.Reason(s.reason)
	if reason == "" {
		reason = session.Recovery
	}
	a.log.Info("retrying the wipe of a session left pending", "session", s.id, "reason", string(reason))
	return a.wipeLocked(ctx, s, reason, true)
}

// wipeLocked wipes session s; the actor's. retry says that an earlier
// attempt already ended the session (for the metrics: a session is counted
// once).
func (a *Agent) wipeLocked(ctx context.Context, s *activeSession, reason session.Reason, retry bool) ipc.WipeReport {
	a.mu.Lock()
	if !retry {
		s.reason = string(reason)
	}
	if a.state != session.Ending {
		// A retry or a recovery: wiping from the start. An end is
		// Ending until the browsers and programs are closed, below.
		a.moveLocked(session.Wiping)
	}
	a.mu.Unlock()
	if err := a.journal.SetPhase(journal.Wiping, string(reason)); err != nil {
		a.log.Warn("crash journal degraded", "err", err)
	}
	started := time.Now()
	// Browsers first: they may still be writing a download, and a
	// profile is only cleared once nothing holds it open.
	a.steps.stop(ctx, s)
	a.mu.Lock()
	a.moveLocked(session.Wiping)
	a.mu.Unlock()
	// Then the key, before anything of the roots is opened again: an open
	// handle inside an encrypted folder would keep it (encrypt.go).
	keyRep := a.destroyKey(ctx, s)
	// What the end erases, as the preview showed it (actor.go), and what
	// the steps found outside the roots (browsers' profiles, the recent
	// files list): the wipe erases it, after the roots.
	cfg, byName, byNameOf, closeByName := a.wipeConfig(s, false)
	cfg.Extra = a.endSteps(s).Clean(ctx)
	defer closeByName()
	linked := a.linkedRoots(s)
	res := wipe.Run(ctx, cfg)
	foldNameRoots(&res, len(s.roots), byName, byNameOf)
	for _, i := range linked {
		// What went through the link is out of reach: the receipt says
		// so, and the staff should look where it pointed (RC10).
		res.RootErrors = append(res.RootErrors, wipe.Item{Root: i, Reason: "un lien a remplacé ce dossier pendant la session : ce qui a été enregistré à travers lui, ailleurs, n'est pas effacé ; le personnel doit vérifier"})
		res.Verified = false
		a.log.Error("security: a link replaced a watched folder during the session; what was saved through it is out of Ardoise's reach and not erased (the link itself is removed); check where it pointed", "event", "security", "root", s.roots[i].policy.Label)
	}
	rep := a.report(s, reason, started, res)
	rep.Key = keyRep
	a.steps.finish(ctx, s, res.Extra, &rep)
	if s.mode == ipc.ModeAccompanied {
		rep.Checklist = a.checklist(s, rep)
		a.recordActivity(s, rep)
	}

	if rep.Verified && len(res.RootErrors) == 0 {
		a.recordClean(s, res)
		if err := a.journal.Finish(journal.Counts{SessionID: s.id, Mode: s.mode, Reason: string(reason), Started: s.started,
			Finished: rep.Finished, Removed: res.Removed.Total(), Kept: keptTotal(res.Kept), Verified: true}); err != nil {
			a.log.Warn("could not clear the crash journal", "err", err)
		}
		os.Remove(a.baselinePath())
		s.close()
		a.mu.Lock()
		a.cur = nil
		a.lastWipe = &rep
		a.moveLocked(session.Idle)
		a.mu.Unlock()
	} else {
		a.forgetClean(s)
		var ps []journal.Pending
		for _, p := range res.Pending {
			rel := []byte(p.Rel)
			if s.roots[p.Root].encID != nil {
				rel = nil // never a name of an encrypted folder
			}
			ps = append(ps, journal.Pending{Root: p.Root, Rel: rel, Reason: p.Reason})
		}
		if err := a.journal.SetPending(ps); err == nil {
			err = a.journal.SetPhase(journal.Waiting, string(reason))
		}
		a.mu.Lock()
		a.lastWipe = &rep
		a.moveLocked(session.Pending)
		a.mu.Unlock()
	}
	level := slog.LevelInfo
	if !rep.Verified {
		level = slog.LevelWarn
	}
	a.log.Log(ctx, level, "session ended", "session", s.id, "reason", string(reason), "mode", s.mode,
		"removed", res.Removed.Total(), "bytes", res.Removed.Bytes, "kept_preexisting", res.Kept.Preexisting+res.Kept.Modified,
		"kept_other", res.Kept.Replaced+res.Kept.Doubt+res.Kept.Foreign+res.Kept.OtherMedium+res.Kept.Matched,
		"pending", res.Leftover, "verified", rep.Verified, "passes", res.Passes, "duration", res.Duration.Round(time.Millisecond))
	for _, e := range res.RootErrors {
		a.log.Error("a folder could not be wiped completely; it is retried at the next session start, or now by 'ardoise session end'", "root", s.roots[e.Root].policy.Label, "err", e.Reason)
	}
	if err := a.journal.Err(); err != nil {
		a.log.Error("the crash journal could not be written during the session; no new session starts until an administrator frees room in the state folder and restarts the agent", "session", s.id, "state_dir", a.cfg.StateDir, "err", err)
	}
	for _, i := range res.Gone {
		a.log.Warn("a watched folder was deleted during the session; nothing was left in it to erase", "session", s.id, "root", s.roots[i].policy.Label)
	}
	if retry {
		a.metrics.WipeRetried(res.Removed.Total(), rep.Verified, rep.PendingCount, rep.Finished)
	} else {
		a.metrics.SessionEnded(string(reason), res.Removed.Total(), rep.Verified, rep.PendingCount, rep.Finished.Sub(started), rep.Finished)
	}
	if rep.Verified {
		a.metrics.RootsRefused(nil)
	}
	logSecurity(a.log, res, func(i int) string { return s.roots[i].policy.Label })
	a.bus.publish(ipc.Event{Type: ipc.EventWipeDone, Report: &rep})
	return rep
}

// recoverLocked finishes a session a crash left in the journal (the
// actor's first work, before it reads any message): it reopens the
// roots recorded, checks they are the same folders, reloads the baseline and
// wipes (threats.md C4, S4).
func (a *Agent) recoverLocked(ctx context.Context, rec *journal.Recovered) {
	if rec.Invalid > 0 {
		a.log.Warn("invalid journal entries ignored", "count", rec.Invalid)
	}
	a.log.Info("finishing a session left unfinished", "session", rec.Session.ID, "phase", string(rec.Phase), "recorded_entries", len(rec.Entries))
	var u userdirs.User
	var err error
	if rec.Session.SID != "" {
		// Windows accounts are known by SID; their uid means nothing.
		u, _, err = userdirs.LookupSID(rec.Session.SID)
	} else {
		u, _, err = userdirs.Lookup(rec.Session.UID)
	}
	if err != nil {
		u = userdirs.User{UID: rec.Session.UID, SID: rec.Session.SID}
	}
	if a.cfg.Mode == Foreground && account(u).Same(account(a.cfg.User)) {
		// The foreground agent's user is who started it, with the home
		// it was given ($HOME), not the password database's.
		u = a.cfg.User
	}
	// Keys first: removed by their journaled identifiers, and the folders
	// made for them that are no root of the session emptied (encrypt.go).
	sessionRoots := map[string]bool{}
	for _, jr := range rec.Session.Roots {
		sessionRoots[string(jr.Path)] = true
	}
	a.recoverKeys(ctx, rec.Keys, sessionRoots)
	if rec.Session.ID == "" {
		return // only keys: no session was recorded
	}
	live := a.journal.Keys()
	s := &activeSession{policy: a.policy(), id: rec.Session.ID, mode: rec.Session.Mode, user: u, started: rec.Session.Started, reason: rec.Reason}
	trust := trustFor(u)
	for _, jr := range rec.Session.Roots {
		owners, ownerSIDs := jr.Owners, jr.OwnerSIDs
		if len(owners) == 0 {
			owners = []uint32{rec.Session.UID}
		}
		if len(ownerSIDs) == 0 {
			ownerSIDs = sidsOf(u)
		}
		r := &sessionRoot{policy: policies.Root{Label: jr.Label, Scope: jr.Scope, Keep: jr.Keep}, owners: owners, ownerSIDs: ownerSIDs, path: string(jr.Path), state: jr.State,
			protection: jr.Protection, protectionCode: jr.ProtectionCode}
		r.rel = homeRel(u.Home, r.path)
		if jr.Protection == ipc.ProtectionEncrypted && r.rel != "" {
			r.encID = &safefs.Identity{Dev: jr.Dev, Ino: jr.Ino}
			if s.key == nil {
				s.key = recoveredKey(rec.Keys, live, jr, u.Home)
			}
		}
		s.roots = append(s.roots, r)
		if len(jr.Path) == 0 || (jr.Dev == 0 && jr.Ino == 0) {
			continue // not open at the start; its name is wiped below
		}
		d, err := safefs.OpenRoot(string(jr.Path), trust)
		replaced := err == nil && (d.Info().Dev != jr.Dev || d.Info().Ino != jr.Ino)
		if replaced {
			// The name now leads to another folder: never follow it
			// (what stands there is wiped by the rules of the name).
			d.Close()
		}
		switch {
		case err == nil && !replaced:
		case r.encID != nil:
			// Its key's record found it by its handle, wherever it went,
			// and emptied it (recoverKeys, above).
			a.log.Warn("an encrypted folder of the unfinished session is no longer at its name; what stands there is wiped by the rules", "root", jr.Label)
			continue
		default:
			// Moved away during the session (mv ~/Téléchargements ~/x):
			// the live session followed it through its open descriptor;
			// its kernel handle finds it again here, on the same file
			// system, checked to be the same folder.
			if md, herr := openMoved(string(jr.Path), safefs.Identity{Dev: jr.Dev, Ino: jr.Ino, Btime: jr.Btime}, jr.FolderHandle, trust); herr == nil {
				a.log.Warn("a folder of the unfinished session was moved away before the crash; it is wiped where it is now, by its record of what was there before", "root", jr.Label)
				r.dir = md
				continue
			} else if replaced {
				a.log.Error("a folder of the unfinished session was replaced and cannot be found where it went; what stands at its name is wiped by the rules, the folder moved away is not: check the home by hand", "root", jr.Label, "err", herr)
			} else {
				a.log.Error("a folder of the unfinished session cannot be opened; it is not wiped", "root", jr.Label, "err", err)
			}
			continue
		}
		r.dir = d
	}
	set, err := baseline.ReadFile(a.baselinePath())
	if err != nil {
		// Without the baseline nothing can tell the session's files from
		// the ones that were there before: delete nothing, say so loudly.
		s.close()
		a.log.Error("the record of what existed before the unfinished session is missing or damaged; nothing is erased, check the folders by hand", "err", err)
		return
	}
	s.base = set
	a.mu.Lock()
	a.cur = s
	a.mu.Unlock()
	if rec.Phase == journal.Waiting {
		// Its end was counted by the agent that wiped it first.
		a.retryLocked(ctx, s)
		return
	}
	a.wipeLocked(ctx, s, session.Recovery, false)
}

// openMoved opens, by its journaled kernel handle h, the folder that
// stood at path (a root, or an encrypted folder) wherever the person moved
// it on the same file system, and checks it is that folder (device,
// inode, birth time): a folder deleted since is not found, even if a new
// one took its inode number. The handle is opened relative to the folder
// that held it, or the first of its parents that can still be opened
// safely.
func openMoved(path string, want safefs.Identity, h journal.FolderHandle, trust safefs.RootOptions) (*safefs.Dir, error) {
	if len(h.Handle) == 0 {
		return nil, errors.New("no handle was journaled for it")
	}
	var err error
	for p := filepath.Dir(path); ; p = filepath.Dir(p) {
		var on *safefs.Dir
		if on, err = safefs.OpenRoot(p, trust); err == nil {
			defer on.Close()
			if on.Info().Dev != want.Dev {
				return nil, errors.New("its former place is now on another file system")
			}
			return on.OpenFolderHandle(safefs.FolderHandleOf(h.HandleType, h.Handle), want)
		}
		if p == filepath.Dir(p) {
			return nil, err
		}
	}
}

// journalHandle is h as the journal keeps it.
func journalHandle(h safefs.FolderHandle) journal.FolderHandle {
	typ, b := h.Bytes()
	return journal.FolderHandle{HandleType: typ, Handle: b}
}
