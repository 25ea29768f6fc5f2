package safefs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount returns the entry of the mount table for the mount d is on, found
// by the mount ID statx gave, or else by device and the longest mount
// point above d's current path.
func (d *Dir) Mount() (Mount, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return Mount{}, fmt.Errorf("read the mount table: %w", err)
	}
	ms, err := ParseMountInfo(data)
	if err != nil {
		return Mount{}, err
	}
	if id := d.info.MntID; id != 0 {
		for _, m := range ms {
			if m.ID == id {
				return m, nil
			}
		}
		return Mount{}, fmt.Errorf("mount %d is not in the mount table", id)
	}
	where, err := d.Where()
	if err != nil {
		return Mount{}, err
	}
	best := -1
	for i, m := range ms {
		if m.Dev == d.info.Dev && (where == m.Point || m.Point == "/" || strings.HasPrefix(where, m.Point+"/")) {
			if best < 0 || len(m.Point) >= len(ms[best].Point) {
				best = i
			}
		}
	}
	if best < 0 {
		return Mount{}, fmt.Errorf("no mount of device %d above %s", d.info.Dev, strconv.Quote(where))
	}
	return ms[best], nil
}

// Where returns the path of the directory now, as the kernel knows it
// (the target of /proc/self/fd/N). It differs from Name when the
// directory, or a folder above it, was renamed since it was opened; it
// ends in " (deleted)" when it was removed. For messages and checks only,
// never to open anything.
func (d *Dir) Where() (string, error) {
	p, err := os.Readlink(d.WatchPath())
	if err != nil {
		return "", &PathError{Op: "locate", Path: d.name, Err: err}
	}
	return p, nil
}

// removableMedium reports whether the block device of m says it is
// removable, or is attached through USB (a USB disk often does not say it
// is removable). The answers come from sysfs, which the kernel owns.
func removableMedium(m Mount) bool {
	if !strings.HasPrefix(m.Source, "/dev/") {
		return false
	}
	sys := fmt.Sprintf("/sys/dev/block/%d:%d", unix.Major(m.Dev), unix.Minor(m.Dev))
	real, err := filepath.EvalSymlinks(sys)
	if err != nil {
		return false
	}
	if strings.Contains(real, "/usb") {
		return true
	}
	// A partition has no "removable" file; its disk, one level up, has.
	for _, p := range []string{real + "/removable", filepath.Dir(real) + "/removable"} {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b)) == "1"
		}
	}
	return false
}
