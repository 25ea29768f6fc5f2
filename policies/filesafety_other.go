//go:build !linux

package policies

import (
	"fmt"
	"os"
)

// CheckFileSafety accepts any policy file on this operating system, and
// LoadTrusted is Load. On Windows the installer sets the ACL of
// %ProgramData%\Ardoise (SYSTEM and Administrators: full control; Users:
// read), and checking a file's owner and mode bits the Linux way would say
// nothing true about who may change it; on macOS the file lives in a
// root-owned folder set up by the installer. A later version may read the
// Windows ACL here.
func CheckFileSafety(path string) error { return nil }

// LoadTrusted is Load on this operating system; see CheckFileSafety.
func LoadTrusted(path string) (*Policy, error) { return Load(path) }

// openPolicy opens a policy file for Load and refuses anything but a
// regular file (a folder, a device), checked on the open file.
func openPolicy(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read policy: %w", err)
		}
		return nil, fmt.Errorf("%s: is not a regular file; refusing it (put the policy in an ordinary file)", path)
	}
	return f, nil
}
