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

// Every code a root can get has its own words: none falls back to the
// plain "only deleted" line, which says nothing of why.
func TestProtectionWordsForEveryCode(t *testing.T) {
	plain := protectionWords(ipc.ProtectionDeleted, "")
	seen := map[string]string{}
	for _, code := range []string{ipc.NotEncryptedPolicy, ipc.NotEncryptedSystem, ipc.NotEncryptedFileSystem,
		ipc.NotEncryptedNotEmpty, ipc.NotEncryptedOutside, ipc.NotEncryptedError} {
		w := protectionWords(ipc.ProtectionDeleted, code)
		if w == plain {
			t.Errorf("%s: no words of its own (%q)", code, w)
		}
		if other, ok := seen[w]; ok {
			t.Errorf("%s and %s say the same: %q", code, other, w)
		}
		seen[w] = code
	}
	if w := protectionWords(ipc.ProtectionDeleted, ipc.NotEncryptedOutside); !strings.Contains(w, "home") {
		t.Errorf("outside_home: %q does not say where the folder must be", w)
	}
}
