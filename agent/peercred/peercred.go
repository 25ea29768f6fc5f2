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
}

// Get returns the peer of conn.
func Get(conn net.Conn) (Peer, error) { return get(conn) }
