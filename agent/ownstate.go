package agent

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

// The agent's own state is never in scope, whatever the policy (issue 13
// R9): its state folder (journal, baseline, last good policy), its socket
// and the socket's folder. They are told apart by identity, from handles
// the agent holds open for as long as it runs, so that a root above them
// cannot reach them under another name, and their inode numbers cannot be
// given to a session's folder meanwhile.

// ownState is what identifies the agent's own entries.
type ownState struct {
	dirs []*safefs.Dir
	ids  []safefs.Identity
}

func (o *ownState) close() {
	for _, d := range o.dirs {
		d.Close()
	}
	o.dirs, o.ids = nil, nil
}

// openOwnDir opens one of the agent's folders. The agent reaches them by
// the path it was given, links included (a home under /home → /data/home),
// so the path is resolved first; the handle is then opened without
// following anything, as the roots are.
func (a *Agent) openOwnDir(p string) (*safefs.Dir, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, err
	}
	trust := trustFor(a.cfg.User)
	if euid := os.Geteuid(); euid > 0 {
		trust.TrustedUIDs = append(trust.TrustedUIDs, uint32(euid))
	}
	return safefs.OpenRoot(real, trust)
}

// holdStateDir records the state folder as the agent's own.
func (a *Agent) holdStateDir() error {
	d, err := a.openOwnDir(a.cfg.StateDir)
	if err != nil {
		return a.ownStateError(fmt.Errorf("open the state folder %s to keep it out of every wipe: %w", a.cfg.StateDir, err))
	}
	a.own.dirs = append(a.own.dirs, d)
	a.own.ids = append(a.own.ids, d.Info().Identity)
	return nil
}

// holdSocket records the socket and its folder as the agent's own, once
// it listens. A named pipe (Windows) is not a file: there is nothing to
// keep out.
func (a *Agent) holdSocket() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	dir, name := filepath.Split(a.cfg.Socket)
	d, err := a.openOwnDir(filepath.Clean(dir))
	if err == nil {
		var in safefs.Info
		if in, err = d.Stat(name); err == nil {
			a.own.dirs = append(a.own.dirs, d)
			a.own.ids = append(a.own.ids, d.Info().Identity, in.Identity)
			return nil
		}
		d.Close()
	}
	return a.ownStateError(fmt.Errorf("open the socket's folder to keep it out of every wipe: %w", err))
}

// ownStateError is fatal where it is tested (Linux): an agent that cannot
// tell its own state from a session's must not run a wipe that may reach
// it. Elsewhere it is logged and the agent goes on.
func (a *Agent) ownStateError(err error) error {
	if runtime.GOOS == "linux" {
		return fmt.Errorf("%w; check that the folder exists and that it and the folders above it belong to root or to you and are writable by no one else", err)
	}
	a.log.Error("the agent cannot keep its own state out of the wipe; do not give it a policy root that holds its state folder", "err", err)
	return nil
}

// ErrEmptiesHome is why a foreground agent refuses a policy that would
// empty the home folder of the person who started it.
var ErrEmptiesHome = errors.New("the policy empties your home folder")

// EmptyHomeFlag is the command-line flag that lets a foreground agent run
// such a policy.
const EmptyHomeFlag = "--i-understand-this-empties-my-home"

// checkHomeScope refuses, in the foreground, a policy with scope "all" on
// a root that is (or holds) the home folder of the user the agent acts
// for: the end of the session would erase all of that person's own files,
// not only the session's. The system mode runs for kiosk accounts, whose
// homes the policy may empty (accounts.dedicated).
func (a *Agent) checkHomeScope(p *policies.Policy) error {
	if a.cfg.Mode != Foreground || a.cfg.AllowEmptyHome {
		return nil
	}
	u := a.cfg.User
	home := filepath.Clean(u.Home)
	for _, r := range p.Roots {
		if r.Scope != "all" {
			continue
		}
		loc, err := userdirs.Resolve(u, a.cfg.Source, r.Path)
		if err != nil {
			continue
		}
		root := filepath.Clean(loc.Path)
		if (loc.InHome && loc.Rel == ".") || root == home || strings.HasPrefix(home, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator)) {
			return fmt.Errorf("%w: the root %q has scope \"all\", so ending the session would erase every file of yours in %s, not only what the session made. "+
				"Scope \"all\" is for a kiosk account's home (ardoise run --system). Use scope \"session\", or run with %s if that home is a scratch one you mean to empty",
				ErrEmptiesHome, r.Path, home, EmptyHomeFlag)
		}
	}
	return nil
}

// refuseEmptyingHome is checkHomeScope for a session start, with the
// reason in plain French first.
func (a *Agent) refuseEmptyingHome(p *policies.Policy) error {
	if err := a.checkHomeScope(p); err != nil {
		return ipc.Errorf(ipc.CodeEmptiesHome,
			"la règle d'effacement viderait tout votre dossier personnel; la session n'est pas ouverte (%s)", err)
	}
	return nil
}
