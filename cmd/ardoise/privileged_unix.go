//go:build !windows

package main

import "os"

// privileged reports whether the agent may run as the system service:
// as root.
func privileged() bool { return os.Geteuid() == 0 }

const needPrivilege = "--system needs root: the system service cleans other accounts' folders"
