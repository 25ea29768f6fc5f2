package ipcserver

import (
	"testing"

	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// The connection limit is per account: on Windows every account but
// SYSTEM has the same placeholder uid, so one user filling the limit must
// not lock the others out; the SID tells them apart.
func TestConnectionLimitIsPerAccount(t *testing.T) {
	a := peercred.Peer{UID: 0xFFFFFFFF, SID: "S-1-5-21-1-2-3-1001"}
	b := peercred.Peer{UID: 0xFFFFFFFF, SID: "S-1-5-21-1-2-3-1002"}
	if peerKey(a) == peerKey(b) {
		t.Errorf("two Windows accounts share the key %q", peerKey(a))
	}
	if peerKey(peercred.Peer{UID: 1000}) == peerKey(peercred.Peer{UID: 1001}) || peerKey(peercred.Peer{UID: 1000}) != peerKey(peercred.Peer{UID: 1000}) {
		t.Error("uids are not told apart, or one uid has two keys")
	}
}
