//go:build unix

package endsteps

import (
	"os"
	"syscall"
)

func fileOwnedByRoot(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0
}
