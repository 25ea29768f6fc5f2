package browsers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// Closed says what CloseUserBrowsers did. It holds no name or address.
type Closed struct {
	// Browsers are the browsers that had processes, in the order of IDs.
	Browsers []ID
	// Graceful counts processes that ended after the polite request (the
	// browser could save its state, which the profile cleaning then
	// removes); Killed those that had to be stopped.
	Graceful, Killed int
	// Left counts processes still running after the kill (a process stuck
	// in the kernel); the profile is cleaned anyway.
	Left int
}

// DefaultGrace is how long browsers get to close by themselves.
const DefaultGrace = 5 * time.Second

type target struct {
	p       *process.Process
	created int64
	browser ID
}

// CloseUserBrowsers closes every process of bs run by the session's
// account (uid; on Windows sid, which then decides): first politely
// (SIGTERM, which browsers take as "quit"), then, after grace, by force,
// with their child processes. Processes of other users, and of root or
// SYSTEM, are never touched. Processes are recognised by their
// executable, since browsers' helper processes have other names.
//
// On Windows a polite close must come from inside the user's session
// (gopsutil's Terminate is a hard kill there); the window does it, and the
// agent's call is the forced step.
func CloseUserBrowsers(ctx context.Context, uid uint32, sid string, bs []Browser, grace time.Duration) (Closed, error) {
	var c Closed
	if (sid == "" && uid == 0) || strings.EqualFold(sid, "S-1-5-18") {
		return c, errors.New("refusing to close root's or SYSTEM's processes: browsers are closed for the session's user only")
	}
	targets, err := findTargets(ctx, account{uids: []uint32{uid}, sids: sidList(sid)}, bs)
	if err != nil {
		return c, err
	}
	if len(targets) == 0 {
		return c, nil
	}
	for _, id := range IDs {
		if slices.ContainsFunc(targets, func(t target) bool { return t.browser == id }) {
			c.Browsers = append(c.Browsers, id)
		}
	}
	for _, t := range targets {
		t.p.TerminateWithContext(ctx) // a process gone meanwhile is fine
	}
	deadline := time.Now().Add(grace)
	alive := targets
	for {
		alive = slices.DeleteFunc(alive, func(t target) bool { return !stillRunning(ctx, t) })
		if len(alive) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Graceful = len(targets) - len(alive)
	for _, t := range alive {
		t.p.KillWithContext(ctx)
	}
	killDeadline := time.Now().Add(2 * time.Second)
	for len(alive) > 0 && time.Now().Before(killDeadline) {
		n := len(alive)
		alive = slices.DeleteFunc(alive, func(t target) bool { return !stillRunning(ctx, t) })
		c.Killed += n - len(alive)
		if len(alive) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.Left = len(alive)
	if c.Left > 0 {
		return c, fmt.Errorf("%d browser processes did not stop even when killed", c.Left)
	}
	return c, nil
}

// findTargets lists the account's processes running a browser's
// executable, and their descendants run by the same account.
func findTargets(ctx context.Context, o account, bs []Browser) ([]target, error) {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	byPID := map[int32]target{}
	children := map[int32][]*process.Process{}
	for _, p := range procs {
		if !runBy(ctx, p, o) {
			continue // gone, or someone else's: never touched
		}
		if ppid, err := p.PpidWithContext(ctx); err == nil {
			children[ppid] = append(children[ppid], p)
		}
		exe, err := p.ExeWithContext(ctx)
		if err != nil {
			continue
		}
		// An upgrade replaces the file under a running browser.
		exe = strings.TrimSuffix(exe, " (deleted)")
		for _, b := range bs {
			if slices.ContainsFunc(b.Executables, func(e string) bool { return sameExe(e, exe) }) {
				if t, ok := newTarget(ctx, p, b.ID); ok {
					byPID[p.Pid] = t
				}
				break
			}
		}
	}
	// Helpers the browsers started (crash reporters…) go with them.
	queue := make([]int32, 0, len(byPID))
	for pid := range byPID {
		queue = append(queue, pid)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, ch := range children[pid] {
			if _, seen := byPID[ch.Pid]; seen {
				continue
			}
			if t, ok := newTarget(ctx, ch, byPID[pid].browser); ok {
				byPID[ch.Pid] = t
				queue = append(queue, ch.Pid)
			}
		}
	}
	out := make([]target, 0, len(byPID))
	for _, t := range byPID {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b target) int { return int(a.p.Pid - b.p.Pid) })
	return out, nil
}

func newTarget(ctx context.Context, p *process.Process, id ID) (target, bool) {
	ct, err := p.CreateTimeWithContext(ctx)
	if err != nil {
		return target{}, false
	}
	return target{p: p, created: ct, browser: id}, true
}

// stillRunning reports whether t's process exists and is the same one (a
// reused process number has another start time). A zombie has ended.
func stillRunning(ctx context.Context, t target) bool {
	p, err := process.NewProcessWithContext(ctx, t.p.Pid)
	if err != nil {
		return false
	}
	if ct, err := p.CreateTimeWithContext(ctx); err != nil || ct != t.created {
		return false
	}
	st, err := p.StatusWithContext(ctx)
	if err == nil && slices.Contains(st, process.Zombie) {
		return false
	}
	return true
}
