// Package harden turns on the protections the operating system offers a
// privileged process that works in folders users can write to, and that
// the process must ask for itself at start (threats.md T2, W9, W13).
package harden

// Step is one protection and whether it could be turned on.
type Step struct {
	Name string
	Err  error
}

// Apply turns on every protection this operating system has and says how
// each went. The agent logs a failed step and goes on: the wiper's own
// checks (handle-relative opens that never follow a link) hold without
// them; these are a second line.
func Apply() []Step { return apply() }
