package policies

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// CheckFileSafety reports whether the policy file at path may be trusted by
// an agent running as root: a regular file, owned by root, that nobody else
// can change (threats.md S1). A policy that a user can edit would let that
// user choose what root deletes.
func CheckFileSafety(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("check policy file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: is a %s, not a regular file; refusing it (copy the policy into place instead of linking it)", path, fileKind(fi.Mode()))
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%s: cannot read its owner; refusing it", path)
	}
	if st.Uid != 0 {
		return fmt.Errorf("%s: owned by %s, not root; refusing it (run: chown root:root %s)", path, userName(st.Uid), path)
	}
	if fi.Mode().Perm()&0o020 != 0 {
		return fmt.Errorf("%s: writable by group %q; refusing it (run: chmod 644 %s)", path, groupName(st.Gid), path)
	}
	if fi.Mode().Perm()&0o002 != 0 {
		return fmt.Errorf("%s: writable by everyone; refusing it (run: chmod 644 %s)", path, path)
	}
	return nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "folder"
	}
	return "special file"
}

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.Itoa(int(uid))); err == nil {
		return strconv.Quote(u.Username)
	}
	return "uid " + strconv.Itoa(int(uid))
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.Itoa(int(gid))); err == nil {
		return g.Name
	}
	return strconv.Itoa(int(gid))
}
