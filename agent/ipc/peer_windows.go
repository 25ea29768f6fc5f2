package ipc

import (
	"fmt"
	"net"
	"slices"
	"syscall"
	"unsafe"
)

// On Windows the server's identity is the user of the process that owns
// the pipe's server end (GetNamedPipeServerProcessId, then that process's
// token). Expected uid 0 stands for LocalSystem, the service account; the
// caller's own user is compared by SID. Other numeric uids mean nothing
// here and match nobody. As of 2026-11 this builds and is vetted on Linux;
// it has not run on Windows.
const (
	sidLocalSystem                 = "S-1-5-18"
	processQueryLimitedInformation = 0x1000
)

var procGetNamedPipeServerProcessID = syscall.NewLazyDLL("kernel32.dll").NewProc("GetNamedPipeServerProcessId")

func checkServer(conn net.Conn, want expectation) error {
	pc, ok := conn.(*pipeConn)
	if !ok {
		return fmt.Errorf("%w: %T is not a named pipe", ErrNotAuthentic, conn)
	}
	sid, err := serverSID(pc)
	if err != nil {
		return fmt.Errorf("%w: cannot tell who runs it: %w", ErrNotAuthentic, err)
	}
	if slices.Contains(want.uids, 0) && sid == sidLocalSystem {
		return nil
	}
	if want.self {
		me, err := ownSID()
		if err != nil {
			return fmt.Errorf("%w: cannot tell who we are: %w", ErrNotAuthentic, err)
		}
		if sid == me {
			return nil
		}
	}
	return fmt.Errorf("%w: it runs as %s; expected %s", ErrNotAuthentic, sid, want)
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
