package watch

import (
	"errors"

	"golang.org/x/sys/unix"
)

func checkPlatform() error { return nil }

// fdBudget is the number of watches the open-file limit allows: each watch
// keeps a directory handle, and the agent must keep at least half of its
// descriptors for the wiper, the journal and its clients (threats.md R1
// runs it with 256).
func fdBudget() int {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 1 << 30
	}
	return max(8, (int(r.Cur)-64)/2)
}

// isLimitErr reports whether err is the kernel refusing a watch for lack of
// budget: max_user_watches (ENOSPC) or descriptors.
func isLimitErr(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)
}
