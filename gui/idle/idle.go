// Package idle tells how long the person has not touched the keyboard or
// the mouse, so that the window can report it to the agent, which ends an
// abandoned session (policy session.idle_timeout). The agent enforces the
// maximum duration and closing times itself; idle time is the one thing
// only the person's graphical session knows.
package idle

import "errors"

// ErrUnsupported means this session cannot tell idle time (Wayland, which
// gives it to no ordinary program, or an unknown system); the agent then
// ends sessions only by button, duration and closing time.
var ErrUnsupported = errors.New("idle time is not available in this graphical session")
