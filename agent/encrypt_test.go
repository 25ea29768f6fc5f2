package agent

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/policies"
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

// A root that is not beneath the session user's home (a scanner's own
// folder such as /srv/scans) is only deleted, and says so with its own
// code, so that the admin reads why and what to do rather than "error".
func TestRootOutsideHomeIsNotEncrypted(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("the code is decided after the system and the account: Linux, root")
	}
	a := &Agent{}
	r := &sessionRoot{policy: policies.Root{Protection: "encrypt"}, path: "/srv/scans"}
	code, why := a.protectionWhy(&activeSession{}, nil, r)
	if code != ipc.NotEncryptedOutside || why == nil || !strings.Contains(why.Error(), "home") {
		t.Errorf("code %q, why %v; want %q saying why", code, why, ipc.NotEncryptedOutside)
	}
}
