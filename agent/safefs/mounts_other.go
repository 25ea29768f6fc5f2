//go:build !linux && !windows

package safefs

// MountPoints fails on this operating system (see safefs_other.go).
func (d *Dir) MountPoints() (map[string]bool, error) { return nil, errUnsupported }
