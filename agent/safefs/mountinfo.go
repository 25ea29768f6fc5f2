package safefs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mount is one line of the kernel's mount table (/proc/self/mountinfo).
type Mount struct {
	// ID is the mount ID, the same number statx gives as MntID.
	ID uint64
	// Parent is the ID of the mount this one is mounted on.
	Parent uint64
	// Dev is the device number of the file system (st_dev).
	Dev uint64
	// Root is the folder of the file system that appears at Point (a
	// bind mount of a sub-folder shows that sub-folder here).
	Root string
	// Point is where the file system is mounted, in this process's view.
	Point string
	// Options are the per-mount options (ro, nosuid, …).
	Options string
	// FSType is the file system type: ext4, tmpfs, vfat, nfs4,
	// fuse.sshfs, …
	FSType string
	// Source is what was mounted: a device such as /dev/sdb1, a share
	// such as //srv/partage, or a word such as tmpfs.
	Source string
}

// ParseMountInfo reads the format of /proc/PID/mountinfo (proc(5)). It
// is exported so that the media rules can be tested on recorded tables.
func ParseMountInfo(data []byte) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 7 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mount table line %d: %w", line, errBadMountLine)
		}
		id, err1 := strconv.ParseUint(f[0], 10, 64)
		parent, err2 := strconv.ParseUint(f[1], 10, 64)
		maj, min, ok := strings.Cut(f[2], ":")
		ma, err3 := strconv.ParseUint(maj, 10, 32)
		mi, err4 := strconv.ParseUint(min, 10, 32)
		if err := errors.Join(err1, err2, err3, err4); err != nil || !ok {
			return nil, fmt.Errorf("mount table line %d: %w", line, errBadMountLine)
		}
		out = append(out, Mount{
			ID: id, Parent: parent, Dev: mkdev(uint32(ma), uint32(mi)),
			Root: UnescapeMount(f[3]), Point: UnescapeMount(f[4]), Options: f[5],
			FSType: UnescapeMount(f[sep+1]), Source: UnescapeMount(f[sep+2]),
		})
	}
	return out, sc.Err()
}

var errBadMountLine = errors.New("unexpected format")

// mkdev encodes a device number as Linux's new_encode_dev and
// golang.org/x/sys/unix.Mkdev do, so that it compares with Info.Dev.
func mkdev(major, minor uint32) uint64 {
	dev := (uint64(major) & 0x00000fff) << 8
	dev |= (uint64(major) & 0xfffff000) << 32
	dev |= (uint64(minor) & 0x000000ff) << 0
	dev |= (uint64(minor) & 0xffffff00) << 12
	return dev
}

// UnescapeMount decodes the octal escapes (\040 for a space, …) of the
// mount table.
func UnescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
