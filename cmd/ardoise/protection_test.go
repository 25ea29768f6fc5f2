package main

import (
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// The admin's words on a root not encrypted say what to do.
func TestProtectionWords(t *testing.T) {
	if w := protectionWords(ipc.ProtectionDeleted, ipc.NotEncryptedFileSystem); !strings.Contains(w, "tune2fs -O encrypt") || strings.Contains(w, "encrypted with") {
		t.Errorf("file_system: %q", w)
	}
}
