package procs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Holders lists the processes that hold an open file or folder, their
// current folder, their root folder, their program or a memory mapping at
// or beneath dir, an absolute path.
//
// It goes by path prefix, as the kernel shows each of these to the caller
// (the links /proc/PID/cwd, root, exe and fd/*, and the paths of
// /proc/PID/maps), with the device checked too where the link can be
// stat-ed: that is enough for a report, and it sees what an identity
// (device and inode) would miss, a file deleted while open, which keeps a
// key in use as much as any other (the kernel shows it with " (deleted)"
// after its path). A chrooted process is seen by the full path of what it
// holds. What it may miss: a process in a mount namespace of its own that
// reaches the folder through a mount the caller does not have (its paths
// are not ours). A folder moved away after a process entered it is found
// at its new path only: pass the path it has now.
//
// The caller (the agent, as root) can read every process; a process
// gone during the listing is skipped, and one that cannot be read is
// skipped too, since there is nothing to say about it.
func Holders(dir string) ([]Holder, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("holders of %q: want an absolute path", dir)
	}
	dir = filepath.Clean(dir)
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return nil, fmt.Errorf("holders of %s: %w", dir, err)
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("holders of %s: list processes: %w", dir, err)
	}
	self := os.Getpid()
	var out []Holder
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if h, ok := holderOf(pid, dir, st.Dev); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// beneath reports whether the path p, as /proc shows it, is dir or lies
// beneath it. A path shown with " (deleted)" is judged by what it was.
func beneath(p, dir string) bool {
	p = strings.TrimSuffix(p, " (deleted)")
	if dir == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// linkBeneath reads the magic link /proc/PID/name and reports whether it
// leads beneath dir, on dir's device when the object can be stat-ed.
func linkBeneath(base, name, dir string, dev uint64) bool {
	p, err := os.Readlink(base + name)
	if err != nil || !beneath(p, dir) {
		return false
	}
	var st unix.Stat_t
	if unix.Stat(base+name, &st) == nil && st.Dev != dev {
		return false // another mount seen at the same path
	}
	return true
}

func holderOf(pid int, dir string, dev uint64) (Holder, bool) {
	base := "/proc/" + strconv.Itoa(pid) + "/"
	var h Holder
	for _, l := range []string{"cwd", "root", "exe"} {
		if linkBeneath(base, l, dir, dev) {
			h.Holds = append(h.Holds, l)
		}
	}
	if fds, err := os.ReadDir(base + "fd"); err == nil {
		for _, fd := range fds {
			if linkBeneath(base, "fd/"+fd.Name(), dir, dev) {
				h.FDs++
			}
		}
	}
	if h.FDs > 0 {
		h.Holds = append(h.Holds, "fd")
	}
	if mapsBeneath(base+"maps", dir) {
		h.Holds = append(h.Holds, "mmap")
	}
	if len(h.Holds) == 0 {
		return h, false
	}
	p, err := readProc(pid)
	if err != nil {
		return h, false // gone meanwhile
	}
	h.Proc = p
	comm, _ := os.ReadFile(base + "comm")
	h.Comm = string(bytes.TrimSpace(comm))
	return h, true
}

// mapsBeneath reports whether a file mapped by the process lies beneath
// dir. Each line of maps is "start-end perms offset dev inode path"; the
// path, when there is one, is the rest of the line.
func mapsBeneath(maps, dir string) bool {
	f, err := os.Open(maps)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '/')
		if i < 0 {
			continue // anonymous, [heap], [stack]…
		}
		if beneath(line[i:], dir) {
			return true
		}
	}
	return false
}
