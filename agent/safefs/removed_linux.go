package safefs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Removed reports whether the directory d holds was deleted (rmdir) since
// it was opened: its link count is 0 and the kernel refuses to list it.
// Both are read on the handle, never by name: a folder moved elsewhere, or
// a new folder made at the old name, is not "removed" (RCR11). A
// directory can only be deleted once empty, and nothing can be created in
// it after, so a removed directory holds nothing of the session's.
func (d *Dir) Removed() bool {
	var st unix.Stat_t
	if err := unix.Fstat(d.fd, &st); err != nil || st.Nlink != 0 || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return false
	}
	// A second handle, so that d's read position is left alone.
	fd, err := unix.Openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return errors.Is(err, unix.ENOENT)
	}
	defer unix.Close(fd)
	_, err = unix.Getdents(fd, make([]byte, 4096))
	return errors.Is(err, unix.ENOENT)
}
