package durable

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(dir); err != nil {
		t.Fatalf("sync an existing folder: %v", err)
	}
	if err := SyncDir(filepath.Join(dir, "absent")); err == nil && filepath.Separator == '/' {
		t.Error("a folder that does not exist was synced")
	}
}
