package ipc

import "path/filepath"

// SystemSocket is the system service's named pipe. Only a process holding
// the Administrators group (the service runs as LocalSystem) may create a
// pipe under ProtectedPrefix\Administrators, so a user cannot squat the
// name before the service starts (threats.md W6); the service also refuses
// to start if the name exists, in case this prefix is not enforced.
const SystemSocket = `\\.\pipe\ProtectedPrefix\Administrators\Ardoise\agent`

// ForegroundSocket returns the named pipe of a foreground agent. Windows
// has no per-user pipe folder, so the name carries the user's SID; uid is
// meaningless on Windows and ignored. Another user can still take the
// name first, but the client checks the server's SID, so that only stops
// the foreground agent from starting, loudly.
func ForegroundSocket(getenv func(string) string, uid int) string {
	sid, err := ownSID()
	if err != nil {
		sid = "unknown-user"
	}
	return `\\.\pipe\Ardoise\agent-` + sid
}

// ForegroundStateDir returns where a foreground agent keeps its journal on
// Windows: %LOCALAPPDATA%\Ardoise, the user's own local (not roaming)
// application data, as desktop programs do.
func ForegroundStateDir(getenv func(string) string) string {
	if d := getenv("LOCALAPPDATA"); filepath.IsAbs(d) {
		return filepath.Join(d, "Ardoise")
	}
	return filepath.Join(getenv("USERPROFILE"), "AppData", "Local", "Ardoise")
}
