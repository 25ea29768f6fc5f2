//go:build !linux

package peercred

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// As of 2026-11 the agent's local interface runs on Linux; macOS
// (LOCAL_PEERCRED) and Windows (the named pipe client's token) are to come
// with their wipers. Until then every peer is refused: the server fails
// closed.
func get(conn net.Conn) (Peer, error) {
	return Peer{}, fmt.Errorf("peer credentials on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
