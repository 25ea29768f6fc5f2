package safefs

import (
	"errors"
	"slices"
	"strings"
)

// ErrRemovableMedium means a folder is on removable media (a USB key, a
// memory card) or on a network file system. Ardoise never watches or wipes
// such a folder unless the policy names that device (threats.md D1, M5).
var ErrRemovableMedium = errors.New("is on removable or network media")

// DefaultRemovableTypes are the file system types taken for removable or
// network media: what USB keys and cards are formatted with, network and
// cluster file systems, and FUSE (a user can mount anything with it). A
// type "fuse" also covers "fuse.sshfs" and the like.
var DefaultRemovableTypes = []string{
	"vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk", "fuse", "iso9660", "udf", "hfs", "hfsplus",
	"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "davfs",
}

// MediumRules says on which media a root may lie.
type MediumRules struct {
	// RemovableTypes replaces DefaultRemovableTypes when not nil (tests
	// use it to count tmpfs as removable).
	RemovableTypes []string
	// AllowSources lists mount sources the policy accepts explicitly, as
	// the mount table shows them ("/dev/sdb1", "//srv/partage").
	AllowSources []string
}

// removableType reports whether fstype is in the list, "fuse" standing
// for every "fuse.*" type.
func (r MediumRules) removableType(fstype string) bool {
	types := r.RemovableTypes
	if types == nil {
		types = DefaultRemovableTypes
	}
	for _, t := range types {
		if fstype == t || strings.HasPrefix(fstype, t+".") {
			return true
		}
	}
	return false
}

// mediumVerdict is the pure part of CheckMedium: m is the root's mount,
// anchorMnt the mount ID of the folder it must share a mount with (0 for
// none) and removable what the kernel says about the device.
func mediumVerdict(m Mount, rootMnt, anchorMnt uint64, removable bool, rules MediumRules) error {
	if slices.Contains(rules.AllowSources, m.Source) {
		return nil
	}
	if removable || rules.removableType(m.FSType) {
		return ErrRemovableMedium
	}
	if anchorMnt != 0 && rootMnt != anchorMnt {
		return ErrOtherMount
	}
	return nil
}
