package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusAndPolicyCheckSayWhetherThePromiseHolds: with a real,
// unencrypted swap file turned on, "ardoise status" and "ardoise policy
// check --on-this-machine" say that swap is not OK, why and what to do,
// and the hibernation verdict; once it is off, swap is OK again (this
// machine has no other swap, or the test says what it has).
func TestStatusAndPolicyCheckSayWhetherThePromiseHolds(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: swapon, and policy check --on-this-machine")
	}
	if _, err := exec.LookPath("swapon"); err != nil {
		t.Skip("no swapon")
	}
	dir, err := os.MkdirTemp("/var/tmp", "ardoise-swap-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	file := filepath.Join(dir, "swapfile")
	for _, c := range [][]string{{"dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=16", "status=none"}, {"chmod", "600", file}, {"mkswap", file}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	if out, err := exec.Command("swapon", "-p", "-2", file).CombinedOutput(); err != nil {
		t.Skipf("swapon refused here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("swapoff", file).Run() })

	pdir := filepath.Join(t.TempDir(), "etc")
	os.Mkdir(pdir, 0o755)
	os.Chmod(filepath.Dir(pdir), 0o755)
	pol := filepath.Join(pdir, "policy.yaml")
	os.WriteFile(pol, []byte(goodPolicy), 0o644)

	_, status, _ := run(t, "status")
	_, check, _ := run(t, "policy", "check", "--on-this-machine", pol)
	for name, out := range map[string]string{"status": status, "policy check": check} {
		for _, want := range []string{
			"For encrypted folders to be unreadable for ever once a session ends:",
			"  swap: NOT OK — " + file + ": a file on /dev/",
			"    why: swap " + file + " is not encrypted",
			"    what to do: swapoff " + file + " and remove it from /etc/fstab; or encrypt swap with cryptsetup",
			"  hibernation: ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
	if out, err := exec.Command("swapoff", file).CombinedOutput(); err != nil {
		t.Fatalf("swapoff: %v %s", err, out)
	}
	_, status, _ = run(t, "status")
	if strings.Contains(status, file) {
		t.Errorf("status still names the swap file after swapoff:\n%s", status)
	}
	if swaps, _ := os.ReadFile("/proc/swaps"); strings.Count(string(swaps), "\n") <= 1 && !strings.Contains(status, "  swap: ok — no swap") {
		t.Errorf("no swap left, but status says:\n%s", status)
	}
}
