// Package safefs is the only way Ardoise's privileged code touches the
// folders a user can write to. Everything is relative to a directory handle
// that was opened without following a symbolic link, one path component at a
// time, so that a user who swaps a folder for a link between two of our system
// calls redirects nothing (threats.md T1, D1, D2).
//
// The package offers primitives, not policy: open a root, stat an entry
// without following it, open a child directory and check it is the one that
// was listed, list names, unlink. Deciding what may be deleted is the wipe
// package's job.
package safefs

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Identity names a file system object independently of its path. Two entries
// with the same Dev and Ino are the same object; Btime (birth time, in
// nanoseconds since the epoch, 0 when the file system has none) tells a reused
// inode number from the original. On Windows Btime is always 1: file IDs
// are not reused, and the creation time can be set by users.
type Identity struct {
	Dev   uint64
	Ino   uint64
	Btime int64
}

// Info is what a stat without following links says about an entry.
type Info struct {
	Identity
	// MntID is the kernel's mount ID (0 when unknown). Two entries with
	// different mount IDs are on different mounts, even on one device.
	MntID uint64
	// MountRoot reports whether the entry is the root of a mount.
	MountRoot bool
	// Mode holds the type bits and permissions.
	Mode  fs.FileMode
	UID   uint32
	GID   uint32
	Nlink uint64
	Size  int64
	// Ctime is the status change time in nanoseconds: it changes when the
	// content or the metadata changes, and a user cannot set it.
	Ctime int64
	// Owner is the owner's SID on Windows, where UID is 0 for the
	// built-in system accounts and NobodyUID for everyone else; empty
	// elsewhere.
	Owner string
	// Attributes are the Windows file attributes (read-only, hidden,
	// system, …); 0 elsewhere.
	Attributes uint32
	// ReparseTag is the Windows reparse tag (0 for none, and elsewhere);
	// ClassifyReparse says what it means.
	ReparseTag uint32
}

// OwnerUnknown is Info.Owner on Windows when the owner could not be read:
// it matches no SID.
const OwnerUnknown = "?"

// NobodyUID is the UID given on Windows to every owner that is not a
// built-in system account: it matches no session user, so a check by UID
// fails closed there until it compares SIDs.
const NobodyUID = 0xFFFFFFFF

// IsDir reports whether the entry is a directory.
func (i Info) IsDir() bool { return i.Mode.IsDir() }

// OwnedBy reports whether one of the accounts owns the entry: by SID when
// the entry has an owner SID (Windows, where the UID of every account but
// SYSTEM is NobodyUID and must not decide), else by uid.
func (i Info) OwnedBy(uids []uint32, sids []string) bool {
	if i.Owner != "" {
		for _, s := range sids {
			if strings.EqualFold(s, i.Owner) {
				return true
			}
		}
		return false
	}
	for _, u := range uids {
		if u == i.UID {
			return true
		}
	}
	return false
}

// Entry is one name read from a directory.
type Entry struct {
	// Name is the raw bytes of the name; it may be invalid UTF-8 or hold
	// control characters.
	Name string
	// Type is the type the directory listing gave (fs.ModeDir,
	// fs.ModeSymlink, 0 for a regular file, …). It is a hint: the entry can
	// change before it is used, so callers stat it before acting.
	Type fs.FileMode
	// TypeKnown is false when the file system did not say.
	TypeKnown bool
}

var (
	// ErrSymlink means a path component is a symbolic link (or, on
	// Windows, a junction or other reparse point).
	ErrSymlink = errors.New("is a symbolic link")
	// ErrNotDir means a path component is not a directory.
	ErrNotDir = errors.New("is not a directory")
	// ErrUnsafeAncestor means a folder above a root can be changed by
	// someone other than root or the session user.
	ErrUnsafeAncestor = errors.New("is writable by other users")
	// ErrChanged means an entry changed between the listing and its use
	// (another object now has that name).
	ErrChanged = errors.New("changed while being read")
	// ErrNotAbsolute means a root path is not absolute and clean.
	ErrNotAbsolute = errors.New("is not an absolute, clean path")
)

// PathError describes a failure on one component of a path.
type PathError struct {
	Op   string // "open root", "open", "unlink", …
	Path string // the path or name being worked on, for messages only
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("%s %q: %v", e.Op, e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// RootOptions says which owners are trusted for the folders above a root.
type RootOptions struct {
	// TrustedUIDs are the owners allowed for every folder above the root,
	// besides root (uid 0), which is always trusted. Usually the session
	// user.
	TrustedUIDs []uint32
	// TrustedSIDs are the same on Windows, as SIDs ("S-1-5-21-…"):
	// besides them only SYSTEM, Administrators and TrustedInstaller are
	// trusted there.
	TrustedSIDs []string
}

func (o RootOptions) trusts(uid uint32) bool {
	if uid == 0 {
		return true
	}
	for _, u := range o.TrustedUIDs {
		if u == uid {
			return true
		}
	}
	return false
}

// OpenDirExpect opens the child directory name like OpenDir and checks that
// it is the object want (same device and inode), as listed earlier. On a
// mismatch it closes it and fails with ErrChanged: the name was replaced
// between the listing and the open.
func (d *Dir) OpenDirExpect(name string, want Identity) (*Dir, error) {
	nd, err := d.OpenDir(name)
	if err != nil {
		return nil, err
	}
	if in := nd.Info(); in.Dev != want.Dev || in.Ino != want.Ino {
		nd.Close()
		return nil, &PathError{Op: "open", Path: name, Err: ErrChanged}
	}
	return nd, nil
}
