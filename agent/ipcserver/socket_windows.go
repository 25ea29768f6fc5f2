package ipcserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// pipeClientRights is what an interactive user gets on the system
// service's pipe: read and write (FILE_GENERIC_READ | FILE_GENERIC_WRITE)
// but not FILE_APPEND_DATA, which on a pipe is FILE_CREATE_PIPE_INSTANCE:
// with GENERIC_WRITE a user could add server instances of our pipe and
// answer our clients in our place (threats.md W6).
const pipeClientRights = "0x12019b"

// systemSDDL: SYSTEM and the administrators hold the pipe; interactive
// users (console and remote desktop) may talk to it; network logons and
// services get nothing. "P" protects the DACL from inheritance.
const systemSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;" + pipeClientRights + ";;;IU)"

const pipeBuffer = 4096

// Listen creates the named pipe path (\\.\pipe\...) and returns a listener
// whose connections are os.Files on overlapped handles, so net/http gets
// deadlines.
//
// Like the unix Listen, it refuses any object it did not make (threats.md
// W6): if the name already exists, someone else serves it, perhaps a
// program posing as Ardoise, and Listen fails naming it rather than pick
// another name. FILE_FLAG_FIRST_PIPE_INSTANCE says the same on Windows;
// the probe before it names the squatter's process, and is what protects
// us where that flag is not enforced (Wine).
//
// system selects the system service's security descriptor (systemSDDL)
// and the check that the client sits at the console (threats.md W7);
// otherwise (the foreground agent) the pipe is the current user's alone.
func Listen(path string, system bool) (net.Listener, error) {
	if !strings.HasPrefix(strings.ToLower(path), `\\.\pipe\`) || len(path) == len(`\\.\pipe\`) {
		return nil, fmt.Errorf(`%q is not a local named pipe name (\\.\pipe\NAME)`, path)
	}
	sddl := systemSDDL
	if !system {
		sid, err := currentUserSID()
		if err != nil {
			return nil, fmt.Errorf("named pipe %s: cannot tell who we run as: %w", path, err)
		}
		sddl = "D:P(A;;GA;;;" + sid + ")"
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return nil, fmt.Errorf("named pipe %s: security descriptor %s: %w", path, sddl, err)
	}
	l := &pipeListener{
		name:   path,
		system: system,
		sa:     &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd},
		ov:     new(windows.Overlapped),
	}
	if err := checkNameFree(path); err != nil {
		return nil, err
	}
	if l.next, err = l.create(true); err != nil {
		if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, fmt.Errorf("create named pipe %s: %w: another program may have created it first and be posing as Ardoise (it will not serve on another name: find the program serving it, e.g. with Sysinternals handle.exe, and stop it), or this account may not create it (the system service must run as LocalSystem)", path, err)
		}
		return nil, fmt.Errorf("create named pipe %s: %w", path, err)
	}
	// The kernel signals event when a connection arrives; Close signals
	// stop. Both manual-reset, so that neither is lost between waits.
	if l.event, err = windows.CreateEvent(nil, 1, 0, nil); err == nil {
		l.stop, err = windows.CreateEvent(nil, 1, 0, nil)
	}
	if err != nil {
		windows.CloseHandle(l.next)
		if l.event != 0 {
			windows.CloseHandle(l.event)
		}
		return nil, fmt.Errorf("named pipe %s: create an event: %w", path, err)
	}
	return l, nil
}

// checkNameFree fails if a pipe called name exists, naming the process
// that serves it when it can.
func checkNameFree(name string) error {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return fmt.Errorf("named pipe %q: %w", name, err)
	}
	// Anonymous: whoever serves this name learns nothing of our token, and
	// above all cannot impersonate the service with it.
	h, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES, 0, nil, windows.OPEN_EXISTING,
		windows.SECURITY_SQOS_PRESENT|windows.SECURITY_ANONYMOUS, 0)
	switch {
	case err == nil:
		var pid uint32
		perr := windows.GetNamedPipeServerProcessId(h, &pid)
		windows.CloseHandle(h)
		if perr != nil {
			return squatError(name, "a process we cannot identify ("+perr.Error()+")")
		}
		return squatError(name, describeProcess(pid))
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND), errors.Is(err, windows.ERROR_PATH_NOT_FOUND):
		return nil
	case errors.Is(err, windows.ERROR_PIPE_BUSY):
		return squatError(name, "a process we cannot identify (all its instances are busy)")
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return squatError(name, "a process we cannot identify (its pipe refuses us)")
	}
	return fmt.Errorf("named pipe %s: cannot tell whether another program serves it, so not creating it: %w", name, err)
}

func squatError(name, who string) error {
	return fmt.Errorf("named pipe %s already exists, served by %s: another Ardoise agent is running, or another program is posing as Ardoise. Ardoise will not serve on another name; stop that program, and find out how it got there, before starting the agent (threats.md W6)", name, who)
}

// describeProcess names pid with its program when Windows tells us.
func describeProcess(pid uint32) string {
	who := fmt.Sprintf("process %d", pid)
	ph, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return who
	}
	defer windows.CloseHandle(ph)
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(ph, 0, &buf[0], &n) != nil {
		return who
	}
	return who + " (" + windows.UTF16ToString(buf[:n]) + ")"
}

func currentUserSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

// pipeListener keeps one instance of the pipe waiting for the next client
// at all times, so that the name never disappears while we listen and
// nobody else can take it.
type pipeListener struct {
	name   string
	system bool
	sa     *windows.SecurityAttributes

	// acceptMu makes Accepts take turns, and lets Close wait until none
	// uses ov, event or the waiting instance before closing them.
	acceptMu sync.Mutex
	// ov is on the heap because the kernel writes it while a connection
	// is pending, after ConnectNamedPipe has returned.
	ov    *windows.Overlapped
	event windows.Handle
	stop  windows.Handle

	mu     sync.Mutex
	closed bool
	next   windows.Handle // the waiting instance; 0 once handed out
	err    error          // why no instance waits any more
}

func (l *pipeListener) create(first bool) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(l.name)
	if err != nil {
		return 0, err
	}
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(name, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, pipeBuffer, pipeBuffer, 0, l.sa)
}

// Accept waits for a client on the waiting instance, then creates the
// next one before handing this one out.
func (l *pipeListener) Accept() (net.Conn, error) {
	l.acceptMu.Lock()
	defer l.acceptMu.Unlock()
	for {
		l.mu.Lock()
		h, closed, broken := l.next, l.closed, l.err
		l.mu.Unlock()
		if closed {
			return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.Addr(), Err: net.ErrClosed}
		}
		if broken != nil {
			return nil, broken
		}
		err := l.connect(h)
		if errors.Is(err, net.ErrClosed) {
			return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.Addr(), Err: err}
		}
		if errors.Is(err, windows.ERROR_NO_DATA) {
			// The client came and went before we saw it; the instance
			// must be disconnected before it can serve again.
			windows.DisconnectNamedPipe(h)
			continue
		}
		if err != nil {
			return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.Addr(), Err: fmt.Errorf("ConnectNamedPipe: %w", err)}
		}
		l.mu.Lock()
		l.next = 0
		l.mu.Unlock()
		next, cerr := l.create(false)
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			if cerr == nil {
				windows.CloseHandle(next)
			}
			windows.CloseHandle(h)
			return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: l.Addr(), Err: net.ErrClosed}
		}
		if cerr != nil {
			// Stop listening rather than let the name disappear when the
			// open connections end, and another program take it; the
			// service manager restarts the agent, whose Listen checks the
			// name again.
			l.err = fmt.Errorf("named pipe %s: cannot create the instance for the next client, so the agent stops listening rather than leave the name free: %w", l.name, cerr)
		} else {
			l.next = next
		}
		l.mu.Unlock()
		return &pipeConn{File: os.NewFile(uintptr(h), l.name), name: l.name}, nil
	}
}

// connect waits, without spinning, for a client on h or for Close.
func (l *pipeListener) connect(h windows.Handle) error {
	*l.ov = windows.Overlapped{HEvent: l.event}
	windows.ResetEvent(l.event)
	err := windows.ConnectNamedPipe(h, l.ov)
	switch {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return err
	}
	w, werr := windows.WaitForMultipleObjects([]windows.Handle{l.event, l.stop}, false, windows.INFINITE)
	stopped := werr != nil || w != windows.WAIT_OBJECT_0
	if stopped {
		windows.CancelIoEx(h, l.ov)
	}
	// Wait for the kernel to be done with ov, even when cancelled.
	var n uint32
	err = windows.GetOverlappedResult(h, l.ov, &n, true)
	switch {
	case werr != nil:
		return fmt.Errorf("wait for a client: %w", werr)
	case stopped:
		return net.ErrClosed
	}
	return err
}

// admit refuses, for the system service, clients outside the console's
// session (threats.md W7).
func (l *pipeListener) admit(p peercred.Peer) error {
	return checkWindowsSession(l.system, p, windows.WTSGetActiveConsoleSessionId())
}

// Close stops a pending Accept and closes the waiting instance; the
// connections already handed out stay open.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return &net.OpError{Op: "close", Net: "pipe", Addr: l.Addr(), Err: net.ErrClosed}
	}
	l.closed = true
	windows.SetEvent(l.stop)
	l.mu.Unlock()
	l.acceptMu.Lock()
	defer l.acceptMu.Unlock()
	l.mu.Lock()
	if l.next != 0 {
		windows.CloseHandle(l.next)
		l.next = 0
	}
	l.mu.Unlock()
	windows.CloseHandle(l.event)
	windows.CloseHandle(l.stop)
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is the server end of a connected instance. Its os.File gives
// peercred the handle (SyscallConn), from which Windows tells the
// client's process.
type pipeConn struct {
	*os.File
	name string
}

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr(c.name) }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr(c.name) }
