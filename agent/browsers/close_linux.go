package browsers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/procs"
)

// closeAccount closes o's processes of bs (CloseUserBrowsers) through
// agent/procs.
func closeAccount(ctx context.Context, o account, bs []Browser, grace time.Duration) (Closed, error) {
	var c Closed
	list, err := procs.System{}.List()
	if err != nil {
		return c, fmt.Errorf("list processes: %w", err)
	}
	targets, ids := selectTargets(list, o, bs)
	if len(targets) == 0 {
		return c, nil
	}
	c.Browsers = browsersOf(ids)
	e, err := procs.EndProcs(ctx, procs.System{}, o.uids[0], targets, grace)
	c.Graceful, c.Killed, c.Left = e.Graceful, e.Killed, e.Left
	if err != nil {
		return c, fmt.Errorf("browser processes: %w", err)
	}
	return c, nil
}

// selectTargets picks, of the processes listed, the account's running a
// browser's executable, and their descendants run by the same account,
// with each one's browser. A process belongs to the account by its real
// user id, as the browser's sandbox helpers, set-user-id, run.
func selectTargets(list []procs.Proc, o account, bs []Browser) ([]procs.Proc, []ID) {
	byPID := map[int]ID{}
	children := map[int][]procs.Proc{}
	mine := func(p procs.Proc) bool { return slices.Contains(o.uids, p.UIDs[0]) && !p.Ended }
	for _, p := range list {
		if !mine(p) {
			continue // someone else's: never touched
		}
		children[p.PPID] = append(children[p.PPID], p)
		// An upgrade replaces the file under a running browser.
		exe := strings.TrimSuffix(p.Exe, " (deleted)")
		if exe == "" {
			continue
		}
		for _, b := range bs {
			if slices.Contains(b.Executables, exe) {
				byPID[p.PID] = b.ID
				break
			}
		}
	}
	// Helpers the browsers started (crash reporters…) go with them.
	var out []procs.Proc
	var ids []ID
	queue := make([]int, 0, len(byPID))
	for pid := range byPID {
		queue = append(queue, pid)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, ch := range children[pid] {
			if _, seen := byPID[ch.PID]; !seen {
				byPID[ch.PID] = byPID[pid]
				queue = append(queue, ch.PID)
			}
		}
	}
	for _, p := range list {
		if id, ok := byPID[p.PID]; ok && mine(p) {
			out = append(out, p)
			ids = append(ids, id)
		}
	}
	return out, ids
}
