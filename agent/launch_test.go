package agent

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// W14 and its Linux twin: the agent starts a browser only as the session's
// own user. On Windows the service is SYSTEM in session 0, os.Geteuid is
// -1 and Windows accounts have no uid (safefs.NobodyUID): it never starts
// one; the window does, in the person's session.
func TestW14_BrowserNeverStartedByTheService(t *testing.T) {
	for _, c := range []struct {
		goos string
		euid int
		uid  uint32
		want bool
	}{
		{"linux", 1000, 1000, true},              // the foreground agent, as the person
		{"linux", 0, 1000, false},                // the system service (root)
		{"linux", 0, 0, false},                   // root's own session
		{"linux", 1001, 1000, false},             // another account
		{"darwin", 501, 501, true},               //
		{"windows", -1, safefs.NobodyUID, false}, // the service: -1 must not match "nobody"
		{"windows", -1, 0, false},
		{"windows", 1000, 1000, false},
	} {
		if got := mayLaunchAs(c.goos, c.euid, c.uid); got != c.want {
			t.Errorf("%s euid %d, session uid %d: %v, want %v", c.goos, c.euid, c.uid, got, c.want)
		}
	}
}
