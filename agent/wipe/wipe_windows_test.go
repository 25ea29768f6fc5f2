package wipe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/windows"
)

// The whole wipe on Windows (and in CI under Wine): a baseline, files and
// folders the session makes, the wipe and its verification. What existed
// before stays, byte for byte; what the session made is gone; W10's
// streams are checked where the file system has them (NTFS; not Wine).
func TestWindowsWipe_W10(t *testing.T) {
	dir, err := os.MkdirTemp("", "wipe")
	if err != nil {
		t.Fatal(err)
	}
	// os.RemoveAll fails under Wine 8; what is left is tiny and in TEMP.
	t.Cleanup(func() { os.RemoveAll(dir) })
	desktop := filepath.Join(dir, "Desktop")
	mustWrite(t, filepath.Join(desktop, "Guide.pdf"), "guide")
	mustWrite(t, filepath.Join(desktop, "Classeur", "règlement.txt"), "règlement")

	root, err := safefs.OpenRoot(desktop, safefs.RootOptions{TrustedSIDs: []string{ownSID(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	base, err := baseline.Take(context.Background(), []*safefs.Dir{root})
	if err != nil {
		t.Fatal(err)
	}

	// The session.
	mustWrite(t, filepath.Join(desktop, "impots-2026.pdf"), "personal")
	mustWrite(t, filepath.Join(desktop, "Nouveau dossier", "scan", "cni.jpg"), "personal")
	mustWrite(t, filepath.Join(desktop, "Classeur", "brouillon.txt"), "personal")
	// B7/L14 on Windows: a file another account made during the session
	// (a scanner's service, another user) is not the session's. Only the
	// SID tells: every account but SYSTEM has the same placeholder UID.
	other := filepath.Join(desktop, "scan-du-service.pdf")
	mustWrite(t, other, "not the session's")
	foreign := giveTo(t, other, "S-1-5-19") // LOCAL SERVICE
	streams := hasStreams(t, dir)
	if streams {
		mustWrite(t, filepath.Join(desktop, "Guide.pdf:notes"), "personal")
		mustWrite(t, desktop+":cache", "personal")
	}

	res := Run(context.Background(), Config{
		Roots:    []Root{{Dir: root, Scope: "session", Owners: []uint32{safefs.NobodyUID}, OwnerSIDs: []string{ownSID(t)}}},
		Baseline: base,
	})
	if !res.Verified || res.Leftover != 0 || len(res.RootErrors) != 0 {
		t.Fatalf("wipe: verified %v, leftover %d, pending %+v, root errors %+v", res.Verified, res.Leftover, res.Pending, res.RootErrors)
	}
	for _, p := range []string{"impots-2026.pdf", "Nouveau dossier", filepath.Join("Classeur", "brouillon.txt")} {
		if _, err := os.Lstat(filepath.Join(desktop, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived the wipe: %v", p, err)
		}
	}
	for p, want := range map[string]string{"Guide.pdf": "guide", filepath.Join("Classeur", "règlement.txt"): "règlement"} {
		if b, err := os.ReadFile(filepath.Join(desktop, p)); err != nil || string(b) != want {
			t.Errorf("pre-existing %s: %q, %v", p, b, err)
		}
	}
	if foreign {
		if b, err := os.ReadFile(other); err != nil || string(b) != "not the session's" || res.Kept.Foreign != 1 {
			t.Errorf("another account's file: %q, %v; kept as foreign: %d", b, err, res.Kept.Foreign)
		}
	}
	wantFiles := 3
	if !foreign {
		wantFiles = 4 // still ours, so the session's
	}
	if res.Removed.Files != wantFiles || res.Removed.Dirs != 2 {
		t.Errorf("removed %+v, want %d files and 2 folders", res.Removed, wantFiles)
	}
	if !streams {
		t.Log("no alternate data streams on this file system (Wine); W10's streams are checked on NTFS")
		return
	}
	if res.Removed.Streams != 2 {
		t.Errorf("removed %d streams, want 2 (Guide.pdf:notes, Desktop:cache)", res.Removed.Streams)
	}
	for _, name := range []string{"Guide.pdf", "."} {
		if got, err := root.Streams(name); err != nil || len(got) != 0 {
			t.Errorf("streams of %s after the wipe: %q, %v", name, got, err)
		}
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hasStreams says whether the file system under dir keeps alternate data
// streams: Wine writes "f:s" as a file of that name instead.
func hasStreams(t *testing.T, dir string) bool {
	t.Helper()
	probe := filepath.Join(dir, "probe")
	mustWrite(t, probe, "x")
	defer os.Remove(probe)
	if err := os.WriteFile(probe+":s", []byte("x"), 0o644); err != nil {
		return false
	}
	d, err := safefs.OpenRoot(dir, safefs.RootOptions{TrustedSIDs: []string{ownSID(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := d.Streams("probe")
	if err != nil || !slices.Contains(got, "s") {
		os.Remove(probe + ":s") // a literal "probe:s" file
		return false
	}
	return true
}

func ownSID(t *testing.T) string {
	t.Helper()
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return u.User.Sid.String()
}

// giveTo makes sid the owner of p; false when this system does not let us
// (Windows wants the restore privilege for an owner not in our token).
func giveTo(t *testing.T, p, sid string) bool {
	t.Helper()
	s, err := windows.StringToSid(sid)
	if err != nil {
		t.Fatal(err)
	}
	err = windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION, s, nil, nil, nil)
	if err == nil {
		// Wine answers yes and keeps the old owner: read it back.
		sd, gerr := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
		if err = gerr; err == nil {
			if o, _, oerr := sd.Owner(); oerr != nil || !o.Equals(s) {
				err = fmt.Errorf("the owner read back is %v", o)
			}
		}
	}
	if err != nil {
		t.Logf("cannot give %s to %s (%v): the foreign-owner part is not checked here", filepath.Base(p), sid, err)
		return false
	}
	return true
}
