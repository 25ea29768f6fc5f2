package agent

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// A document left in an encrypted folder whose key is destroyed has only a
// ciphertext name: the person sees a plain label, never that noise; with
// the key still there, or in a plain folder, its own name.
func TestPendingNameOfEncryptedFolder(t *testing.T) {
	enc := &sessionRoot{encID: &safefs.Identity{Dev: 1, Ino: 2}}
	plain := &sessionRoot{}
	s := &activeSession{key: &sessionKey{destroyed: true}}
	if got := pendingName(s, enc, "sub/Ax3_9fKq,Zz"); got != noKeyName {
		t.Errorf("destroyed key: %q", got)
	}
	if got := pendingName(s, plain, "sub/lettre.pdf"); got != "lettre.pdf" {
		t.Errorf("plain folder: %q", got)
	}
	s.key.destroyed = false
	if got := pendingName(s, enc, "sub/lettre.pdf"); got != "lettre.pdf" {
		t.Errorf("key still present: %q", got)
	}
}
