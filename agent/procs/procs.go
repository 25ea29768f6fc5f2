// Package procs ends every program a kiosk account still runs when its
// session ends, so that nothing the person started can go on writing files
// into the next person's session (threats.md §4.5, P-1 and P-2). It is for
// accounts the policy says are dedicated to the public: ending all of an
// account's programs also ends its desktop session.
//
// A process is signalled only through a handle on that very process (a
// pidfd on Linux), after checking through the handle's process that it is
// still the one listed: same user, same start time. A process number the
// kernel gave again to another program, root's say, is never signalled
// (P-3).
//
// Holders lists the processes that hold a folder (an open file, their
// current folder, a mapping…): what keeps a session's encryption key in
// use at the end, for the report and for choosing what to end.
package procs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Proc is one process as listed.
type Proc struct {
	PID int
	// UIDs are the real, effective, saved and file-system user ids: a
	// process belongs to the account if any of them is the account's.
	UIDs [4]uint32
	// Start is the process's start time, in clock ticks since boot: with
	// the PID it names one process for the life of the system.
	Start uint64
	// Exe is the program file, "" when unreadable (a kernel thread).
	Exe string
	// Ended reports a process that has exited and waits for its parent
	// to collect it (a zombie): it runs nothing any more.
	Ended bool
	// Stopped reports a process stopped by a signal: it cannot start
	// another one until it is continued.
	Stopped bool
	// Owner is the SID of the process's user on Windows, where UIDs
	// mean nothing; "" elsewhere.
	Owner string
	// PPID is the parent's process number (0 when unknown).
	PPID int
}

func (p Proc) ownedBy(uid uint32) bool {
	for _, u := range p.UIDs {
		if u == uid {
			return true
		}
	}
	return false
}

// Handle is an open reference to one process.
type Handle interface {
	// Proc describes the process the handle refers to, read now.
	Proc() (Proc, error)
	// Stop sends SIGSTOP, Continue SIGCONT, Kill SIGKILL, Terminate
	// SIGTERM (the polite request to quit), to that process only.
	Stop() error
	Continue() error
	Kill() error
	Terminate() error
	Close() error
}

// Table is where processes come from: the kernel's, or a test's.
type Table interface {
	List() ([]Proc, error)
	Open(pid int) (Handle, error)
}

// Freezer is a Table that can stop every process of an account at once,
// atomically with respect to fork: no process of the account can start
// another while it runs, which a listing followed by signals cannot
// promise (a listing takes time; a program that forks as it dies is never
// where the listing saw it).
type Freezer interface {
	StopAll(uid uint32) error
}

// Options tune EndUser.
type Options struct {
	// Keep says whether a process of the account is left running: the
	// agent keeps its own window. Optional.
	Keep func(Proc) bool
	// Timeout bounds the whole operation. Default 10 s.
	Timeout time.Duration
}

// Report says what EndUser did.
type Report struct {
	// Killed counts the processes ended; Rounds the passes it took (a
	// program that starts others as it dies takes several).
	Killed, Rounds int
	// Kept counts processes left on purpose (Options.Keep).
	Kept int
	// Skipped counts listed processes that had become another process
	// (a reused number) by the time they were opened: not signalled.
	Skipped int
	// Duration is how long it took until no process of the account
	// remained.
	Duration time.Duration
}

// ErrRefused means EndUser was asked to end root's processes.
var ErrRefused = errors.New("refusing to end the processes of root")

// EndUser ends every process of uid. A program that starts others as it
// dies (P-2) would outrun a plain "list, then kill" loop, so the account
// is frozen first: every process is stopped at once (Freezer), or else,
// one by one, again and again until two listings in a row find none
// running. Kept processes are continued; the others, which cannot start
// anything while stopped, are killed, and the whole is repeated until a
// listing finds none. Root (uid 0) is refused.
func EndUser(ctx context.Context, t Table, uid uint32, opt Options) (Report, error) {
	var r Report
	if uid == 0 {
		return r, ErrRefused
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	start := time.Now()
	deadline := start.Add(opt.Timeout)
	fz, atomic := t.(Freezer)
	fail := func(err error) (Report, error) {
		r.Duration = time.Since(start)
		return r, err
	}
	for calm := 0; ; {
		r.Rounds++
		if atomic {
			if err := fz.StopAll(uid); err != nil {
				return fail(fmt.Errorf("stop the processes of uid %d: %w", uid, err))
			}
		}
		list, err := t.List()
		if err != nil {
			return fail(fmt.Errorf("list processes: %w", err))
		}
		left, running := 0, 0
		r.Kept = 0
		for _, p := range list {
			switch {
			case !p.ownedBy(uid) || p.Ended:
			case opt.Keep != nil && opt.Keep(p):
				r.Kept++
				// Continued even when listed as running: the freezer's
				// SIGSTOP may be delivered after the listing, and a
				// SIGCONT sent now discards a stop still pending. A
				// kept program left stopped is a frozen window, or an
				// "ardoise session end" that never gets its answer.
				if atomic || p.Stopped {
					act(t, p, Handle.Continue)
				}
			case !p.Stopped:
				// Not frozen yet (no Freezer, or it started after the
				// sweep): stop it, and look again before killing.
				running++
				left++
				if act(t, p, Handle.Stop) == changed {
					r.Skipped++
				}
			default:
				left++
				switch act(t, p, Handle.Kill) {
				case done:
					r.Killed++
				case changed:
					r.Skipped++
				}
			}
		}
		if left == 0 {
			// Without a freezer a listing can miss a process forked
			// while it ran: only two empty listings in a row count.
			if calm++; atomic || calm >= 2 {
				r.Duration = time.Since(start)
				return r, nil
			}
		} else {
			calm = 0
		}
		if err := wait(ctx, deadline); err != nil {
			return fail(fmt.Errorf("%d processes of uid %d still there (%d running): %w", left, uid, running, err))
		}
	}
}

var errTimeout = errors.New("timed out")

// wait pauses between listings: a killed process stays listed until its
// parent collects it, and spinning would only slow it down.
func wait(ctx context.Context, deadline time.Time) error {
	if time.Now().After(deadline) {
		return errTimeout
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Millisecond):
		return nil
	}
}

type outcome int

const (
	gone outcome = iota
	changed
	done
)

// act opens p and applies do to it if the handle's process is still the
// one listed: same start time, same users.
func act(t Table, p Proc, do func(Handle) error) outcome {
	h, err := t.Open(p.PID)
	if err != nil {
		return gone
	}
	defer h.Close()
	now, err := h.Proc()
	if err != nil {
		return gone
	}
	if now.Start != p.Start || now.UIDs != p.UIDs {
		return changed
	}
	if err := do(h); err != nil {
		return gone
	}
	return done
}

// Ended says what EndProcs did.
type Ended struct {
	// Graceful counts the processes that ended after the polite request;
	// Killed those that had to be killed; Left those still there after
	// the kill (stuck in the kernel); Skipped those that had become
	// another process (a reused number) before they were signalled.
	Graceful, Killed, Left, Skipped int
}

// EndProcs ends the processes of list, which belong to uid: first
// politely (SIGTERM, which a browser takes as "quit" and uses to save its
// state), then, after grace, by force. Unlike EndUser it leaves the
// account's other programs running: it is for some programs of a session
// still in use (the browsers, before their profiles are cleared). Each
// signal goes through a handle on the process listed, checked to be it
// still (same start time, same users), so that a number the kernel gave
// again to another program is never signalled (P-3). Root is refused.
func EndProcs(ctx context.Context, t Table, uid uint32, list []Proc, grace time.Duration) (Ended, error) {
	var e Ended
	if uid == 0 {
		return e, ErrRefused
	}
	alive := make([]Proc, 0, len(list))
	for _, p := range list {
		if !p.ownedBy(uid) || p.Ended {
			continue
		}
		switch act(t, p, Handle.Terminate) {
		case done:
			alive = append(alive, p)
		case changed:
			e.Skipped++
		}
	}
	n := len(alive)
	alive = waitGone(ctx, t, alive, time.Now().Add(grace), 50*time.Millisecond)
	e.Graceful = n - len(alive)
	for _, p := range alive {
		act(t, p, Handle.Kill)
	}
	n = len(alive)
	alive = waitGone(ctx, t, alive, time.Now().Add(2*time.Second), 20*time.Millisecond)
	e.Killed, e.Left = n-len(alive), len(alive)
	if e.Left > 0 {
		return e, fmt.Errorf("%d processes did not stop even when killed", e.Left)
	}
	return e, nil
}

// waitGone returns the processes of ps still running at deadline (or as
// soon as none is, or ctx ends), looking every step.
func waitGone(ctx context.Context, t Table, ps []Proc, deadline time.Time, step time.Duration) []Proc {
	for {
		ps = slices.DeleteFunc(ps, func(p Proc) bool { return !running(t, p) })
		if len(ps) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return ps
		}
		time.Sleep(step)
	}
}

// running reports whether p is still the process listed and has not
// ended (a zombie has).
func running(t Table, p Proc) bool {
	h, err := t.Open(p.PID)
	if err != nil {
		return false
	}
	defer h.Close()
	now, err := h.Proc()
	return err == nil && now.Start == p.Start && now.UIDs == p.UIDs && !now.Ended
}
