package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
)

// endPrograms ends every program the kiosk account still runs when the
// policy asks for it (a dedicated account, system service): nothing the
// person started may go on writing into the next session (threats.md
// P-1, P-2). Ardoise's own window is kept.
func (a *Agent) endPrograms(ctx context.Context, s *activeSession) int {
	if a.cfg.Mode != System || !s.policy.Accounts.EndPrograms || s.user.UID == 0 {
		return 0
	}
	a.endLinger(ctx, s)
	r, err := procs.EndUser(ctx, procs.System{}, s.user.UID, procs.Options{Keep: isArdoise})
	if err != nil {
		a.log.Error("some programs of the kiosk account could not be ended; the wipe goes on", "err", err, "ended", r.Killed)
	} else {
		a.log.Info("programs of the kiosk account ended", "ended", r.Killed, "kept", r.Kept, "rounds", r.Rounds, "duration", r.Duration.Round(time.Millisecond))
	}
	return r.Killed
}

// endLinger undoes "loginctl enable-linger" and stops the account's
// service manager, so that no user unit keeps running (or starts again at
// boot) for the next person (threats.md P-4). Only where systemd runs.
func (a *Agent) endLinger(ctx context.Context, s *activeSession) {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"loginctl", "disable-linger", "--", s.user.Name},
		{"systemctl", "stop", "--no-block", fmt.Sprintf("user@%d.service", s.user.UID)},
	} {
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			a.log.Warn("could not undo the kiosk account's background services", "command", strings.Join(args, " "), "err", err, "output", strings.TrimSpace(string(out)))
		}
	}
}

// isArdoise reports an installed Ardoise program (the window): a file
// named so, owned by root and writable by root alone, so that the person
// cannot make a program of theirs pass for it.
func isArdoise(p procs.Proc) bool {
	switch filepath.Base(p.Exe) {
	case "ardoise", "ardoise-gui":
	default:
		return false
	}
	fi, err := os.Stat(p.Exe)
	if err != nil || fi.Mode().Perm()&0o022 != 0 {
		return false
	}
	return fileOwnedByRoot(fi)
}

// launchBrowser opens the policy's browser in a private window for u, and
// reports whether it did. The agent runs as u here (foreground mode), so
// the browser does too.
func (a *Agent) launchBrowser(u userdirs.User, mode string) bool {
	id, page := a.policy().BrowserFor(mode)
	if id == "" || id == "none" {
		return false
	}
	if !mayLaunchAs(runtime.GOOS, os.Geteuid(), u.UID) {
		a.log.Info("browser not opened: Ardoise opens browsers only as the session's user, never as root or SYSTEM (the window opens it in the person's session)")
		return false
	}
	b, err := browsers.Lookup(browsers.ID(id))
	if err == nil {
		var cmd *exec.Cmd
		if cmd, err = browsers.PrivateCommand(context.Background(), b, page); err == nil {
			if err = cmd.Start(); err == nil {
				go cmd.Wait()
				a.log.Info("browser opened in a private window", "browser", id)
				return true
			}
		}
	}
	a.log.Warn("the browser could not be opened; the session goes on", "browser", id, "err", err)
	return false
}

// closeBrowsers closes the session user's browsers the policy names. Root
// is never such a user: a foreground agent started by root (tests,
// trials) leaves root's browsers alone and says so.
func (a *Agent) closeBrowsers(ctx context.Context, s *activeSession) (browsers.Closed, error) {
	bs := browsers.Select(s.policy.Browsers.Close)
	if len(bs) == 0 {
		return browsers.Closed{}, nil
	}
	if s.user.SID == "" && s.user.UID == 0 {
		a.log.Info("browsers not closed: the session belongs to root, whose programs Ardoise never stops")
		return browsers.Closed{}, nil
	}
	c, err := browsers.CloseUserBrowsers(ctx, s.user.UID, s.user.SID, bs, browsers.DefaultGrace)
	if err != nil {
		a.log.Warn("browsers could not all be closed; their profiles are cleared anyway", "err", err)
	}
	if len(c.Browsers) > 0 {
		a.log.Info("browsers closed", "browsers", c.Browsers, "asked", c.Graceful, "forced", c.Killed)
	}
	return c, err
}

// clearBrowsers clears the profiles of the browsers the policy names, in
// the session user's home, and builds the report's part on browsers.
func (a *Agent) clearBrowsers(ctx context.Context, s *activeSession, c browsers.Closed, closeErr error) ipc.BrowserReport {
	rep := ipc.BrowserReport{Closed: []string{}, Processes: c.Graceful + c.Killed, Forced: c.Killed}
	for _, id := range c.Browsers {
		rep.Closed = append(rep.Closed, string(id))
	}
	var errs []error
	if closeErr != nil {
		errs = append(errs, closeErr)
	}
	bs := browsers.Select(s.policy.Browsers.Close)
	if len(bs) > 0 {
		home, err := safefs.OpenRoot(s.user.Home, trustFor(s.user))
		if err != nil {
			errs = append(errs, err)
		} else {
			cl := browsers.ClearProfiles(ctx, home, s.user.UID, s.user.SID, bs)
			home.Close()
			rep.Profiles, rep.Erased, rep.Pending, rep.Refused = cl.Profiles, cl.Removed, cl.Pending, len(cl.Refused)
			for _, r := range cl.Refused {
				a.log.Warn("a browser profile was not cleared", "browser", string(r.Browser), "code", r.Code, "why", r.Reason)
			}
			if cl.Pending > 0 {
				a.log.Warn("some browser data could not be erased; it is tried again at the next session end", "pending", cl.Pending)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		rep.Error = err.Error()
	}
	return rep
}

// mayLaunchAs says whether an agent running with effective uid euid may
// start a program for the session user uid itself: only as that very
// user, never as root. On Windows never: the service is SYSTEM in session
// 0, where a browser would run with the service's rights and no desktop;
// the window, which runs in the person's session, opens it (threats.md
// W14). os.Geteuid is -1 there, which must not match a uid either.
func mayLaunchAs(goos string, euid int, uid uint32) bool {
	return goos != "windows" && euid > 0 && uid != 0 && uint32(euid) == uid
}
