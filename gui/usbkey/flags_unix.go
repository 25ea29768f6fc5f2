//go:build unix

package usbkey

import "syscall"

// Never through a link, never blocking on a FIFO.
const (
	openFlags   = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	createFlags = syscall.O_NOFOLLOW
)
