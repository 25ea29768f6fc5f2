package endsteps

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
	"golang.org/x/sys/windows"
)

// TestWindowsTracesAreRoots: on Windows the Recent items are a folder the
// step hands over as a root (it deletes nothing itself: the wipe of that
// root erases what the session added, and keeps what was there); the
// Recycle Bin is the account's own folder on the home's drive, opened if
// it exists (Explorer makes it); the thumbnail cache and the print spooler
// are warned about, not handled.
func TestWindowsTracesAreRoots(t *testing.T) {
	home, err := os.MkdirTemp("", "ardoise-endsteps")
	if err != nil {
		t.Fatal(err)
	}
	// os.RemoveAll fails under Wine 8 (t.TempDir's cleanup with it); what
	// is left is tiny and in TEMP.
	t.Cleanup(func() { os.RemoveAll(home) })
	recent := filepath.Join(home, `AppData\Roaming\Microsoft\Windows\Recent`)
	if err := os.MkdirAll(recent, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(recent, "avant.lnk"), []byte("before"), 0o600)
	sid := ownSID(t)
	s := Session{User: userdirs.User{Home: home, UID: safefs.NobodyUID, SID: sid}, Policy: &policies.Policy{Traces: []string{"recent_files", "trash", "thumbnails", "print_queue", "clipboard"}}}
	ss := New(s)
	h, err := safefs.OpenRoot(home, trustFor(s.User))
	if err != nil {
		t.Fatal(err)
	}
	roots := ss.Open(h, nil)
	h.Close()
	if len(roots) != 2 || roots[0].Label != "Documents récents" || roots[0].Err != nil || roots[0].Dir == nil ||
		roots[1].Label != "Corbeille" || roots[1].Path != filepath.VolumeName(home)+`\$Recycle.Bin\`+sid {
		t.Fatalf("roots %+v, want the Recent items opened and the account's Recycle Bin", roots)
	}
	defer roots[0].Dir.Close()
	if roots[1].Dir != nil {
		roots[1].Dir.Close()
	}
	base, err := baseline.Take(context.Background(), []*safefs.Dir{roots[0].Dir})
	if err != nil {
		t.Fatal(err)
	}
	made := filepath.Join(recent, "Attestation CAF.pdf.lnk")
	os.WriteFile(made, []byte("x"), 0o600)
	ss.Stop(context.Background())
	x := ss.Clean(context.Background())
	if len(x.Names) != 0 || len(x.Rewrites) != 0 {
		t.Fatalf("extra %+v: on Windows no step lists anything outside its roots here", x)
	}
	if _, err := os.Stat(made); err != nil {
		t.Fatalf("a step removed the session's file itself: %v", err)
	}
	res := wipe.Run(context.Background(), wipe.Config{Baseline: base, Extra: x,
		Roots: []wipe.Root{{Dir: roots[0].Dir, Scope: "session", Owners: []uint32{s.User.UID}, OwnerSIDs: []string{sid}}}})
	var rep ipc.WipeReport
	ss.Finish(context.Background(), res.Extra, &rep)
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("the session's shortcut survived the wipe of the Recent items (%+v): %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(recent, "avant.lnk")); err != nil {
		t.Errorf("the shortcut made before the session was touched: %v", err)
	}
	if res.Removed.Files != 1 || len(rep.Traces) != 0 {
		t.Errorf("removed %+v, traces %v: want the 1 file, counted by the wipe of the root", res.Removed, rep.Traces)
	}
}

func ownSID(t *testing.T) string {
	t.Helper()
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return u.User.Sid.String()
}
