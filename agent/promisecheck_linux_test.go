package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// TestParseSwaps reads /proc/swaps as the kernel writes it: a header, a
// partition, a file whose name holds a space (written \040), zram.
func TestParseSwaps(t *testing.T) {
	data := "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n" +
		"/dev/sda3                               partition\t8388604\t\t0\t\t-2\n" +
		"/var/swap\\040file                       file\t\t16380\t\t0\t\t-3\n" +
		"/dev/zram0                              partition\t4194300\t\t512\t\t100\n"
	got, err := parseSwaps([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []swapArea{{"/dev/sda3", "partition"}, {"/var/swap file", "file"}, {"/dev/zram0", "partition"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseSwaps = %v, want %v", got, want)
	}
	if got, _ := parseSwaps([]byte("Filename\tType\tSize\tUsed\tPriority\n")); len(got) != 0 {
		t.Errorf("no swap read as %v", got)
	}
	if got := safefs.UnescapeMount(`a\134b\011c\04`); got != "a\\b\tc\\04" {
		t.Errorf("UnescapeMount = %q", got)
	}
}

// fakeSys lays out, under a temporary folder, what /sys shows of block
// devices, with the contents the kernel gives (dm/uuid "CRYPT-LUKS2-…"
// for a LUKS mapping, "LVM-…" for a logical volume, slaves/ links to
// what a mapping is built on). dm-crypt cannot be set up here (this
// kernel has no device-mapper), so this is its sysfs as text.
func fakeSys(t *testing.T) (sys string, devs map[string][2]uint32) {
	t.Helper()
	sys = t.TempDir()
	block := filepath.Join(sys, "devices", "virtual", "block")
	disk := filepath.Join(sys, "devices", "pci0000:00", "block", "sda")
	mk := func(dir, uuid string) {
		os.MkdirAll(dir, 0o755)
		if uuid != "" {
			os.MkdirAll(filepath.Join(dir, "dm"), 0o755)
			os.WriteFile(filepath.Join(dir, "dm", "uuid"), []byte(uuid+"\n"), 0o644)
		}
	}
	mk(filepath.Join(disk, "sda2"), "")
	mk(filepath.Join(disk, "sda3"), "")
	mk(filepath.Join(block, "dm-0"), "CRYPT-LUKS2-1c7b0a4f7c9b4d7e8f0a1b2c3d4e5f60-sda3_crypt")
	mk(filepath.Join(block, "dm-1"), "LVM-Xy12AbCdEfGhIjKlMnOpQrStUvWxYz01lv1a2b3c4d5e6f7g8h9i0jKlMnOpQrStUv")
	mk(filepath.Join(block, "dm-2"), "LVM-Xy12AbCdEfGhIjKlMnOpQrStUvWxYz01swap0000000000000000000000000000")
	mk(filepath.Join(block, "dm-3"), "CRYPT-PLAIN-cryptswap")
	mk(filepath.Join(block, "zram0"), "")
	// dm-1 (a logical volume) on dm-0 (LUKS on sda3): encrypted below.
	os.MkdirAll(filepath.Join(block, "dm-1", "slaves"), 0o755)
	os.Symlink("../../dm-0", filepath.Join(block, "dm-1", "slaves", "dm-0"))
	// dm-2 (a logical volume) straight on sda2: not encrypted.
	os.MkdirAll(filepath.Join(block, "dm-2", "slaves"), 0o755)
	os.Symlink("../../../../pci0000:00/block/sda/sda2", filepath.Join(block, "dm-2", "slaves", "sda2"))
	devs = map[string][2]uint32{"sda2": {8, 2}, "sda3": {8, 3}, "dm-0": {253, 0}, "dm-1": {253, 1}, "dm-2": {253, 2}, "dm-3": {253, 3}, "zram0": {252, 0}}
	os.MkdirAll(filepath.Join(sys, "dev", "block"), 0o755)
	for name, d := range devs {
		target := filepath.Join("..", "..", "devices", "virtual", "block", name)
		if strings.HasPrefix(name, "sda") {
			target = filepath.Join("..", "..", "devices", "pci0000:00", "block", "sda", name)
		}
		if err := os.Symlink(target, filepath.Join(sys, "dev", "block", fmt.Sprintf("%d:%d", d[0], d[1]))); err != nil {
			t.Fatal(err)
		}
	}
	return sys, devs
}

// TestSwapChecksByDevice: swap in memory (zram), on dm-crypt (LUKS, plain
// dm-crypt with a random key, a logical volume on LUKS, a file on a LUKS
// file system) keeps the promise; a plain partition, a logical volume on
// a plain partition, a file on a plain file system, a device the kernel
// does not list do not, and each says what to do.
func TestSwapChecksByDevice(t *testing.T) {
	sys, devs := fakeSys(t)
	swaps := filepath.Join(t.TempDir(), "swaps")
	os.WriteFile(swaps, []byte("Filename\tType\tSize\tUsed\tPriority\n"+
		"/dev/zram0 partition 4194300 0 100\n"+
		"/dev/mapper/sda3_crypt partition 1000 0 -2\n"+
		"/dev/mapper/cryptswap partition 1000 0 -3\n"+
		"/dev/mapper/vg-swap partition 1000 0 -4\n"+
		"/swapfile-on-luks-lvm file 1000 0 -5\n"+
		"/dev/sda2 partition 1000 0 -6\n"+
		"/dev/mapper/vg-plain partition 1000 0 -7\n"+
		"/swapfile file 1000 0 -8\n"+
		"/btrfs/swapfile file 1000 0 -9\n"), 0o644)
	under := map[string]string{"/dev/zram0": "zram0", "/dev/mapper/sda3_crypt": "dm-0", "/dev/mapper/cryptswap": "dm-3", "/dev/mapper/vg-swap": "dm-1",
		"/swapfile-on-luks-lvm": "dm-1", "/dev/sda2": "sda2", "/dev/mapper/vg-plain": "dm-2", "/swapfile": "sda2"}
	m := machine{swaps: swaps, sys: sys, maxDeep: 8, devOf: func(name, typ string) (uint32, uint32, error) {
		if name == "/btrfs/swapfile" {
			return 0, 45, nil // btrfs's anonymous device: not in /sys/dev/block
		}
		d := devs[under[name]]
		return d[0], d[1], nil
	}}
	want := map[string]bool{"/dev/zram0": true, "/dev/mapper/sda3_crypt": true, "/dev/mapper/cryptswap": true, "/dev/mapper/vg-swap": true, "/swapfile-on-luks-lvm": true,
		"/dev/sda2": false, "/dev/mapper/vg-plain": false, "/swapfile": false, "/btrfs/swapfile": false}
	got := m.swapChecks()
	if len(got) != len(want) {
		t.Fatalf("%d checks for %d swap areas: %+v", len(got), len(want), got)
	}
	for _, c := range got {
		name, _, _ := strings.Cut(c.Found, ":")
		ok, known := want[name]
		if !known {
			t.Errorf("unexpected check %+v", c)
			continue
		}
		if c.Code != "swap" || c.OK != ok {
			t.Errorf("%s: OK=%v (%s), want %v", name, c.OK, c.Found, ok)
		}
		if !ok && (!strings.Contains(c.Fix, "swapoff "+name) || !strings.Contains(c.Fix, "cryptsetup") || !strings.Contains(c.Fix, "zram") || c.Problem == "") {
			t.Errorf("%s: does not say what is wrong and what to do: %+v", name, c)
		}
		if ok && (c.Problem != "" || c.Fix != "") {
			t.Errorf("%s: a problem for a swap that keeps the promise: %+v", name, c)
		}
	}

	os.WriteFile(swaps, []byte("Filename\tType\tSize\tUsed\tPriority\n"), 0o644)
	if got := m.swapChecks(); len(got) != 1 || !got[0].OK || got[0].Found != "no swap" {
		t.Errorf("no swap: %+v", got)
	}
	m.swaps = filepath.Join(sys, "no-such-file")
	if got := m.swapChecks(); len(got) != 1 || got[0].OK || !strings.Contains(got[0].Problem, "cannot read") {
		t.Errorf("unreadable /proc/swaps: %+v", got)
	}
}

// TestSwapCheckRealKernel turns on a real swap file on this machine's
// disk (a plain file system) and then, if the zram device is unused,
// swap in memory, and reads them back through the real /proc/swaps and
// /sys: the file does not keep the promise, zram does.
func TestSwapCheckRealKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: swapon")
	}
	for _, tool := range []string{"mkswap", "swapon", "swapoff"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	dir, err := os.MkdirTemp("/var/tmp", "ardoise-swap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	file := filepath.Join(dir, "swap file") // a space: \040 in /proc/swaps
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+file, "bs=1M", "count=16", "status=none").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v %s", err, out)
	}
	os.Chmod(file, 0o600)
	if out, err := exec.Command("mkswap", file).CombinedOutput(); err != nil {
		t.Fatalf("mkswap: %v %s", err, out)
	}
	if out, err := exec.Command("swapon", "-p", "-2", file).CombinedOutput(); err != nil {
		t.Skipf("swapon refused here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("swapoff", file).Run() })
	c := findSwap(t, realMachine.swapChecks(), file)
	if c.OK || !strings.Contains(c.Found, "a file on /dev/") || !strings.Contains(c.Found, "not encrypted") || !strings.Contains(c.Fix, "swapoff "+file) {
		t.Errorf("a plain swap file: %+v", c)
	}
	if out, err := exec.Command("swapoff", file).CombinedOutput(); err != nil {
		t.Fatalf("swapoff: %v %s", err, out)
	}
	for _, c := range realMachine.swapChecks() {
		if strings.HasPrefix(c.Found, file+":") {
			t.Errorf("still listed after swapoff: %+v", c)
		}
	}

	size, err := os.ReadFile("/sys/block/zram0/disksize")
	if err != nil || strings.TrimSpace(string(size)) != "0" {
		t.Log("zram0 absent or in use: the zram case is covered by TestSwapChecksByDevice only")
		return
	}
	if err := os.WriteFile("/sys/block/zram0/disksize", []byte("16M"), 0o644); err != nil {
		t.Logf("zram0 cannot be sized here (%v): the zram case is covered by TestSwapChecksByDevice only", err)
		return
	}
	t.Cleanup(func() { os.WriteFile("/sys/block/zram0/reset", []byte("1"), 0o644) })
	if out, err := exec.Command("mkswap", "/dev/zram0").CombinedOutput(); err != nil {
		t.Fatalf("mkswap zram0: %v %s", err, out)
	}
	if out, err := exec.Command("swapon", "-p", "-2", "/dev/zram0").CombinedOutput(); err != nil {
		t.Fatalf("swapon zram0: %v %s", err, out)
	}
	defer exec.Command("swapoff", "/dev/zram0").Run()
	if c := findSwap(t, realMachine.swapChecks(), "/dev/zram0"); !c.OK || !strings.Contains(c.Found, "zram") {
		t.Errorf("zram: %+v", c)
	}
}

func findSwap(t *testing.T, checks []PromiseCheck, name string) PromiseCheck {
	t.Helper()
	for _, c := range checks {
		if strings.HasPrefix(c.Found, name+":") {
			return c
		}
	}
	t.Fatalf("no check for %s in %+v", name, checks)
	return PromiseCheck{}
}

// TestHibernationCheck: hibernation is off when the kernel offers no
// "disk" state or has it disabled, when sleep.conf (or its last drop-in
// that says so) sets AllowHibernation=no, or when the three targets that
// hibernate are masked; otherwise it is possible, and the check says to
// mask them.
func TestHibernationCheck(t *testing.T) {
	for _, c := range []struct {
		name           string
		state, disk    string
		sleep          string
		dropins        map[string]string // drop-in path under the tree: content
		masked         []string
		ok             bool
		found, problem string
	}{
		{name: "no disk state", state: "freeze mem\n", ok: true, found: `no "disk"`},
		{name: "empty state (no sleep at all)", state: "\n", ok: true, found: `no "disk"`},
		{name: "disabled by the kernel", state: "freeze mem disk\n", disk: "[disabled]\n", ok: true, found: "disabled by the kernel"},
		{name: "possible", state: "freeze mem disk\n", disk: "[platform] shutdown reboot suspend test_resume\n", ok: false, found: "hibernate.target, hybrid-sleep.target, suspend-then-hibernate.target not masked"},
		{name: "sleep.conf says no", state: "freeze mem disk\n", sleep: "[Sleep]\n#AllowHibernation=yes\nAllowHibernation=no\n", ok: true, found: "AllowHibernation=no"},
		{name: "outside [Sleep]", state: "freeze mem disk\n", sleep: "[Other]\nAllowHibernation=no\n", ok: false},
		{name: "a drop-in says no", state: "freeze mem disk\n", sleep: "[Sleep]\nAllowHibernation=yes\n", dropins: map[string]string{"etc/10-ardoise.conf": "[Sleep]\nAllowHibernation=no\n"}, ok: true},
		{name: "a later drop-in says yes again", state: "freeze mem disk\n", dropins: map[string]string{"etc/10-ardoise.conf": "[Sleep]\nAllowHibernation=no\n", "usr/20-vendor.conf": "[Sleep]\nAllowHibernation=yes\n"}, ok: false},
		{name: "same name in /etc replaces /usr/lib", state: "freeze mem disk\n", dropins: map[string]string{"usr/10-x.conf": "[Sleep]\nAllowHibernation=yes\n", "etc/10-x.conf": "[Sleep]\nAllowHibernation=no\n"}, ok: true},
		{name: "all three masked", state: "freeze mem disk\n", masked: []string{"etc:hibernate.target", "etc:hybrid-sleep.target", "run:suspend-then-hibernate.target"}, ok: true, found: "masked"},
		{name: "hibernate.target masked only", state: "freeze mem disk\n", masked: []string{"etc:hibernate.target"}, ok: false, found: "hybrid-sleep.target, suspend-then-hibernate.target not masked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			m := machine{sys: filepath.Join(root, "sys"), sleep: filepath.Join(root, "sleep.conf"),
				units:  []string{filepath.Join(root, "etc"), filepath.Join(root, "run")},
				sleepD: []string{filepath.Join(root, "usr"), filepath.Join(root, "run.d"), filepath.Join(root, "etc.d")}}
			for _, d := range append(m.units, m.sleepD...) {
				os.MkdirAll(d, 0o755)
			}
			os.MkdirAll(filepath.Join(m.sys, "power"), 0o755)
			os.WriteFile(filepath.Join(m.sys, "power", "state"), []byte(c.state), 0o644)
			if c.disk != "" {
				os.WriteFile(filepath.Join(m.sys, "power", "disk"), []byte(c.disk), 0o644)
			}
			if c.sleep != "" {
				os.WriteFile(m.sleep, []byte(c.sleep), 0o644)
			}
			for p, body := range c.dropins {
				dir, name, _ := strings.Cut(p, "/")
				if dir != "usr" {
					dir += ".d"
				}
				os.WriteFile(filepath.Join(root, dir, name), []byte(body), 0o644)
			}
			for _, u := range c.masked {
				dir, unit, _ := strings.Cut(u, ":")
				os.Symlink("/dev/null", filepath.Join(root, dir, unit))
			}
			got := m.hibernationCheck()
			if got.Code != "hibernation" || got.OK != c.ok || !strings.Contains(got.Found, c.found) {
				t.Errorf("got %+v, want OK=%v, found %q", got, c.ok, c.found)
			}
			if !c.ok && (!strings.Contains(got.Fix, "systemctl mask hibernate.target hybrid-sleep.target suspend-then-hibernate.target") || got.Problem == "") {
				t.Errorf("possible hibernation without what to do: %+v", got)
			}
		})
	}
}

// TestPromiseChecksOnThisMachine: the real checks read the real files:
// a swap check per area of /proc/swaps (or one saying there is none) and
// one hibernation check, which agrees with /sys/power/state.
func TestPromiseChecksOnThisMachine(t *testing.T) {
	got := PromiseChecks()
	data, err := os.ReadFile("/proc/swaps")
	if err != nil {
		t.Fatal(err)
	}
	areas, _ := parseSwaps(data)
	var swaps, hib []PromiseCheck
	for _, c := range got {
		switch c.Code {
		case "swap":
			swaps = append(swaps, c)
		case "hibernation":
			hib = append(hib, c)
		default:
			t.Errorf("unexpected check %+v", c)
		}
	}
	if len(swaps) != max(1, len(areas)) || len(hib) != 1 {
		t.Fatalf("%d swap checks for %d areas, %d hibernation checks: %+v", len(swaps), len(areas), len(hib), got)
	}
	if len(areas) == 0 && (!swaps[0].OK || swaps[0].Found != "no swap") {
		t.Errorf("no swap here, but %+v", swaps[0])
	}
	state, err := os.ReadFile("/sys/power/state")
	if err == nil && !strings.Contains(string(state), "disk") && !hib[0].OK {
		t.Errorf("this kernel cannot hibernate (/sys/power/state: %q), but %+v", state, hib[0])
	}
	t.Logf("on this machine: %+v", got)
}
