package agent

import "github.com/ardoise-fr/ardoise/agent/ipc"

// System-mode locations. They are root-owned and outside any folder a user
// can write to (threats.md D10).
const SystemSocket = ipc.SystemSocket

// SystemStateDir is the system service's state folder (platform_unix.go,
// platform_windows.go).
var SystemStateDir = systemStateDir()

// ForegroundStateDir and ForegroundSocket are where a foreground agent
// keeps its journal and listens; the window finds the agent the same way.
var (
	ForegroundStateDir = ipc.ForegroundStateDir
	ForegroundSocket   = ipc.ForegroundSocket
)
