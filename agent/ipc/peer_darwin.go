package ipc

import (
	"fmt"
	"net"
	"syscall"
	"unsafe"
)

// The standard library's syscall has no wrapper for LOCAL_PEERCRED, so
// this calls getsockopt itself with the xucred layout of <sys/ucred.h>
// (cr_version, cr_uid, cr_ngroups, cr_groups[16]). It builds and is vetted
// here; as of 2026-11 it has not run on a Mac (the agent's x/sys-based
// peercred package is the server side's equivalent).
const (
	solLocal       = 0 // SOL_LOCAL
	localPeerCred  = 1 // LOCAL_PEERCRED
	xucredVersion  = 0 // XUCRED_VERSION
	xucredMaxGroup = 16
)

type xucred struct {
	Version uint32
	UID     uint32
	NGroups int16
	_       int16
	Groups  [xucredMaxGroup]uint32
}

func serverUID(conn net.Conn) (int, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("%T is not a unix socket", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	var cred xucred
	size := uint32(unsafe.Sizeof(cred))
	var errno syscall.Errno
	if err := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, solLocal, localPeerCred,
			uintptr(unsafe.Pointer(&cred)), uintptr(unsafe.Pointer(&size)), 0)
	}); err != nil {
		return -1, err
	}
	if errno != 0 {
		return -1, fmt.Errorf("LOCAL_PEERCRED: %w", errno)
	}
	if cred.Version != xucredVersion {
		return -1, fmt.Errorf("LOCAL_PEERCRED: unknown xucred version %d", cred.Version)
	}
	return int(cred.UID), nil
}
