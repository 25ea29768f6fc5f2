//go:build unix

package ipcserver

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Listen creates the agent's socket at path, refusing any object it did not
// make (threats.md I5): a stale socket of the same owner that nobody answers
// on is replaced; a regular file, a link, another owner's socket or a live
// agent make it fail with a message naming the object, and nothing is
// followed or deleted.
//
// system selects the system service's rules: the folder must be owned by
// root and the socket is open to every local user (each request is then
// authorised from the kernel's word on who is calling). Otherwise (the
// foreground agent) the folder must be the user's own and the socket is
// private.
func Listen(path string, system bool) (net.Listener, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("socket path %q must be absolute", path)
	}
	dir := filepath.Dir(path)
	euid := os.Geteuid()
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		// Create it, and only then choose its mode: an existing folder is
		// checked, never "fixed".
		mode := os.FileMode(0o700)
		if system {
			mode = 0o755
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return nil, fmt.Errorf("create socket folder: %w", err)
		}
		if err := makeSocketDir(dir, mode, euid); err != nil {
			return nil, err
		}
	}
	if err := checkDir(dir, euid); err != nil {
		return nil, err
	}
	if err := checkParent(dir, euid); err != nil {
		return nil, err
	}
	if err := clearStale(path, euid); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	mode := os.FileMode(0o600)
	if system {
		mode = 0o666
	}
	if err := os.Chmod(path, mode); err != nil {
		l.Close()
		return nil, fmt.Errorf("set socket permissions: %w", err)
	}
	return l, nil
}

// makeSocketDir makes the socket folder and sets its mode (the umask may
// have narrowed it) through its descriptor, never by name (RC1,
// docs/design.md): the folder above may be one others can write, such as
// /tmp, where a link planted at the name would have its target's mode
// changed by a chmod of the name. A folder that was already there, or that
// is not the one just made, is left as it is: checkDir judges it.
func makeSocketDir(dir string, mode os.FileMode, euid int) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return fmt.Errorf("create socket folder: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("socket folder %s was replaced as soon as it was made (someone who can write the folder above is racing the agent); choose a --socket in a folder only root can write: %w", dir, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("socket folder %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != euid || st.Mode&0o7077 != 0 {
		return fmt.Errorf("socket folder %s was replaced as soon as it was made (someone who can write the folder above is racing the agent); it was left untouched: choose a --socket in a folder only root can write", dir)
	}
	if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
		return fmt.Errorf("set the socket folder's mode: %w", err)
	}
	return nil
}

func checkDir(dir string, euid int) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket folder: %w", err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("socket folder %s is not a folder (it is %v); refusing it", dir, fi.Mode().Type())
	case int(st.Uid) != euid:
		return fmt.Errorf("socket folder %s is owned by uid %d, not %d; refusing it (choose another --socket or fix its owner)", dir, st.Uid, euid)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("socket folder %s can be changed by other users (mode %o); refusing it (run: chmod go-w %s)", dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// checkParent refuses a socket folder inside a folder others can write
// and that is not sticky: there anyone can rename the socket folder away
// and put a link in its place between the agent's calls on the socket's
// path (listen, chmod), which would then act on the link's target (RC1,
// docs/design.md). In a sticky folder (/tmp) only the owner of an entry
// can rename it.
func checkParent(dir string, euid int) error {
	parent := filepath.Dir(dir)
	fi, err := os.Stat(parent)
	if err != nil {
		return fmt.Errorf("socket folder's parent: %w", err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if (st.Uid != 0 && int(st.Uid) != euid) || (fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0) {
		return fmt.Errorf("socket folder %s is inside %s, which other users can change (owner uid %d, mode %o); refusing it (choose a --socket in a folder only root can write, such as /run/ardoise)", dir, parent, st.Uid, fi.Mode().Perm())
	}
	return nil
}

func clearStale(path string, euid int) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("socket %s: %w", path, err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket (%s, owned by uid %d); refusing to touch it — remove it yourself if it is yours", path, kind(fi.Mode()), st.Uid)
	}
	if int(st.Uid) != euid {
		return fmt.Errorf("%s is a socket owned by uid %d; refusing to touch it (another program may be posing as Ardoise)", path, st.Uid)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("another Ardoise agent is already answering on %s", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	}
	return "a special file"
}
