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
		if err := os.Mkdir(dir, mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create socket folder: %w", err)
		}
		os.Chmod(dir, mode) // the umask may have narrowed it
	}
	if err := checkDir(dir, euid); err != nil {
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
