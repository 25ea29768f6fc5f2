package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// On Windows the agent listens on a named pipe. The client opens it with
// the standard library only: CreateFile with SECURITY_IDENTIFICATION, so
// that the server can read the client's identity but cannot impersonate
// it (threats.md D8), and FILE_FLAG_OVERLAPPED so that os.File gives
// deadlines. It is tested against the real server under Wine
// (agent/ipcserver), not yet on Windows itself.
const (
	// The client asks for read and FILE_WRITE_DATA, not GENERIC_WRITE:
	// on a pipe GENERIC_WRITE includes FILE_CREATE_PIPE_INSTANCE, which
	// the service's pipe does not grant users (ipcserver's systemSDDL), so
	// that they cannot add server instances of it and answer in its place.
	pipeClientAccess       = syscall.GENERIC_READ | 0x2 // FILE_WRITE_DATA
	securitySQOSPresent    = 0x00100000                 // SECURITY_SQOS_PRESENT
	securityIdentification = 0x00010000                 // SECURITY_IDENTIFICATION
	errorPipeBusy          = syscall.Errno(231)
)

func dialAgent(ctx context.Context, pipe string) (net.Conn, error) {
	name, err := syscall.UTF16PtrFromString(pipe)
	if err != nil {
		return nil, err
	}
	for {
		h, err := syscall.CreateFile(name, pipeClientAccess, 0, nil, syscall.OPEN_EXISTING,
			syscall.FILE_FLAG_OVERLAPPED|securitySQOSPresent|securityIdentification, 0)
		if err == nil {
			return &pipeConn{File: os.NewFile(uintptr(h), pipe), name: pipe}, nil
		}
		if !errors.Is(err, errorPipeBusy) {
			return nil, &os.PathError{Op: "open", Path: pipe, Err: err}
		}
		// Every instance is busy: wait a little for one, as WaitNamedPipe
		// would, without outliving ctx.
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func isNotRunning(err error) bool {
	return errors.Is(err, syscall.ERROR_FILE_NOT_FOUND) || errors.Is(err, syscall.ERROR_PATH_NOT_FOUND)
}

// pipeConn is a named pipe seen as a net.Conn.
type pipeConn struct {
	*os.File
	name string
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr(c.name) }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr(c.name) }

func (c *pipeConn) handle() (syscall.Handle, error) {
	raw, err := c.File.SyscallConn()
	if err != nil {
		return 0, err
	}
	var h syscall.Handle
	if err := raw.Control(func(fd uintptr) { h = syscall.Handle(fd) }); err != nil {
		return 0, fmt.Errorf("pipe handle: %w", err)
	}
	return h, nil
}
