//go:build !linux

package main

import "syscall"

// windowProcAttr: elsewhere the window notices the agent is gone by
// itself (its event stream ends).
func windowProcAttr() *syscall.SysProcAttr { return nil }
