package peercred

import "testing"

// Accounts are one when their SIDs are (Windows, where every account but
// SYSTEM has the Nobody uid), else when their uids are; a SID on one side
// only never matches a bare uid.
func TestAccountSame(t *testing.T) {
	const alice, bob = "S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"
	for _, c := range []struct {
		a, b Account
		want bool
	}{
		{Account{UID: 1000}, Account{UID: 1000}, true},
		{Account{UID: 1000}, Account{UID: 1001}, false},
		{Account{UID: Nobody, SID: alice}, Account{UID: Nobody, SID: alice}, true},
		{Account{UID: Nobody, SID: alice}, Account{UID: Nobody, SID: "s-1-5-21-1-2-3-1001"}, true},
		{Account{UID: Nobody, SID: alice}, Account{UID: Nobody, SID: bob}, false},
		{Account{UID: 0, SID: alice}, Account{UID: 0}, false}, // a user with uid 0 on Windows is not root
		{Account{UID: 0}, Account{UID: 0, SID: alice}, false},
		{Account{}, Account{}, true},
	} {
		if got := c.a.Same(c.b); got != c.want {
			t.Errorf("%+v same as %+v: %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
