package ipcserver

import (
	"errors"
	"fmt"

	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// NoConsoleSession is what WTSGetActiveConsoleSessionId answers while no
// session is attached to the console (during a switch of user).
const NoConsoleSession = 0xFFFFFFFF

// checkWindowsSession decides threats.md W7 for the Windows system
// service: the public computer's person sits at the console, so a client
// from another session (a second user by RDP or fast user switching) must
// not end, preview or watch their session. LocalSystem (the service's own
// tools) is allowed from any session. It fails closed: no console session,
// or a peer without a SID, is refused. The foreground agent's pipe is
// already its user's alone, so it has nothing to decide.
func checkWindowsSession(system bool, p peercred.Peer, console uint32) error {
	switch {
	case !system:
		return nil
	case p.SID == peercred.LocalSystemSID:
		return nil
	case p.SID == "":
		return errors.New("the client has no Windows SID")
	case console == NoConsoleSession:
		return fmt.Errorf("no session is attached to the console, so the client's session %d cannot be the console's", p.Session)
	case p.Session != console:
		return fmt.Errorf("the client runs in session %d, not in the console's session %d (another user, by remote desktop or fast user switching)", p.Session, console)
	}
	return nil
}

// admitter is a listener that refuses some peers on its own grounds (the
// Windows pipe: threats.md W7) once their identity is known.
type admitter interface {
	admit(peercred.Peer) error
}
