package ipcserver

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// TestW7_AnotherInteractiveUser runs everywhere: the decision is pure, and
// the Windows listener calls it with the session of the client's token
// and WTSGetActiveConsoleSessionId.
func TestW7_AnotherInteractiveUser(t *testing.T) {
	const user = "S-1-5-21-1-2-3-1001"
	cases := []struct {
		name    string
		system  bool
		peer    peercred.Peer
		console uint32
		ok      bool
	}{
		{"console user", true, peercred.Peer{SID: user, Session: 1}, 1, true},
		{"RDP user", true, peercred.Peer{SID: "S-1-5-21-1-2-3-1002", Session: 2}, 1, false},
		{"same user in a second session", true, peercred.Peer{SID: user, Session: 3}, 1, false},
		{"service session 0 as a user", true, peercred.Peer{SID: user, Session: 0}, 1, false},
		{"LocalSystem in session 0", true, peercred.Peer{SID: peercred.LocalSystemSID, Session: 0}, 1, true},
		{"LocalSystem with no console", true, peercred.Peer{SID: peercred.LocalSystemSID}, NoConsoleSession, true},
		{"no console session", true, peercred.Peer{SID: user, Session: 1}, NoConsoleSession, false},
		{"no SID", true, peercred.Peer{UID: 0, Session: 1}, 1, false},
		{"foreground agent", false, peercred.Peer{SID: user, Session: 2}, 1, true},
	}
	for _, c := range cases {
		err := checkWindowsSession(c.system, c.peer, c.console)
		if (err == nil) != c.ok {
			t.Errorf("%s: allowed=%v (%v), want %v", c.name, err == nil, err, c.ok)
		}
	}
}
