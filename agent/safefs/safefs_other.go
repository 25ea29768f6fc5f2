//go:build !linux && !windows

package safefs

import (
	"errors"
	"fmt"
	"runtime"
)

// The handle-anchored primitives exist for Linux and Windows only. On any
// other system (macOS) every operation fails loudly rather than falling
// back to path-based deletion; no Dir can be opened (OpenRoot fails), so
// the walks of beneath.go never run here.
var errUnsupported = fmt.Errorf("safe file operations are unsupported on %s in this version: %w", runtime.GOOS, errors.ErrUnsupported)

var _ dirAPI = (*Dir)(nil)

// Dir is an open directory handle.
type Dir struct {
	name string
	info Info
}

// OpenRoot fails on this operating system.
func OpenRoot(p string, opts RootOptions) (*Dir, error) {
	return nil, &PathError{Op: "open root", Path: p, Err: errUnsupported}
}

func (d *Dir) Name() string                                          { return d.name }
func (d *Dir) Fd() int                                               { return -1 }
func (d *Dir) Info() Info                                            { return Info{} }
func (d *Dir) WatchPath() string                                     { return "" }
func (d *Dir) Close() error                                          { return nil }
func (d *Dir) Reopen() (*Dir, error)                                 { return nil, errUnsupported }
func (d *Dir) Restat() (Info, error)                                 { return Info{}, errUnsupported }
func (d *Dir) Stat(name string) (Info, error)                        { return Info{}, errUnsupported }
func (d *Dir) OpenDir(name string) (*Dir, error)                     { return nil, errUnsupported }
func (d *Dir) OpenParent(want Identity) (*Dir, error)                { return nil, errUnsupported }
func (d *Dir) Unlink(name string) error                              { return errUnsupported }
func (d *Dir) RemoveDir(name string) error                           { return errUnsupported }
func (d *Dir) Rename(oldName string, dir *Dir, newName string) error { return errUnsupported }
func (d *Dir) Tell() int64                                           { return 0 }
func (d *Dir) SeekTo(off int64) error                                { return errUnsupported }
func (d *Dir) makeChild(name string, uid, gid uint32, parentMade bool) (*Dir, bool, error) {
	return nil, false, errUnsupported
}
func (d *Dir) createFile(name string) (*fileHandle, error)       { return nil, errUnsupported }
func (d *Dir) openJudged(name string) (*fileHandle, Info, error) { return nil, Info{}, errUnsupported }
func checkName(name string) error                                { return errUnsupported }
func sameMount(a, b Info) bool                                   { return false }
func checkAncestor(info Info, opts RootOptions) error            { return errUnsupported }

type fileHandle struct{}

func (f *fileHandle) close()                                        {}
func (f *fileHandle) forWrite(Info) (*fileHandle, error)            { return nil, errUnsupported }
func (f *fileHandle) fill(data []byte, perm, uid, gid uint32) error { return errUnsupported }

func (d *Dir) Rewind() error                      { return errUnsupported }
func (d *Dir) ReadEntries(n int) ([]Entry, error) { return nil, errUnsupported }

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
