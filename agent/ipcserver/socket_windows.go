package ipcserver

import (
	"errors"
	"fmt"
	"net"
)

// Listen on Windows will create the named pipe
// \\.\pipe\ProtectedPrefix\Administrators\Ardoise\agent with an explicit
// security descriptor (threats.md D8); as of 2026-11 the Windows agent does
// not run yet, so it fails loudly rather than listening on something weaker.
func Listen(path string, system bool) (net.Listener, error) {
	return nil, fmt.Errorf("the local interface on Windows (named pipe): %w", errors.ErrUnsupported)
}
