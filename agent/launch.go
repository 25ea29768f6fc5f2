package agent

import (
	"os"
	"runtime"

	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
)

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
		if err = browsers.StartPrivate(b, page); err == nil {
			a.log.Info("browser opened in a private window", "browser", id)
			return true
		}
	}
	a.log.Warn("the browser could not be opened; the session goes on", "browser", id, "err", err)
	return false
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
