//go:build !windows

package ipc

import (
	"path/filepath"
	"strconv"
)

// SystemSocket is where the system service listens (root-owned folder,
// threats.md D10). Windows uses a named pipe instead (paths_windows.go).
const SystemSocket = "/run/ardoise/agent.sock"

// ForegroundSocket returns the socket of a foreground agent:
// $XDG_RUNTIME_DIR/ardoise/agent.sock when the session has a runtime
// directory, else a per-uid name in the state directory.
func ForegroundSocket(getenv func(string) string, uid int) string {
	if d := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "ardoise", "agent.sock")
	}
	return filepath.Join(ForegroundStateDir(getenv), "agent-"+strconv.Itoa(uid)+".sock")
}

// ForegroundStateDir returns where a foreground agent keeps its journal:
// $XDG_STATE_HOME/ardoise, or ~/.local/state/ardoise, as desktop programs do.
func ForegroundStateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "ardoise")
	}
	return filepath.Join(getenv("HOME"), ".local", "state", "ardoise")
}
