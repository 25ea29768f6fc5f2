package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// The staff's words say "can never be read again" only for a key the
// kernel reported absent.
func TestPrintKey(t *testing.T) {
	var b bytes.Buffer
	printKey(&b, &ipc.KeyReport{Folders: []string{"Téléchargements"}, Destroyed: true})
	if !strings.Contains(b.String(), "can never be read again") || !strings.Contains(b.String(), "Téléchargements") {
		t.Errorf("destroyed: %q", b.String())
	}
	b.Reset()
	printKey(&b, &ipc.KeyReport{Folders: []string{"Téléchargements"}, Code: "files_busy", Reason: "des programmes gardent des documents ouverts"})
	if strings.Contains(b.String(), "never be read") || !strings.Contains(b.String(), "NOT DESTROYED (files_busy)") {
		t.Errorf("busy: %q", b.String())
	}
	b.Reset()
	printKey(&b, nil)
	if b.Len() != 0 {
		t.Errorf("no key: %q", b.String())
	}
	if w := protectionWords(ipc.ProtectionDeleted, ipc.NotEncryptedFileSystem); !strings.Contains(w, "tune2fs -O encrypt") || strings.Contains(w, "encrypted with") {
		t.Errorf("file_system: %q", w)
	}
}
