package safefs

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// MountPoints returns the paths, relative to d, of the mount points below
// d, from the kernel's mount table. The walker treats them as boundaries
// without stat-ing them: a stat of a FUSE mount's root calls into its server,
// which a user can make hang forever (threats.md T4, M3). d's own path comes
// from the kernel (/proc/self/fd), so a rename of d or of its parents is
// followed.
func (d *Dir) MountPoints() (map[string]bool, error) {
	self, err := os.Readlink(d.WatchPath())
	if err != nil {
		return nil, &PathError{Op: "mount table", Path: d.name, Err: err}
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, &PathError{Op: "mount table", Path: "/proc/self/mountinfo", Err: err}
	}
	prefix := strings.TrimSuffix(self, "/") + "/"
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		mp := UnescapeMount(f[4])
		if strings.HasPrefix(mp, prefix) {
			out[mp[len(prefix):]] = true
		}
	}
	return out, sc.Err()
}
