//go:build !linux && !darwin && !windows

package ipc

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// checkServer cannot read the server's identity on this operating system
// with the standard library, so the client refuses rather than trust it.
func checkServer(conn net.Conn, want expectation) error {
	return fmt.Errorf("%w: checking who runs the agent on %s: %w", ErrNotAuthentic, runtime.GOOS, errors.ErrUnsupported)
}
