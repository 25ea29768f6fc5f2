package agent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// machine is where the checks read the system: the real one in
// promiseChecks, a prepared tree in the tests (dm-crypt cannot be set up
// on the kernel the tests run on: it has no device-mapper).
type machine struct {
	swaps   string   // /proc/swaps
	sys     string   // /sys
	units   []string // where systemd masks units: /etc/systemd/system, /run/systemd/system
	sleep   string   // systemd's sleep.conf
	sleepD  []string // its drop-in folders, lowest precedence first
	devOf   func(name, typ string) (major, minor uint32, err error)
	maxDeep int // how deep the device stack is followed
}

var realMachine = machine{
	swaps:   "/proc/swaps",
	sys:     "/sys",
	units:   []string{"/etc/systemd/system", "/run/systemd/system"},
	sleep:   "/etc/systemd/sleep.conf",
	sleepD:  []string{"/usr/lib/systemd/sleep.conf.d", "/run/systemd/sleep.conf.d", "/etc/systemd/sleep.conf.d"},
	devOf:   swapDevice,
	maxDeep: 8,
}

func promiseChecks() []PromiseCheck {
	return append(realMachine.swapChecks(), realMachine.hibernationCheck())
}

// swapDevice is the block device a swap area's pages are written to: the
// device itself for a partition, the file system's device for a file.
func swapDevice(name, typ string) (major, minor uint32, err error) {
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		return 0, 0, err
	}
	dev := st.Dev
	if typ == "partition" {
		dev = st.Rdev
	}
	return unix.Major(dev), unix.Minor(dev), nil
}

type swapArea struct{ name, typ string }

// parseSwaps reads /proc/swaps: a header line, then one line per area,
// "NAME TYPE SIZE USED PRIORITY"; the kernel writes a space, a tab, a
// newline or a backslash in NAME as \040, \011, \012, \134.
func parseSwaps(data []byte) ([]swapArea, error) {
	var out []swapArea
	sc := bufio.NewScanner(bytes.NewReader(data))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			if strings.HasPrefix(line, "Filename") {
				continue
			}
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		out = append(out, swapArea{name: safefs.UnescapeMount(f[0]), typ: f[1]})
	}
	return out, sc.Err()
}

// swapFix is what to do with a swap area that writes memory to the disk
// in clear.
func swapFix(a swapArea) string {
	return fmt.Sprintf("swapoff %s and remove it from /etc/fstab; or encrypt swap with cryptsetup (a random key at each boot: a \"swap\" line in /etc/crypttab); or use zram (swap in memory, e.g. the zram-tools or systemd-zram-generator package)", a.name)
}

// swapChecks is one check per swap area, or one saying there is none.
func (m machine) swapChecks() []PromiseCheck {
	data, err := os.ReadFile(m.swaps)
	if err != nil {
		return []PromiseCheck{{Code: "swap", Found: "unknown", Problem: fmt.Sprintf("cannot read %s: %v", m.swaps, err), Fix: "check that /proc is mounted"}}
	}
	areas, err := parseSwaps(data)
	if err != nil {
		return []PromiseCheck{{Code: "swap", Found: "unknown", Problem: fmt.Sprintf("cannot read %s: %v", m.swaps, err), Fix: "report this to Ardoise's maintainers with the file's content"}}
	}
	if len(areas) == 0 {
		return []PromiseCheck{{Code: "swap", OK: true, Found: "no swap"}}
	}
	var out []PromiseCheck
	for _, a := range areas {
		out = append(out, m.swapCheck(a))
	}
	return out
}

func (m machine) swapCheck(a swapArea) PromiseCheck {
	c := PromiseCheck{Code: "swap"}
	major, minor, err := m.devOf(a.name, a.typ)
	if err != nil {
		c.Found = a.name + ": unknown"
		c.Problem = fmt.Sprintf("cannot tell whether swap %s is encrypted: %v", a.name, err)
		c.Fix = swapFix(a)
		return c
	}
	dev := filepath.Join(m.sys, "dev", "block", fmt.Sprintf("%d:%d", major, minor))
	dir, err := filepath.EvalSymlinks(dev)
	if err != nil {
		c.Found = fmt.Sprintf("%s: on device %d:%d", a.name, major, minor)
		c.Problem = fmt.Sprintf("cannot tell whether swap %s is encrypted: device %d:%d is not a block device the kernel lists (a file on btrfs, or on a network file system?)", a.name, major, minor)
		c.Fix = swapFix(a)
		return c
	}
	base := filepath.Base(dir)
	kind := a.typ
	if kind == "partition" {
		kind = "a partition"
	} else {
		kind = "a file on /dev/" + base
	}
	switch {
	case strings.HasPrefix(base, "zram"):
		c.OK, c.Found = true, a.name+": in memory (zram)"
	case m.encrypted(dir, 0):
		c.OK, c.Found = true, fmt.Sprintf("%s: %s, encrypted (dm-crypt)", a.name, kind)
	default:
		c.Found = fmt.Sprintf("%s: %s, not encrypted", a.name, kind)
		c.Problem = fmt.Sprintf("swap %s is not encrypted: memory written there (documents being read, the session's key) stays readable on the disk", a.name)
		c.Fix = swapFix(a)
	}
	return c
}

// encrypted reports whether the block device at dir (a folder of
// /sys/devices), or one it is built on, is a dm-crypt mapping: whatever
// reaches the disk through it is encrypted (LVM on LUKS, LUKS on a
// partition, plain dm-crypt with a random key). A partition is looked at
// through itself only: its disk is never a mapping.
func (m machine) encrypted(dir string, depth int) bool {
	if depth > m.maxDeep {
		return false
	}
	if uuid, err := os.ReadFile(filepath.Join(dir, "dm", "uuid")); err == nil && strings.HasPrefix(string(uuid), "CRYPT-") {
		return true
	}
	slaves, err := os.ReadDir(filepath.Join(dir, "slaves"))
	if err != nil {
		return false
	}
	for _, s := range slaves {
		next, err := filepath.EvalSymlinks(filepath.Join(dir, "slaves", s.Name()))
		if err == nil && m.encrypted(next, depth+1) {
			return true
		}
	}
	return false
}

const hibernateFix = "systemctl mask hibernate.target hybrid-sleep.target suspend-then-hibernate.target (or AllowHibernation=no under [Sleep] in /etc/systemd/sleep.conf.d/ardoise.conf)"

// hibernationCheck says whether the computer can hibernate: hibernation
// writes all of memory, the session's key included, to the disk. It is
// off when the kernel offers no "disk" state or has it disabled, when
// systemd's sleep.conf says AllowHibernation=no, or when the three
// targets that hibernate are masked; possible otherwise.
func (m machine) hibernationCheck() PromiseCheck {
	c := PromiseCheck{Code: "hibernation"}
	state, err := os.ReadFile(filepath.Join(m.sys, "power", "state"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.OK, c.Found = true, "off (this kernel has no power management: no /sys/power/state)"
		return c
	case err != nil:
		c.Found = "unknown"
		c.Problem = fmt.Sprintf("cannot tell whether this computer can hibernate: %v", err)
		c.Fix = hibernateFix
		return c
	case !slices.Contains(strings.Fields(string(state)), "disk"):
		c.OK, c.Found = true, "off (the kernel offers no hibernation: no \"disk\" in /sys/power/state)"
		return c
	}
	if mode, err := os.ReadFile(filepath.Join(m.sys, "power", "disk")); err == nil && strings.Contains(string(mode), "[disabled]") {
		c.OK, c.Found = true, "off (disabled by the kernel: /sys/power/disk)"
		return c
	}
	if v, file, ok := m.allowHibernation(); ok && !v {
		c.OK, c.Found = true, "off (AllowHibernation=no in "+file+")"
		return c
	}
	var open []string
	for _, t := range []string{"hibernate.target", "hybrid-sleep.target", "suspend-then-hibernate.target"} {
		if !m.masked(t) {
			open = append(open, t)
		}
	}
	if len(open) == 0 {
		c.OK, c.Found = true, "off (hibernate.target, hybrid-sleep.target and suspend-then-hibernate.target are masked)"
		return c
	}
	c.Found = "possible (" + strings.Join(open, ", ") + " not masked)"
	c.Problem = "this computer can hibernate: hibernation writes all of memory, the session's key included, to the disk, where it stays readable"
	c.Fix = hibernateFix
	return c
}

// masked reports whether systemd unit is masked: a link to /dev/null in
// /etc/systemd/system or /run/systemd/system.
func (m machine) masked(unit string) bool {
	for _, d := range m.units {
		if t, err := os.Readlink(filepath.Join(d, unit)); err == nil && t == "/dev/null" {
			return true
		}
	}
	return false
}

// allowHibernation is AllowHibernation's value in systemd's sleep.conf
// and its drop-ins, read as systemd does (drop-ins after the file, in
// the order of their names, a same-named file of a later folder
// replacing an earlier one; the last assignment wins), with the file it
// came from; ok is false when none sets it.
func (m machine) allowHibernation() (allow bool, from string, ok bool) {
	files := []string{m.sleep}
	byName := map[string]string{}
	for _, d := range m.sleepD {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".conf") {
				byName[e.Name()] = filepath.Join(d, e.Name())
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, byName[n])
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if v, set := parseAllowHibernation(data); set {
			allow, from, ok = v, f, true
		}
	}
	return allow, from, ok
}

// parseAllowHibernation is the last AllowHibernation= of the [Sleep]
// section of a sleep.conf, set false when none is.
func parseAllowHibernation(data []byte) (allow, set bool) {
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			section = strings.Trim(line, "[]")
			continue
		}
		k, v, found := strings.Cut(line, "=")
		if !found || section != "Sleep" || strings.TrimSpace(k) != "AllowHibernation" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "no", "false", "0", "off", "n", "f":
			allow, set = false, true
		case "yes", "true", "1", "on", "y", "t":
			allow, set = true, true
		}
	}
	return allow, set
}
