// Package peercred tells who is at the other end of a local connection, from
// the kernel and nothing else: never from what the client sends (snapd's
// "dirty_sock" parsed the uid from a client-controlled string; threats.md
// T9). The uid is the only fact the agent's authorisation uses.
package peercred

import "net"

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

// On Windows, UID and GID are not Windows identities: the agent's
// authorisation compares uids, and a SID has no uid. LocalSystem gets uid 0
// (root's place: the service and its administrators' tools) and every
// other SID gets Nobody, which matches no session owner and no admin
// group, so a Windows user can read the status and nothing else until the
// agent authorises by SID. Inventing a SID-to-uid mapping would be a way
// for one user to pass as another.
const (
	Nobody         = 0xFFFFFFFF
	LocalSystemSID = "S-1-5-18"
)

// Get returns the peer of conn.
func Get(conn net.Conn) (Peer, error) { return get(conn) }
