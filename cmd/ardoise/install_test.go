package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/policies"
)

// TestInstallUnderRoot runs install and uninstall for real on files, under
// a scratch folder (--root leaves the service manager alone).
func TestInstallUnderRoot(t *testing.T) {
	root := t.TempDir()
	code, out, errOut := run(t, "install", "--dry-run", "--root", root)
	if code != exitOK || !strings.Contains(out, "would write /etc/ardoise/policy.yaml") {
		t.Fatalf("install --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("--dry-run wrote %v", entries)
	}
	code, out, errOut = run(t, "install", "--root", root)
	if code != exitOK {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	pol, err := os.ReadFile(filepath.Join(root, "etc/ardoise/policy.yaml"))
	if err != nil || !bytes.Equal(pol, policies.DefaultYAML()) {
		t.Fatalf("policy not installed: %v", err)
	}
	if !fileExists(filepath.Join(root, "var/lib/ardoise/install.json")) {
		t.Fatal("no record of what was installed")
	}
	if code, _, errOut := run(t, "install", "--root", root); code != exitFailure || !strings.Contains(errOut, "already installed") {
		t.Errorf("second install: exit %d, %s", code, errOut)
	}
	code, out, errOut = run(t, "uninstall", "--root", root)
	if code != exitOK {
		t.Fatalf("uninstall: exit %d\n%s%s", code, out, errOut)
	}
	if fileExists(filepath.Join(root, "etc/ardoise")) {
		t.Errorf("uninstall left /etc/ardoise:\n%s", out)
	}
	if code, _, errOut := run(t, "uninstall", "--root", root); code != exitFailure || !strings.Contains(errOut, "not installed here") {
		t.Errorf("second uninstall: exit %d, %s", code, errOut)
	}
}

// TestInstallSaysWhatASessionWouldDoHere: right after an install, the
// admin reads the machine check of the installed policy (accounts,
// folders and their encryption) and whether swap and hibernation keep the
// promise, without a second command; a broken policy is named.
func TestInstallSaysWhatASessionWouldDoHere(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	os.WriteFile(pol, []byte("version: 1\naccounts: {kiosk: []}\nroots: [{path: '{downloads}'}]\n"), 0o644)
	os.Chmod(pol, 0o644)
	var out bytes.Buffer
	printInstalledCheck(&env{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}, pol)
	for _, want := range []string{"On this computer, with this policy:", "no kiosk account", "swap:", "hibernation:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the install's check lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	os.WriteFile(pol, []byte("version: 1\nroots: [{path: 3}]\n"), 0o644)
	printInstalledCheck(&env{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}, pol)
	if !strings.Contains(out.String(), "cannot be checked") || !strings.Contains(out.String(), "policy.yaml") {
		t.Errorf("a broken policy is not named:\n%s", out.String())
	}
}
