package agent

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
)

// The system service watches the kiosk accounts' programs, every
// accountPoll:
//
//   - A session runs and none of its account's programs has run for
//     logoutChecks checks in a row: the person logged out (or the
//     computer's session ended some other way). The window says so itself
//     when it can (reason "logout"); this catches the cases where it
//     cannot — killed, or the session torn down before it could ask.
//     Several checks are needed so that the instant between a
//     command-line "session start" and the account's next program is not
//     taken for a logout.
//   - No session runs and a kiosk account has programs: someone is using
//     it — the next person after a "J'ai fini" on a computer
//     that stays logged in, or a login whose window did not ask. A
//     session starts at once, so that what they create is the session's.
const (
	accountPoll  = 5 * time.Second
	logoutChecks = 3
)

func (a *Agent) watchAccounts(ctx context.Context, table procs.Table) {
	t := time.NewTicker(accountPoll)
	defer t.Stop()
	absent, id := 0, ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		list, err := table.List()
		if err != nil {
			continue
		}
		running := map[string]bool{}
		for _, p := range list {
			if !p.Ended {
				running[procAccount(p)] = true
			}
		}
		a.mu.Lock()
		s, state := a.cur, a.state
		a.mu.Unlock()
		switch {
		case s != nil && state == session.Active:
			if s.id != id {
				absent, id = 0, s.id
			}
			if running[userAccount(s.user)] {
				absent = 0
				continue
			}
			if absent++; absent < logoutChecks {
				continue
			}
			absent = 0
			a.log.Info("no program of the session's account runs any more: the person logged out", "session", s.id)
			if _, err := a.requestEnd(context.WithoutCancel(ctx), session.Logout); err != nil && !errors.Is(err, errNoSession) {
				a.log.Error("ending the session at logout failed", "err", err)
			}
		case state == session.Idle || state == session.Pending:
			a.startForKioskInUse(ctx, running)
		}
	}
}

// startConflicts are the refusals of a session start meaning the state
// allows none now (409 on the wire): someone asked at the same moment, a
// wipe is pending, a root is unsafe or the erase rule would empty the
// home (both logged where they are found). The poller retries them.
var startConflicts = []string{ipc.CodeConflict, ipc.CodeNoSession, ipc.CodeWipePending, ipc.CodeUnsafeRoot, ipc.CodeEmptiesHome}

// startForKioskInUse starts a session for the first kiosk account of the
// policy that has programs running.
func (a *Agent) startForKioskInUse(ctx context.Context, running map[string]bool) {
	for _, name := range a.policy().Accounts.Kiosk {
		u, src, err := userdirs.LookupName(name)
		if err != nil || KioskRefusal(a.policy(), u) != "" || !running[userAccount(u)] {
			continue
		}
		_, err = a.requestStart(ctx, u, src, ipc.ModePublic)
		var ie *ipcserver.Error
		switch {
		case err == nil:
			a.log.Info("a kiosk account is in use: session started", "account", u.Name, "uid", u.UID)
		case errors.As(err, &ie) && slices.Contains(startConflicts, ie.Code):
			// Someone asked at the same moment, or a wipe is pending.
		default:
			a.log.Warn("a kiosk account is in use but no session could start", "uid", u.UID, "err", err)
		}
		return
	}
}

// procAccount and userAccount name an account the same way for a process
// and for a user: the SID on Windows, where every account has uid 0 or
// Nobody, else the real uid.
func procAccount(p procs.Proc) string {
	if p.Owner != "" {
		return strings.ToUpper(p.Owner)
	}
	return strconv.FormatUint(uint64(p.UIDs[0]), 10)
}

func userAccount(u userdirs.User) string {
	if u.SID != "" {
		return strings.ToUpper(u.SID)
	}
	return strconv.FormatUint(uint64(u.UID), 10)
}

// isSystemAccount reports root, or SYSTEM on Windows: never a public
// account.
func isSystemAccount(u userdirs.User) bool {
	if u.SID != "" {
		return u.SID == "S-1-5-18"
	}
	return u.UID == 0
}
