//go:build !linux

package procs

import (
	"errors"
	"runtime"
)

// Holders fails outside Linux: it exists to explain why a session key
// stays in use, and per-session encryption exists on Linux only (package
// cryptoerase). Windows and macOS do not offer the folder keys it would
// report on.
func Holders(dir string) ([]Holder, error) {
	return nil, errors.New("this version of Ardoise lists the programs holding a folder on Linux only, not on " + runtime.GOOS)
}
