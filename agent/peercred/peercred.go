// Package peercred tells who is at the other end of a local connection, from
// the kernel and nothing else: never from what the client sends (snapd's
// "dirty_sock" parsed the uid from a client-controlled string; threats.md
// T9). The account (uid, or SID on Windows) is the only fact the agent's
// authorisation uses.
package peercred

import (
	"net"
	"strings"
)

// Peer is the identity of a connected client.
type Peer struct {
	UID uint32
	GID uint32
	PID int32 // for logs only: a PID can be reused

	// SID is the user SID of the client's token on Windows; empty
	// elsewhere.
	SID string
	// Session is the Windows session (console, RDP, fast user switching)
	// of the client's token; 0 elsewhere.
	Session uint32
}

// On Windows, UID and GID are not Windows identities: a SID has no uid.
// LocalSystem gets uid 0 (root's place: the service and its
// administrators' tools) and every other SID gets Nobody, which matches no
// admin group; accounts are compared by SID (Account.Same). Inventing a
// SID-to-uid mapping would be a way for one user to pass as another.
const (
	Nobody         = 0xFFFFFFFF
	LocalSystemSID = "S-1-5-18"
)

// Get returns the peer of conn.
func Get(conn net.Conn) (Peer, error) { return get(conn) }

// Account names a user: a uid, or on Windows a SID.
type Account struct {
	UID uint32
	SID string
}

// Account returns the peer's account.
func (p Peer) Account() Account { return Account{UID: p.UID, SID: p.SID} }

// Same reports whether a and b are one account: by SID when either has
// one (Windows, where every account but SYSTEM shares the Nobody uid),
// else by uid.
func (a Account) Same(b Account) bool {
	if a.SID != "" || b.SID != "" {
		return a.SID != "" && strings.EqualFold(a.SID, b.SID)
	}
	return a.UID == b.UID
}
