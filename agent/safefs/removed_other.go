//go:build !linux && !windows

package safefs

// Removed is false on this operating system.
func (d *Dir) Removed() bool { return false }
