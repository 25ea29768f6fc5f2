package ipc

import (
	"fmt"
	"net"
	"syscall"
)

// serverUID returns the uid of the process at the other end of a unix
// socket, from the kernel (SO_PEERCRED: the credentials the server had when
// it called listen). The standard library's syscall is enough here, which
// keeps this package free of dependencies.
func serverUID(conn net.Conn) (int, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("%T is not a unix socket", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred *syscall.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return -1, err
	}
	if serr != nil {
		return -1, fmt.Errorf("SO_PEERCRED: %w", serr)
	}
	return int(cred.Uid), nil
}
