//go:build !linux

package browsers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// Outside Linux the processes are listed and signalled through gopsutil:
// agent/procs opens no process handle there yet (on Windows a session end
// is to log the kiosk account off, the installer's issue).

type target struct {
	p       *process.Process
	created int64
	browser ID
}

// closeAccount closes o's processes of bs (CloseUserBrowsers).
func closeAccount(ctx context.Context, o account, bs []Browser, grace time.Duration) (Closed, error) {
	var c Closed
	targets, err := findTargets(ctx, o, bs)
	if err != nil {
		return c, err
	}
	if len(targets) == 0 {
		return c, nil
	}
	ids := make([]ID, len(targets))
	for i, t := range targets {
		ids[i] = t.browser
	}
	c.Browsers = browsersOf(ids)
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
