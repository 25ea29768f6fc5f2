//go:build !linux

package agent

import "runtime"

// promiseChecks: Windows and macOS have no per-session crypto-erase with
// the system's own means (EFS keys of a kiosk account can be recovered
// offline; BitLocker and FileVault are per volume), and Ardoise does not
// pretend otherwise: documents are deleted only.
func promiseChecks() []PromiseCheck {
	fix := "encrypt the whole disk (BitLocker on Windows, FileVault on macOS): deleted documents are then unreadable to someone who takes the disk out"
	return []PromiseCheck{{
		Code:    "system",
		Found:   runtime.GOOS,
		Problem: "no per-session encryption on this system: the session's documents are deleted, not made unreadable",
		Fix:     fix,
	}}
}
