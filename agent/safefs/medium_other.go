//go:build !linux && !windows

package safefs

// CheckMedium fails on this operating system (see safefs_other.go).
func CheckMedium(root, anchor *Dir, rules MediumRules) error {
	return &PathError{Op: "check medium", Path: root.Name(), Err: errUnsupported}
}

// Mount fails on this operating system.
func (d *Dir) Mount() (Mount, error) { return Mount{}, errUnsupported }

// Where fails on this operating system.
func (d *Dir) Where() (string, error) { return "", errUnsupported }
