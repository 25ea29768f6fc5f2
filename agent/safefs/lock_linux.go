package safefs

import (
	"errors"
	"fmt"

	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// A folder the public cannot change is one where by-name acts are safe: no
// one but the agent's user can add, rename or remove its entries, so what a
// name held when it was checked is what it holds when it is acted on.
// Moving every entry into a quarantine costs a rename, and the kernel's
// check that a folder is not moved into itself walks up the whole tree, so
// in a deep tree each move costs the depth: the wipe instead closes each
// folder of the session to the public before it lists it (LockForWipe), and
// removes entries there by name. Only entries of folders that were there
// before the session (the root itself, the library's folders), which must
// keep their owner and mode, go through the quarantine.

// wipeMark is set on every folder LockForWipe closes. Only a process with
// CAP_SYS_ADMIN can set a trusted.* attribute, so the public cannot forge
// it: after a crash, a folder of the agent's user that carries it is known
// to be a session's folder that a wipe had closed, not a folder of root's.
const wipeMark = "trusted.ardoise.wipe"

// closedToPublic says whether no one but euid can change the entries of a
// folder: it is euid's and writable by nobody else. With POSIX ACLs, the
// group bits are the mask, so a named user who may write shows as
// group-writable.
func closedToPublic(in Info, euid uint32) bool {
	return in.UID == euid && in.Mode.Perm()&0o022 == 0
}

// LockForWipe closes the folder d, a session's folder about to be emptied
// and removed, to everyone but the agent: it is marked, given to the
// agent's user and set to mode 0700, all through its handle. It reports
// false, and changes nothing, where that cannot be done (the agent is not
// root, or the file system keeps no trusted attributes); the wipe then
// removes its entries through the quarantine. On a folder that was there
// before the session, call Unlock once the wipe is done: the mark keeps
// its owner and mode until then, even across a crash.
func (d *Dir) LockForWipe() (bool, error) {
	euid := unix.Geteuid()
	if euid != 0 {
		return false, nil
	}
	// What the folder is now, not when it was opened: its mode may have
	// changed since (a root is opened at session start).
	in, err := fstatFd(d.fd)
	if err != nil {
		return false, &PathError{Op: "close to the public", Path: d.name, Err: err}
	}
	d.info = in
	if closedToPublic(d.info, uint32(euid)) {
		return true, nil
	}
	// The mark holds the owner and mode the folder had, for Unlock, even
	// after a crash.
	mark := fmt.Sprintf("%d:%d:%o", d.info.UID, d.info.GID, uint32(d.info.Mode.Perm()))
	if err := unix.Fsetxattr(d.fd, wipeMark, []byte(mark), 0); err != nil {
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) {
			return false, nil
		}
		return false, &PathError{Op: "mark", Path: d.name, Err: err}
	}
	// Owner first: once the folder is root's, its former owner can no
	// longer change its mode back between the two calls.
	if err := unix.Fchown(d.fd, 0, 0); err != nil {
		return false, &PathError{Op: "close to the public", Path: d.name, Err: err}
	}
	if err := unix.Fchmod(d.fd, 0o700); err != nil {
		return false, &PathError{Op: "close to the public", Path: d.name, Err: err}
	}
	if in, err = fstatFd(d.fd); err != nil {
		return false, &PathError{Op: "close to the public", Path: d.name, Err: err}
	}
	d.info = in
	return closedToPublic(in, 0), nil
}

// WipeLocked reports whether the folder name of d, with info as stat-ed, is
// one a wipe closed with LockForWipe: the agent's, mode 0700, marked.
func (d *Dir) WipeLocked(name string, info Info) bool {
	if !info.IsDir() || info.UID != uint32(unix.Geteuid()) || info.Mode.Perm() != 0o700 || checkName(name) != nil {
		return false
	}
	var b [64]byte
	// There is no getxattrat before Linux 6.13: the name is looked up in
	// the folder held open, through its descriptor's magic link, and the
	// last component is not followed.
	n, err := unix.Lgetxattr("/proc/self/fd/"+strconv.Itoa(d.fd)+"/"+name, wipeMark, b[:])
	return err == nil && n > 0
}

// Unlock gives a folder that LockForWipe closed, and that the wipe could
// not remove (something in it is kept or still pending), back the owner
// and mode it had, read from its mark, through its handle.
func (d *Dir) Unlock() error {
	var b [64]byte
	n, err := unix.Fgetxattr(d.fd, wipeMark, b[:])
	if err != nil {
		if errors.Is(err, unix.ENODATA) {
			return nil // never closed by a wipe
		}
		return &PathError{Op: "reopen to the public", Path: d.name, Err: err}
	}
	var uid, gid, mode uint32
	if _, err := fmt.Sscanf(string(b[:n]), "%d:%d:%o", &uid, &gid, &mode); err != nil {
		return &PathError{Op: "reopen to the public", Path: d.name, Err: fmt.Errorf("unreadable mark %q: %w", b[:n], err)}
	}
	if err := unix.Fchmod(d.fd, mode&0o777); err != nil {
		return &PathError{Op: "reopen to the public", Path: d.name, Err: err}
	}
	if err := unix.Fchown(d.fd, int(uid), int(gid)); err != nil {
		return &PathError{Op: "reopen to the public", Path: d.name, Err: err}
	}
	if err := unix.Fremovexattr(d.fd, wipeMark); err != nil && !errors.Is(err, unix.ENODATA) {
		return &PathError{Op: "reopen to the public", Path: d.name, Err: err}
	}
	in, err := fstatFd(d.fd)
	if err == nil {
		d.info = in
	}
	return err
}

// ClosedToPublic reports whether only the agent can change the entries of
// d, as seen on its handle, or no one can any more (a folder found
// FrozenWithoutKey): then an entry checked is still the entry its name
// holds when it is removed, and no quarantine is needed.
func (d *Dir) ClosedToPublic() bool { return d.byNameSafe() }

// byNameSafe is ClosedToPublic: the one rule removeVia and the wipe share.
func (d *Dir) byNameSafe() bool {
	return d.frozen || closedToPublic(d.info, uint32(unix.Geteuid()))
}

// IsQuarantine reports whether the entry name of d, with info as stat-ed,
// is a quarantine folder of this agent (made by OpenQuarantine), which a
// wipe neither judges nor removes as an entry.
func (d *Dir) IsQuarantine(name string, info Info) bool {
	return info.IsDir() && strings.HasPrefix(name, quarantinePrefix) &&
		info.UID == uint32(unix.Geteuid()) && info.Mode.Perm() == 0o700
}
