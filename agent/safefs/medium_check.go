//go:build linux || windows

package safefs

import (
	"fmt"
	"strconv"
)

// CheckMedium tells whether root may be watched and wiped, judging by the
// medium it lies on. It fails with an error wrapping ErrRemovableMedium
// ("support amovible ou réseau") when the root's file system is of a
// removable or network type, or its device says it is removable or sits on
// USB; and with one wrapping ErrOtherMount ("autre support que le dossier
// personnel") when the root is on another mount than anchor (the home
// directory it was resolved from), for instance because the root is itself
// a mount point. A source listed in rules.AllowSources is accepted. anchor
// may be nil to check the medium alone. On Windows the medium is the
// volume and Windows' drive type says whether it is removable, optical or
// on the network (threats.md W5: a known folder redirected to D:\ or
// \\srv\partage).
func CheckMedium(root, anchor *Dir, rules MediumRules) error {
	m, err := root.Mount()
	if err != nil {
		return &PathError{Op: "check medium", Path: root.name, Err: err}
	}
	var anchorMnt uint64
	if anchor != nil {
		am, err := anchor.Mount()
		if err != nil {
			return &PathError{Op: "check medium", Path: anchor.name, Err: err}
		}
		anchorMnt = am.ID
	}
	if err := mediumVerdict(m, m.ID, anchorMnt, removableMedium(m), rules); err != nil {
		return &PathError{Op: "check medium", Path: root.name, Err: fmt.Errorf("%w (%s %s)", err, m.FSType, strconv.Quote(m.Source))}
	}
	return nil
}
