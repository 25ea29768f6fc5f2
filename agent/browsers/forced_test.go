package browsers

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateForced reads back the files Apply wrote: private browsing is
// vouched for only while every one of them still forces it.
func TestPrivateForced(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if PrivateForced(state) {
		t.Fatal("forced with nothing applied")
	}
	chromium := filepath.Join(dir, "ardoise.json")
	firefox := filepath.Join(dir, "policies.json")
	os.WriteFile(chromium, []byte(`{"IncognitoModeAvailability": 2}`), 0o644)
	os.WriteFile(firefox, []byte(`{"policies": {"PrivateBrowsingModeAvailability": 2, "DisableTelemetry": true}}`), 0o644)
	if err := writeManifest(Options{StateDir: state}, manifest{Files: []manifestFile{{Path: chromium}, {Path: firefox}}}); err != nil {
		t.Fatal(err)
	}
	if !PrivateForced(state) {
		t.Error("not forced although both files force it")
	}
	// Someone edited Firefox's file since.
	os.WriteFile(firefox, []byte(`{"policies": {"PrivateBrowsingModeAvailability": 0}}`), 0o644)
	if PrivateForced(state) {
		t.Error("forced although Firefox's file no longer forces it")
	}
	os.Remove(firefox)
	if PrivateForced(state) {
		t.Error("forced although a file is gone")
	}
}
