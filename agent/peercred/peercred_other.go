//go:build !linux && !windows

package peercred

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// As of 2026-11 the agent's local interface runs on Linux and Windows;
// macOS (LOCAL_PEERCRED) is to come with its wiper. Until then every peer
// is refused: the server fails closed.
func get(conn net.Conn) (Peer, error) {
	return Peer{}, fmt.Errorf("peer credentials on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
