//go:build !linux && !windows

package safefs

import (
	"errors"
	"fmt"
	"runtime"
)

// As of 2026-11, the handle-anchored primitives exist for Linux only. The
// Windows design (NtCreateFile relative to the parent handle with
// OBJ_DONT_REPARSE and FILE_OPEN_REPARSE_POINT, delete by handle with
// FileDispositionInfoEx) is described in threats.md D2/D14 and tracked as
// its own work; until it lands every operation fails loudly rather than
// falling back to path-based deletion.
var errUnsupported = fmt.Errorf("safe file operations are unsupported on %s in this version: %w", runtime.GOOS, errors.ErrUnsupported)

// Dir is an open directory handle.
type Dir struct{ name string }

// ErrOtherMount means a folder is on another mount than the one it was
// reached from.
var ErrOtherMount = errors.New("is on another mount")

// OpenRoot fails on this operating system.
func OpenRoot(p string, opts RootOptions) (*Dir, error) {
	return nil, &PathError{Op: "open root", Path: p, Err: errUnsupported}
}

func (d *Dir) OpenBeneath(rel string, opts RootOptions) (*Dir, error) { return nil, errUnsupported }
func (d *Dir) Name() string                                           { return d.name }
func (d *Dir) Fd() int                                                { return -1 }
func (d *Dir) Info() Info                                             { return Info{} }
func (d *Dir) WatchPath() string                                      { return "" }
func (d *Dir) Close() error                                           { return nil }
func (d *Dir) Reopen() (*Dir, error)                                  { return nil, errUnsupported }
func (d *Dir) Restat() (Info, error)                                  { return Info{}, errUnsupported }
func (d *Dir) Stat(name string) (Info, error)                         { return Info{}, errUnsupported }
func (d *Dir) OpenDir(name string) (*Dir, error)                      { return nil, errUnsupported }
func (d *Dir) OpenParent(want Identity) (*Dir, error)                 { return nil, errUnsupported }
func (d *Dir) Unlink(name string) error                               { return errUnsupported }
func (d *Dir) RemoveDir(name string) error                            { return errUnsupported }
func (d *Dir) Rename(oldName string, dir *Dir, newName string) error  { return errUnsupported }
func (d *Dir) Tell() int64                                            { return 0 }
func (d *Dir) SeekTo(off int64) error                                 { return errUnsupported }
func (d *Dir) MkdirBeneath(rel string, uid, gid uint32, opts RootOptions) (*Dir, error) {
	return nil, errUnsupported
}
func (d *Dir) ReplaceFile(name string, want *Identity, data []byte, perm uint32, uid, gid uint32) error {
	return errUnsupported
}
func (d *Dir) Rewind() error                      { return errUnsupported }
func (d *Dir) ReadEntries(n int) ([]Entry, error) { return nil, errUnsupported }

// ErrNotRegular means a name is not a regular file where one is expected.
var ErrNotRegular = errors.New("is not a regular file")

// ErrTooLarge means a file is larger than the caller accepts.
var ErrTooLarge = errors.New("is too large")

// ReadFile fails on this operating system.
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) { return nil, errUnsupported }

// Quarantine does not exist on this operating system.
type Quarantine struct{}

// OpenQuarantine fails on this operating system.
func (d *Dir) OpenQuarantine() (*Quarantine, int, error) { return nil, 0, errUnsupported }

// Close does nothing.
func (q *Quarantine) Close() error { return nil }

// Where is empty.
func (q *Quarantine) Where() string { return "" }

// RemoveExpect fails on this operating system.
func (d *Dir) RemoveExpect(q *Quarantine, name string, want Identity) error { return errUnsupported }

// RemoveDirExpect fails on this operating system.
func (d *Dir) RemoveDirExpect(q *Quarantine, name string, want Identity) error {
	return errUnsupported
}

// LockForWipe changes nothing on this operating system.
func (d *Dir) LockForWipe() (bool, error) { return false, nil }

// WipeLocked is false on this operating system.
func (d *Dir) WipeLocked(name string, info Info) bool { return false }

// ClosedToPublic is false on this operating system.
func (d *Dir) ClosedToPublic() bool { return false }

// IsQuarantine is false on this operating system.
func (d *Dir) IsQuarantine(name string, info Info) bool { return false }

// Unlock has nothing to undo here.
func (d *Dir) Unlock() error { return nil }
