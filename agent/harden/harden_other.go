//go:build !windows

package harden

// Linux and macOS need nothing here: safefs's openat2/O_NOFOLLOW walk is
// the protection, and the service's sandbox is set by its unit file.
func apply() []Step { return nil }
