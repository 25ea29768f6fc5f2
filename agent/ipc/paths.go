package ipc

import "path/filepath"

// ForegroundStateDir returns where a foreground agent keeps its journal:
// $XDG_STATE_HOME/ardoise, or ~/.local/state/ardoise, as desktop programs do.
func ForegroundStateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "ardoise")
	}
	return filepath.Join(getenv("HOME"), ".local", "state", "ardoise")
}
