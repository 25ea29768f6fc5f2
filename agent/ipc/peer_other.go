//go:build !linux

package ipc

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// serverUID cannot be read with the standard library on this operating
// system (macOS needs LOCAL_PEERCRED from x/sys, Windows uses a named pipe),
// so a client that must check the server refuses rather than trusting it.
func serverUID(conn net.Conn) (int, error) {
	return -1, fmt.Errorf("checking the agent's identity on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
