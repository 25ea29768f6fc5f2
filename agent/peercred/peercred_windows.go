package peercred

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys/windows does not wrap it.
var procGetNamedPipeClientSessionID = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetNamedPipeClientSessionId")

// get reads the client of the server end of a named pipe: the PID the pipe
// recorded when the client connected, then that process's token.
//
// A PID can be reused: a client could hand its pipe handle to another
// process and exit, and a new process could get its PID. The pipe also
// recorded the client's session at connect time; a process found under
// that PID in another session is not the client, and is refused. A reused
// PID in the same session and the same SID gives the same answer, which is
// what the agent authorises on. Reading the token by impersonating the
// client (ImpersonateNamedPipeClient, threats.md D8) would close the rest
// of that gap; it needs a request read first, so it belongs in the HTTP
// layer, not at accept time.
func get(conn net.Conn) (Peer, error) {
	// Every process made after this moment is not the client, which
	// connected before it.
	asked := time.Now()
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return Peer{}, fmt.Errorf("peer credentials: %T is not a named pipe", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	var p Peer
	var gerr error
	if err := raw.Control(func(fd uintptr) { p, gerr = pipeClient(windows.Handle(fd), asked) }); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	return p, gerr
}

func pipeClient(h windows.Handle, asked time.Time) (Peer, error) {
	var flags uint32
	if err := windows.GetNamedPipeInfo(h, &flags, nil, nil, nil); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: not a named pipe: %w", err)
	}
	if flags&windows.PIPE_SERVER_END == 0 {
		// On the client end the "client" is ourselves.
		return Peer{}, errors.New("peer credentials: this is the client end of the pipe, not the server's")
	}
	var pid, connSession uint32
	if err := windows.GetNamedPipeClientProcessId(h, &pid); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: GetNamedPipeClientProcessId: %w", err)
	}
	if r, _, err := procGetNamedPipeClientSessionID.Call(uintptr(h), uintptr(unsafe.Pointer(&connSession))); r == 0 {
		return Peer{}, fmt.Errorf("peer credentials: GetNamedPipeClientSessionId: %w", err)
	}
	sid, session, err := processUser(pid, asked)
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials of process %d: %w", pid, err)
	}
	if session != connSession {
		return Peer{}, fmt.Errorf("peer credentials: process %d runs in session %d but the client connected from session %d; its PID was probably reused, refusing it", pid, session, connSession)
	}
	uid := uint32(Nobody)
	if sid == LocalSystemSID {
		uid = 0
	}
	return Peer{UID: uid, GID: Nobody, PID: int32(pid), SID: sid, Session: session}, nil
}

// processUser returns the user SID and session of pid's token. A process
// created after asked cannot be the client, which connected before: its
// PID was reused (a SYSTEM process of the same session would otherwise be
// taken for the client).
func processUser(pid uint32, asked time.Time) (sid string, session uint32, err error) {
	ph, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", 0, fmt.Errorf("open the process: %w", err)
	}
	defer windows.CloseHandle(ph)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(ph, &created, &exited, &kernel, &user); err != nil {
		return "", 0, fmt.Errorf("read when it started: %w", err)
	}
	if t := time.Unix(0, created.Nanoseconds()); t.After(asked) {
		return "", 0, fmt.Errorf("process %d started at %s, after the client connected: its PID was reused, refusing it", pid, t.Format(time.RFC3339Nano))
	}
	var tok windows.Token
	if err := windows.OpenProcessToken(ph, windows.TOKEN_QUERY, &tok); err != nil {
		return "", 0, fmt.Errorf("open its token: %w", err)
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", 0, fmt.Errorf("read its user: %w", err)
	}
	var n uint32
	if err := windows.GetTokenInformation(tok, windows.TokenSessionId, (*byte)(unsafe.Pointer(&session)), uint32(unsafe.Sizeof(session)), &n); err != nil {
		return "", 0, fmt.Errorf("read its session: %w", err)
	}
	return u.User.Sid.String(), session, nil
}
