package ipc

import (
	"fmt"
	"net"
	"slices"
	"syscall"
	"unsafe"
)

// On Windows, expected uid 0 stands for the service: the pipe object is
// owned by SYSTEM or the administrators and served from session 0. The
// caller's own user is compared by SID, read from the token of the process
// that serves the pipe (GetNamedPipeServerProcessId). Other numeric uids
// mean nothing here and match nobody. Tested under Wine, where every
// process is one user's; not yet on Windows.
const (
	sidLocalSystem                 = "S-1-5-18"
	sidAdministrators              = "S-1-5-32-544"
	processQueryLimitedInformation = 0x1000
)

var (
	procGetNamedPipeServerProcessID = syscall.NewLazyDLL("kernel32.dll").NewProc("GetNamedPipeServerProcessId")
	procGetNamedPipeServerSessionID = syscall.NewLazyDLL("kernel32.dll").NewProc("GetNamedPipeServerSessionId")
	procGetSecurityInfo             = syscall.NewLazyDLL("advapi32.dll").NewProc("GetSecurityInfo")
)

// pipeOwner returns the SID of the pipe object's owner.
func pipeOwner(h syscall.Handle) (string, error) {
	const seKernelObject, ownerSecurityInformation = 6, 1
	var owner *syscall.SID
	var sd uintptr
	if r, _, _ := procGetSecurityInfo.Call(uintptr(h), seKernelObject, ownerSecurityInformation,
		uintptr(unsafe.Pointer(&owner)), 0, 0, 0, uintptr(unsafe.Pointer(&sd))); r != 0 {
		return "", fmt.Errorf("read the pipe's owner: %w", syscall.Errno(r))
	}
	defer syscall.LocalFree(syscall.Handle(sd))
	if owner == nil {
		return "", fmt.Errorf("the pipe has no owner")
	}
	return owner.String()
}

func checkServer(conn net.Conn, want expectation) error {
	pc, ok := conn.(*pipeConn)
	if !ok {
		return fmt.Errorf("%w: %T is not a named pipe", ErrNotAuthentic, conn)
	}
	// The service: a user cannot open the token of a SYSTEM process, so
	// the pipe object itself is asked. Only SYSTEM or the administrators
	// can own it (a user who made a pipe of that name owns it), and the
	// service runs in session 0.
	var sysErr error
	if slices.Contains(want.uids, 0) {
		if sysErr = serverIsService(pc); sysErr == nil {
			return nil
		}
	}
	if want.self {
		sid, err := serverSID(pc)
		if err != nil {
			return fmt.Errorf("%w: cannot tell who runs it: %w", ErrNotAuthentic, err)
		}
		me, err := ownSID()
		if err != nil {
			return fmt.Errorf("%w: cannot tell who we are: %w", ErrNotAuthentic, err)
		}
		if sid == me {
			return nil
		}
		return fmt.Errorf("%w: it runs as %s; expected %s", ErrNotAuthentic, sid, want)
	}
	return fmt.Errorf("%w: %w; expected %s", ErrNotAuthentic, sysErr, want)
}

// serverIsService checks that the pipe's owner is SYSTEM or the
// administrators and that its server runs in session 0, the services'.
func serverIsService(pc *pipeConn) error {
	h, err := pc.handle()
	if err != nil {
		return err
	}
	var session uint32
	if r, _, e := procGetNamedPipeServerSessionID.Call(uintptr(h), uintptr(unsafe.Pointer(&session))); r == 0 {
		return fmt.Errorf("GetNamedPipeServerSessionId: %w", e)
	}
	owner, err := pipeOwner(h)
	if err != nil {
		return err
	}
	if owner != sidLocalSystem && owner != sidAdministrators {
		return fmt.Errorf("the pipe belongs to %s, not to SYSTEM or the administrators", owner)
	}
	if session != 0 {
		return fmt.Errorf("its server runs in session %d, not in the services' session 0", session)
	}
	return nil
}

func serverSID(pc *pipeConn) (string, error) {
	h, err := pc.handle()
	if err != nil {
		return "", err
	}
	var pid uint32
	if r, _, e := procGetNamedPipeServerProcessID.Call(uintptr(h), uintptr(unsafe.Pointer(&pid))); r == 0 {
		return "", fmt.Errorf("GetNamedPipeServerProcessId: %w", e)
	}
	ph, err := syscall.OpenProcess(processQueryLimitedInformation, false, pid)
	if err != nil {
		return "", fmt.Errorf("open the agent's process %d: %w", pid, err)
	}
	defer syscall.CloseHandle(ph)
	var tok syscall.Token
	if err := syscall.OpenProcessToken(ph, syscall.TOKEN_QUERY, &tok); err != nil {
		return "", fmt.Errorf("open the agent's token: %w", err)
	}
	defer tok.Close()
	return tokenSID(tok)
}

func ownSID() (string, error) {
	tok, err := syscall.OpenCurrentProcessToken()
	if err != nil {
		return "", err
	}
	defer tok.Close()
	return tokenSID(tok)
}

func tokenSID(tok syscall.Token) (string, error) {
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String()
}
