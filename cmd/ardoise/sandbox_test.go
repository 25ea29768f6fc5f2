package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSandboxFromTheUnit reads the package's unit as systemd would: with
// ProtectSystem=strict only ReadWritePaths (and /dev) are writable, a
// drop-in adds to the list, an empty ReadWritePaths= empties it, and a
// drop-in in /etc replaces one of the same name in /lib.
func TestSandboxFromTheUnit(t *testing.T) {
	etc, lib := t.TempDir(), t.TempDir()
	unit, err := os.ReadFile("../../installer/linux/ardoise.service")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lib, unitName), unit, 0o644)
	sb := loadSandbox([]string{etc, lib})
	for path, want := range map[string]bool{
		"/home/public/Downloads": true, "/tmp/x": true, "/dev/shm/x": true, "/var/tmp/x": true,
		"/srv/scans/epn": false, "/homeless": false, "/var/lib/x": false,
	} {
		if got := sb.allows(path); got != want {
			t.Errorf("package unit: %s writable=%v, want %v", path, got, want)
		}
	}
	for _, d := range []string{etc, lib} {
		os.Mkdir(filepath.Join(d, unitName+".d"), 0o755)
	}
	os.WriteFile(filepath.Join(lib, unitName+".d", "10-site.conf"), []byte("[Service]\nReadWritePaths=/srv/a\n"), 0o644)
	os.WriteFile(filepath.Join(etc, unitName+".d", "10-site.conf"), []byte("[Service]\nReadWritePaths=/srv/scans\n"), 0o644)
	os.WriteFile(filepath.Join(etc, unitName+".d", "20-reset.conf"), []byte("[Service]\nReadWritePaths=\nReadWritePaths=-/srv/only\n"), 0o644)
	sb = loadSandbox([]string{etc, lib})
	for path, want := range map[string]bool{"/srv/only/x": true, "/srv/scans": false, "/srv/a": false, "/home/x": false, "/dev/shm": true} {
		if got := sb.allows(path); got != want {
			t.Errorf("with drop-ins: %s writable=%v, want %v (%s)", path, got, want, sb.note)
		}
	}
	if sb := loadSandbox([]string{t.TempDir()}); sb.strict || sb.note == "" {
		t.Errorf("no unit: %+v", sb)
	}
}
