//go:build !windows

package ipc

import (
	"context"
	"errors"
	"net"
	"syscall"
)

func dialAgent(ctx context.Context, socket string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", socket)
}

// isNotRunning reports whether a dial error means no agent: no socket, or
// a socket nobody listens on (a stale one).
func isNotRunning(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)
}
