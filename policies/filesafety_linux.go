package policies

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// CheckFileSafety reports whether the policy file at path may be trusted by
// an agent running as root (threats.md S1): a regular file, owned by root,
// not writable by group or others, in folders that only root can change. A
// policy that a user can edit, or replace, would let that user choose what
// root deletes. The error says what is wrong and the command that fixes it.
func CheckFileSafety(path string) error {
	f, err := openTrusted(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// LoadTrusted is Load for the privileged agent: it checks the file as
// CheckFileSafety does and reads the very file it checked (through one open
// descriptor), so that it cannot be swapped between the check and the read.
func LoadTrusted(path string) (*Policy, error) {
	f, err := openTrusted(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFrom(path, f)
}

// openTrusted opens path without following a link in its last component and
// without blocking on a FIFO, then checks the open file and the folders
// above it.
func openTrusted(path string) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("check policy file %s: %w", path, err)
	}
	// The folders are checked where they really are; a link on the way is
	// fine if its target and everything above the target is root's alone.
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("check policy file %s: %w", path, err)
	}
	if err := checkFolders(path, dir); err != nil {
		return nil, err
	}
	return openRegular(path, filepath.Join(dir, filepath.Base(abs)), checkFile)
}

// openPolicy opens a policy file for Load: the file itself, not what a
// link points to (a link to /etc/shadow would be read, and its lines
// quoted in the refusal, RCR13), and without blocking on a FIFO
// put in its place (the reload would hang in open(), R14).
func openPolicy(path string) (*os.File, error) {
	return openRegular(path, path, func(string, *unix.Stat_t) error { return nil })
}

// openRegular opens real (the policy named path) without following a link
// in its last component and without blocking, then refuses anything but a
// regular file, decided on the open descriptor, and runs check on it.
func openRegular(path, real string, check func(string, *unix.Stat_t) error) (*os.File, error) {
	fd, err := unix.Open(real, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("%s: is a symbolic link; refusing it (copy the policy into place instead of linking it)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("check policy file %s: %w", path, &os.PathError{Op: "open", Path: real, Err: err})
	}
	f := os.NewFile(uintptr(fd), real)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("check policy file %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, fmt.Errorf("%s: is a %s, not a regular file; refusing it (put the policy in an ordinary file)", path, fileKind(st.Mode))
	}
	if err := check(path, &st); err != nil {
		f.Close()
		return nil, err
	}
	// Reads must block normally from here on (O_NONBLOCK was only there
	// so that opening a FIFO could not hang the agent).
	if err := unix.SetNonblock(fd, false); err != nil {
		f.Close()
		return nil, fmt.Errorf("check policy file %s: %w", path, err)
	}
	return f, nil
}

func checkFile(path string, st *unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s: is a %s, not a regular file; refusing it (put the policy in an ordinary file)", path, fileKind(st.Mode))
	}
	if st.Uid != 0 {
		return fmt.Errorf("%s: owned by %s, not root; refusing it (run: chown root:root %s)", path, userName(st.Uid), path)
	}
	if st.Mode&0o020 != 0 {
		return fmt.Errorf("%s: writable by group %q; refusing it (run: chmod 644 %s)", path, groupName(st.Gid), path)
	}
	if st.Mode&0o002 != 0 {
		return fmt.Errorf("%s: writable by everyone; refusing it (run: chmod 644 %s)", path, path)
	}
	return nil
}

// checkFolders refuses a policy in a folder that someone other than root
// could change: whoever can rename or replace entries in dir or above it can
// replace the policy. A sticky folder (/tmp) is fine: there only an entry's
// owner, here root, may rename or delete it.
func checkFolders(path, dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		var st unix.Stat_t
		if err := unix.Stat(d, &st); err != nil {
			return fmt.Errorf("check policy file %s: %w", path, &os.PathError{Op: "stat", Path: d, Err: err})
		}
		sticky := st.Mode&unix.S_ISVTX != 0
		switch {
		case st.Uid != 0:
			return fmt.Errorf("%s: its folder %s is owned by %s, not root; refusing it (run: chown root:root %s, or move the policy to /etc/ardoise)", path, d, userName(st.Uid), d)
		case st.Mode&0o020 != 0 && !sticky:
			return fmt.Errorf("%s: its folder %s is writable by group %q; refusing it (run: chmod 755 %s)", path, d, groupName(st.Gid), d)
		case st.Mode&0o002 != 0 && !sticky:
			return fmt.Errorf("%s: its folder %s is writable by everyone; refusing it (run: chmod 755 %s)", path, d, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func fileKind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return "folder"
	case unix.S_IFIFO:
		return "named pipe"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "device"
	}
	return "special file"
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return strconv.Quote(u.Username)
	}
	return "uid " + strconv.FormatUint(uint64(uid), 10)
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
		return g.Name
	}
	return strconv.FormatUint(uint64(gid), 10)
}
