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
