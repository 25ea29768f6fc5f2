//go:build unix

package logging

import (
	"fmt"
	"os"
	"syscall"
)

// ToJournal reports whether f is connected to the systemd journal: systemd
// sets JOURNAL_STREAM to the device and inode of the service's standard
// error when it leads there, and they still match only if nobody
// redirected it since.
func ToJournal(getenv func(string) string, f *os.File) bool {
	js := getenv("JOURNAL_STREAM")
	if js == "" {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return js == fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}
