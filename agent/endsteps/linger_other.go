//go:build !linux

package endsteps

import "context"

// endLinger: lingering user units are systemd's, which runs on Linux only.
func endLinger(context.Context, *Session) {}
