//go:build linux || darwin

package ipc

import (
	"fmt"
	"net"
	"slices"
)

// checkServer refuses a server not run by an expected user. The uid comes
// from the kernel, never from what the server says.
func checkServer(conn net.Conn, want expectation) error {
	uid, err := serverUID(conn)
	if err != nil {
		return fmt.Errorf("%w: cannot tell who runs it: %w", ErrNotAuthentic, err)
	}
	if slices.Contains(want.uids, uid) || (want.self && uid == selfUID) {
		return nil
	}
	return fmt.Errorf("%w: it runs as uid %d; expected %s", ErrNotAuthentic, uid, want)
}
