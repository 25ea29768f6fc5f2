//go:build !unix

package logging

import "os"

// ToJournal is false: there is no systemd journal here.
func ToJournal(getenv func(string) string, f *os.File) bool { return false }
