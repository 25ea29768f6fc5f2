package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const goodPolicy = "version: 1\nroots: [{path: '{downloads}'}]\n"

// TestPolicyCheckRefusesWhatTheServiceRefuses runs a corpus of policy
// files through the system service's load (loadPolicyFile, as "run
// --system" calls it) and through "ardoise policy check", and wants the
// same verdict for each: a file others may write, a link, a file owned by
// another account are refused by both (policy check used to say "ok" and
// the service then fell back to the built-in policy, with no kiosk
// account); a valid root-owned file is taken by both.
func TestPolicyCheckRefusesWhatTheServiceRefuses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the policy files must be root's to be accepted")
	}
	dir := filepath.Join(t.TempDir(), "etc-ardoise")
	os.Mkdir(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	write := func(name string, mode os.FileMode) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(goodPolicy), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, mode)
		return f
	}
	good := write("good.yaml", 0o644)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink(good, link)
	notRoot := write("nobody.yaml", 0o644)
	if out, err := exec.Command("chown", "nobody", notRoot).CombinedOutput(); err != nil {
		t.Fatalf("chown nobody: %v %s", err, out)
	}
	cases := []struct {
		file    string
		refused bool
	}{
		{good, false},
		{write("world-writable.yaml", 0o666), true},
		{write("group-writable.yaml", 0o664), true},
		{link, true},
		{notRoot, true},
	}
	for _, c := range cases {
		_, serviceErr := loadPolicyFile(c.file, t.TempDir(), true)
		code, out, stderr := run(t, "policy", "check", c.file)
		if (serviceErr != nil) != c.refused {
			t.Errorf("%s: the service's load says %v, want refused=%v", filepath.Base(c.file), serviceErr, c.refused)
		}
		if (code != exitOK) != (serviceErr != nil) {
			t.Errorf("%s: policy check exit %d (%s%s), but the service's load says %v", filepath.Base(c.file), code, out, stderr, serviceErr)
		}
		if serviceErr != nil && !strings.Contains(stderr, "refusing it") {
			t.Errorf("%s: policy check does not say why:\n%s", filepath.Base(c.file), stderr)
		}
	}
	// A draft can still be checked for its content alone.
	if code, _, stderr := run(t, "policy", "check", "--content-only", cases[1].file); code != exitOK {
		t.Errorf("--content-only on a world-writable draft: exit %d %s", code, stderr)
	}
}

// TestPolicyCheckOnThisMachine: as root, "policy check --on-this-machine"
// resolves the kiosk account's folders and says per root what a session
// start would do, the service's sandbox included: with the package's unit
// (ProtectSystem=strict), a root under /srv outside ReadWritePaths is
// refused, and a drop-in that adds it makes it watched.
func TestPolicyCheckOnThisMachine(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	name, uid, home := kioskAccount(t)
	_ = uid
	units := t.TempDir()
	unit, err := os.ReadFile("../../installer/linux/ardoise.service")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(units, "ardoise.service"), unit, 0o644)
	old := unitDirs
	unitDirs = []string{units}
	t.Cleanup(func() { unitDirs = old })

	srv := filepath.Join("/srv", "ardoise-check-"+name)
	if err := os.MkdirAll(srv, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(srv) })
	dir := filepath.Join(t.TempDir(), "etc")
	os.Mkdir(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("version: 1\naccounts: {kiosk: ["+name+", www-data]}\nroots:\n  - {path: '{downloads}'}\n  - {path: "+srv+", label: Scans}\n"), 0o644)

	code, out, stderr := run(t, "policy", "check", "--on-this-machine", pol)
	if code != exitFailure {
		t.Errorf("exit %d, want 1 (a root and an account refused)\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		"Téléchargements (" + filepath.Join(home, "Downloads") + "): watched",
		"Scans (" + srv + "): refused (read_only): outside the service's ReadWritePaths",
		"ReadWritePaths=" + srv,
		"account www-data: refused: uid 33 is below UID_MIN",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}

	os.Mkdir(filepath.Join(units, "ardoise.service.d"), 0o755)
	os.WriteFile(filepath.Join(units, "ardoise.service.d", "scans.conf"), []byte("[Service]\nReadWritePaths="+srv+"\n"), 0o644)
	os.WriteFile(pol, []byte("version: 1\naccounts: {kiosk: ["+name+"]}\nroots:\n  - {path: '{downloads}'}\n  - {path: "+srv+", label: Scans}\n"), 0o644)
	code, out, stderr = run(t, "policy", "check", "--on-this-machine", pol)
	if code != exitOK || !strings.Contains(out, "Scans ("+srv+"): watched") {
		t.Errorf("with the drop-in: exit %d\n%s%s", code, out, stderr)
	}
}
