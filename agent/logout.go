package agent

import (
	"context"
	"errors"
	"time"

	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/session"
)

// Logout detection for the system service: the person logged out (or the
// computer's session ended some other way) when no program of the
// session's account runs any more. The window says so itself when it can
// (reason "logout"); this catches the cases where it cannot — killed, or
// the session torn down before it could ask. Several checks in a row are
// needed, so that the instant between a command-line "session start" and
// the account's next program is not taken for a logout.
const (
	logoutPoll   = 5 * time.Second
	logoutChecks = 3
)

func (a *Agent) watchLogout(ctx context.Context, table procs.Table) {
	t := time.NewTicker(logoutPoll)
	defer t.Stop()
	absent, id := 0, ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		s := a.cur
		active := s != nil && a.state == session.Active
		a.mu.Unlock()
		if !active {
			absent = 0
			continue
		}
		if s.id != id {
			absent, id = 0, s.id
		}
		list, err := table.List()
		if err != nil {
			continue
		}
		running := false
		for _, p := range list {
			if !p.Ended && p.UIDs[0] == s.user.UID {
				running = true
				break
			}
		}
		if running {
			absent = 0
			continue
		}
		if absent++; absent < logoutChecks {
			continue
		}
		absent = 0
		a.log.Info("no program of the session's account runs any more: the person logged out", "session", s.id)
		if _, err := a.end(context.WithoutCancel(ctx), session.Logout); err != nil && !errors.Is(err, errNoSession) {
			a.log.Error("ending the session at logout failed", "err", err)
		}
	}
}
