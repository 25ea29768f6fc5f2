//go:build !windows

package journal

import (
	"fmt"
	"os"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// CheckStateDir verifies that dir is a directory owned by the current user,
// mode 0700, and that no folder above it can be changed by anyone else
// (threats.md S2, D10).
func CheckStateDir(dir string) error {
	euid := uint32(os.Geteuid())
	d, err := safefs.OpenRoot(dir, safefs.RootOptions{TrustedUIDs: []uint32{euid}})
	if err != nil {
		return fmt.Errorf("state directory %s: %w: %w; it must be a real folder whose parents only you and root can change", dir, ErrUnsafeStateDir, err)
	}
	defer d.Close()
	in := d.Info()
	if in.UID != euid {
		return fmt.Errorf("state directory %s is owned by uid %d, not %d: %w (run: chown %d %s)", dir, in.UID, euid, ErrUnsafeStateDir, euid, dir)
	}
	if in.Mode.Perm() != 0o700 {
		return fmt.Errorf("state directory %s has mode %o, not 700: %w (run: chmod 700 %s)", dir, in.Mode.Perm(), ErrUnsafeStateDir, dir)
	}
	return nil
}

// MakeStateDir creates the state folder dir if it is missing, private to
// the agent's account (mode 0700). An existing folder is left as it is:
// CheckStateDir judges it.
func MakeStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the state folder %s: %w", dir, err)
	}
	return nil
}
