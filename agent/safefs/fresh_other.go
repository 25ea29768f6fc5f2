//go:build !linux

package safefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// The primitives for per-session encryption exist on Linux only, where
// folders can be encrypted (agent/cryptoerase).
var errNoFresh = fmt.Errorf("folder exchange is Linux only, not %s: %w", runtime.GOOS, errors.ErrUnsupported)

// MkdirFresh is Linux only.
func (d *Dir) MkdirFresh(name string) (*Dir, error) { return nil, errNoFresh }

// Exchange is Linux only.
func (d *Dir) Exchange(a, b string) error { return errNoFresh }

// SetOwner is Linux only.
func (d *Dir) SetOwner(uid, gid uint32, perm fs.FileMode) error { return errNoFresh }

// File is Linux only.
func (d *Dir) File() (*os.File, error) { return nil, errNoFresh }

// FolderHandle is a kernel file handle: Linux only here.
type FolderHandle struct{}

// FolderHandle is Linux only.
func (d *Dir) FolderHandle() (FolderHandle, error) { return FolderHandle{}, errNoFresh }

// Bytes is Linux only.
func (h FolderHandle) Bytes() (typ int32, b []byte) { return 0, nil }

// FolderHandleOf is Linux only.
func FolderHandleOf(typ int32, b []byte) FolderHandle { return FolderHandle{} }

// OpenFolderHandle is Linux only.
func (d *Dir) OpenFolderHandle(h FolderHandle, want Identity) (*Dir, error) { return nil, errNoFresh }
