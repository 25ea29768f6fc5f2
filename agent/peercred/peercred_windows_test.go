package peercred

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// fileConn lends an os.File the rest of net.Conn, as the agent's pipe
// connections do.
type fileConn struct{ *os.File }

func (fileConn) LocalAddr() net.Addr  { return nil }
func (fileConn) RemoteAddr() net.Addr { return nil }

// pipePair returns both ends of a fresh pipe, connected.
func pipePair(t *testing.T) (server, client *os.File) {
	t.Helper()
	name := fmt.Sprintf(`\\.\pipe\ardoise-peercred-%d-%s`, os.Getpid(), t.Name())
	p, _ := windows.UTF16PtrFromString(name)
	s, err := windows.CreateNamedPipe(p, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED, windows.PIPE_TYPE_BYTE|windows.PIPE_REJECT_REMOTE_CLIENTS, 1, 512, 512, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := windows.CreateFile(p, windows.GENERIC_READ|windows.FILE_WRITE_DATA, 0, nil, windows.OPEN_EXISTING,
		windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err != nil {
		windows.CloseHandle(s)
		t.Fatal(err)
	}
	server, client = os.NewFile(uintptr(s), name), os.NewFile(uintptr(c), name)
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestPipePeerIsUs(t *testing.T) {
	server, client := pipePair(t)
	p, err := Get(fileConn{File: server})
	if err != nil {
		t.Fatal(err)
	}
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	var session, n uint32
	if err := windows.GetTokenInformation(tok, windows.TokenSessionId, (*byte)(unsafe.Pointer(&session)), 4, &n); err != nil {
		t.Fatal(err)
	}
	want := Peer{UID: Nobody, GID: Nobody, PID: int32(os.Getpid()), SID: u.User.Sid.String(), Session: session}
	if u.User.Sid.String() == LocalSystemSID {
		want.UID = 0
	}
	if p != want {
		t.Errorf("peer = %+v, want %+v", p, want)
	}

	// From the client's end the "client" would be ourselves: refused.
	if p, err := Get(fileConn{File: client}); err == nil || !strings.Contains(err.Error(), "client end") {
		t.Errorf("client end: %+v, %v; want an error", p, err)
	}
}

func TestPeerOfSomethingElse(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if p, err := Get(a); err == nil {
		t.Errorf("in-memory pipe: %+v, want an error", p)
	}
}
