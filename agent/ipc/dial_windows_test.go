package ipc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The client against the real server is tested in agent/ipcserver, which
// imports this package.

func TestClientAgentNotRunningWindows(t *testing.T) {
	name := fmt.Sprintf(`\\.\pipe\ardoise-test-absent-%d`, os.Getpid())
	if _, err := NewClient(name).Status(context.Background()); !errors.Is(err, ErrAgentNotRunning) {
		t.Errorf("no pipe: %v, want ErrAgentNotRunning", err)
	}
}

func TestPipeNames(t *testing.T) {
	if !strings.HasPrefix(SystemSocket, `\\.\pipe\ProtectedPrefix\Administrators\`) {
		t.Errorf("SystemSocket %s is not under the administrators' protected prefix", SystemSocket)
	}
	fg := ForegroundSocket(os.Getenv, os.Getuid())
	sid, err := ownSID()
	if err != nil {
		t.Fatal(err)
	}
	if fg != `\\.\pipe\Ardoise\agent-`+sid {
		t.Errorf("ForegroundSocket = %s, want it to name our SID %s", fg, sid)
	}
}
