//go:build !linux && !windows

package procs

import (
	"errors"
	"runtime"
)

// System is the kernel's process table. As of this version it is read on
// Linux only; on Windows a session end logs the kiosk account off
// (WTSLogoffSession), which the installer's issue brings.
type System struct{}

var errUnsupported = errors.New("this version of Ardoise ends an account's processes on Linux only, not on " + runtime.GOOS)

// List fails on this operating system.
func (System) List() ([]Proc, error) { return nil, errUnsupported }

// Open fails on this operating system.
func (System) Open(pid int) (Handle, error) { return nil, errUnsupported }
