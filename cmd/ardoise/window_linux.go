package main

import "syscall"

// windowProcAttr makes the window end with the agent, even when the agent
// is killed.
func windowProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
