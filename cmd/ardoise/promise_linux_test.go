package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStatusAndPolicyCheckSayWhetherThePromiseHolds: with a real,
// unencrypted swap file turned on, "ardoise status" and "ardoise policy
// check --on-this-machine" say that swap is not OK, why and what to do,
// and the hibernation verdict; once it is off, swap is OK again (this
// machine has no other swap, or the test says what it has).
func TestStatusAndPolicyCheckSayWhetherThePromiseHolds(t *testing.T) {
	file := swapOn(t)

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

// swapOn turns on a real 16 MiB swap file, on this machine's disk (a
// plain file system), until the test ends; it skips the test when swap
// cannot be turned on here.
func swapOn(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: swapon")
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
	return file
}

// TestStatusSaysWhatBreaksThePromise: a running agent's status names
// "swap" in promise_broken while an unencrypted swap file is on (the
// window then never says that nobody can read the documents again), and
// no longer once it is off.
func TestStatusSaysWhatBreaksThePromise(t *testing.T) {
	if swaps, err := os.ReadFile("/proc/swaps"); err != nil || strings.Count(string(swaps), "\n") > 1 {
		t.Skip("this machine has swap of its own: the test needs none to start from")
	}
	s := newScratch(t)
	a := s.startAgent(t)
	st := s.awaitActive(t, a, "")
	if slices.Contains(st.PromiseBroken, "swap") {
		t.Fatalf("no swap, but promise_broken = %v", st.PromiseBroken)
	}
	file := swapOn(t)
	if st, err := s.status(t); err != nil || !slices.Contains(st.PromiseBroken, "swap") {
		t.Errorf("swap file %s on: promise_broken = %v (%v)", file, st.PromiseBroken, err)
	}
	if out, err := exec.Command("swapoff", file).CombinedOutput(); err != nil {
		t.Fatalf("swapoff: %v %s", err, out)
	}
	if st, err := s.status(t); err != nil || slices.Contains(st.PromiseBroken, "swap") {
		t.Errorf("swap off again: promise_broken = %v (%v)", st.PromiseBroken, err)
	}
	a.stop(t)
}
