//go:build !linux

package cryptoerase

import (
	"fmt"
	"os"
	"runtime"
)

// Key is never made on this system.
type Key struct{}

var errSystem = fmt.Errorf("%w: %s has no per-session folder encryption with the system's own means; use full-disk encryption (BitLocker, FileVault) so that a disk taken out reveals nothing", ErrUnsupported, runtime.GOOS)

// NewKey reports ErrUnsupported.
func NewKey() (*Key, error) { return nil, errSystem }

// Secret is false.
func (k *Key) Secret() bool { return false }

// Destroy does nothing.
func (k *Key) Destroy() {}

// Probe reports ErrUnsupported.
func Probe(*os.File) error { return errSystem }

// Add reports ErrUnsupported.
func Add(*os.File, *Key) (ID, error) { return ID{}, errSystem }

// SetPolicy reports ErrUnsupported.
func SetPolicy(*os.File, ID) error { return errSystem }

// PolicyID reports ErrUnsupported.
func PolicyID(*os.File) (ID, error) { return ID{}, errSystem }

// KeyStatus reports ErrUnsupported.
func KeyStatus(*os.File, ID) (Status, error) { return 0, errSystem }

// Remove reports ErrUnsupported.
func Remove(*os.File, ID) (Status, error) { return 0, errSystem }
