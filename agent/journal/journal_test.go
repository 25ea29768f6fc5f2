//go:build !windows

// The fixtures hold Unix paths, which replay rightly refuses on Windows;
// there the journal is exercised end to end, crash and recovery included,
// by cmd/ardoise's TestWindowsAgentUnderWine.

package journal

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

func stateDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func session() Session {
	return Session{ID: "s1", Mode: "public", UID: 1000, Started: time.Unix(1700000000, 0).UTC(),
		Roots: []Root{{Label: "Téléchargements", Path: []byte("/home/u/Downloads"), Dev: 1, Ino: 2, State: "watching", Scope: "session", Owners: []uint32{1000}}}}
}

func TestRoundTrip(t *testing.T) {
	dir := stateDir(t)
	j, rec, err := Open(dir)
	if err != nil || rec != nil {
		t.Fatalf("Open of a new state dir: %v %v", rec, err)
	}
	if err := j.Begin(session()); err != nil {
		t.Fatal(err)
	}
	names := []string{"a.pdf", "\xff\xfe.pdf", "a\nb", strings.Repeat("x", 255)}
	for i, n := range names {
		j.Created(Entry{Root: 0, Parent: safefs.Identity{Dev: 1, Ino: 2}, Name: []byte(n), ID: safefs.Identity{Dev: 1, Ino: uint64(10 + i), Btime: 5}, Size: int64(i)})
	}
	if err := j.SetPhase(Wiping, "button"); err != nil {
		t.Fatal(err)
	}
	if err := j.SetPending([]Pending{{Root: 0, Rel: []byte("sub/locked.docx"), Reason: "encore utilisé"}}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	j, rec, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if rec == nil || rec.Session.ID != "s1" || rec.Phase != Wiping || rec.Reason != "button" || len(rec.Pending) != 1 || rec.Torn {
		t.Fatalf("recovered %+v", rec)
	}
	if len(rec.Entries) != len(names) {
		t.Fatalf("recovered %d entries, want %d", len(rec.Entries), len(names))
	}
	for i, e := range rec.Entries {
		if string(e.Name) != names[i] {
			t.Errorf("name %q came back as %q (names are bytes, threats.md C5)", names[i], e.Name)
		}
	}
	if string(rec.Session.Roots[0].Path) != "/home/u/Downloads" {
		t.Errorf("root path %q", rec.Session.Roots[0].Path)
	}
}

// TestFinishLeavesNoNames: after a completed wipe no file name of the
// session is left anywhere in the state directory.
func TestFinishLeavesNoNames(t *testing.T) {
	dir := stateDir(t)
	j, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j.Begin(session())
	j.Created(Entry{Name: []byte("Attestation-CAF-Dupont.pdf"), ID: safefs.Identity{Ino: 9}})
	if err := j.Finish(Counts{SessionID: "s1", Removed: 1, Verified: true}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("Dupont")) {
				t.Errorf("%s still holds a file name of the session", p)
			}
		}
		return nil
	})
	if _, rec, _ := Open(dir); rec != nil {
		t.Errorf("a finished session came back: %+v", rec)
	}
	if c, err := LastSummary(dir); err != nil || c == nil || c.Removed != 1 {
		t.Errorf("summary %+v %v", c, err)
	}
}

func TestTornTailIsIgnored(t *testing.T) {
	dir := stateDir(t)
	j, _, _ := Open(dir)
	j.Begin(session())
	j.Created(Entry{Name: []byte("one"), ID: safefs.Identity{Ino: 1}})
	j.Flush()
	j.Close()
	p := filepath.Join(dir, fileName)
	whole, _ := os.ReadFile(p)
	j, _, _ = Open(dir)
	j.Created(Entry{Name: []byte("two"), ID: safefs.Identity{Ino: 2}})
	j.Close()
	full, _ := os.ReadFile(p)
	for cut := len(whole) + 1; cut < len(full); cut++ {
		os.WriteFile(p, full[:cut], 0o600)
		j, rec, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		if rec == nil || len(rec.Entries) != 1 || !rec.Torn {
			t.Fatalf("cut at %d: %+v", cut, rec)
		}
	}
	// A flipped bit in the last record is caught by its checksum.
	bad := append([]byte(nil), full...)
	bad[len(bad)-2] ^= 1
	os.WriteFile(p, bad, 0o600)
	_, rec, _ := Open(dir)
	if rec == nil || len(rec.Entries) != 1 {
		t.Fatalf("bit flip not detected: %+v", rec)
	}
}

// TestS3_TamperedJournal: records that name paths or unknown roots are
// ignored with a count; nothing in them can make the agent act on a path.
func TestS3_TamperedJournal(t *testing.T) {
	dir := stateDir(t)
	j, _, _ := Open(dir)
	j.Begin(session())
	j.Created(Entry{Name: []byte("real.pdf"), ID: safefs.Identity{Ino: 1}})
	j.Flush()
	j.Close()
	f, _ := os.OpenFile(filepath.Join(dir, fileName), os.O_APPEND|os.O_WRONLY, 0)
	f.Write(frame(recCreated, encodeEntry(Entry{Root: 7, Name: []byte("x"), ID: safefs.Identity{Ino: 2}})))                // unknown root
	f.Write(frame(recCreated, encodeEntry(Entry{Root: 0, Name: []byte("../../etc/shadow"), ID: safefs.Identity{Ino: 3}}))) // a path
	f.Write(frame(recPending, encodePending(Pending{Root: 0, Rel: []byte("/etc/shadow")})))                                // absolute
	f.Close()
	_, rec, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Entries) != 1 || len(rec.Pending) != 0 || rec.Invalid != 3 {
		t.Fatalf("tampered records accepted: %+v", rec)
	}
	// A session record whose root is not an absolute clean path is refused.
	s := session()
	s.Roots[0].Path = []byte("/home/u/../../etc")
	j, _, _ = Open(dir)
	j.Begin(s)
	j.Close()
	if _, rec, _ := Open(dir); rec != nil {
		t.Fatalf("a session with a climbing root path was accepted: %+v", rec)
	}
}

func TestS2_UnsafeStateDir(t *testing.T) {
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if _, _, err := Open(open); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("0777 state dir: %v", err)
	}
	under := filepath.Join(open, "state")
	os.Mkdir(under, 0o700)
	if _, _, err := Open(under); err == nil {
		t.Error("a state dir under a world-writable folder was accepted")
	}
	if os.Geteuid() == 0 {
		other := stateDir(t)
		os.Chown(other, 65534, 65534)
		if _, _, err := Open(other); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("state dir owned by another user: %v", err)
		}
	}
}

// TestKillDuringAppends runs a child that appends records and reports each
// one committed, then kills it with SIGKILL at a random moment, 50 times:
// every record the child reported committed must be read back.
func TestKillDuringAppends(t *testing.T) {
	if d := os.Getenv("ARDOISE_JOURNAL_CHILD"); d != "" {
		journalChild(d)
		return
	}
	iterations := 50
	if testing.Short() {
		iterations = 10
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for it := 0; it < iterations; it++ {
		dir := stateDir(t)
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringAppends$")
		cmd.Env = append(os.Environ(), "ARDOISE_JOURNAL_CHILD="+dir)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := 0
		sc := bufio.NewScanner(out)
		deadline := time.Now().Add(time.Duration(rng.IntN(200)) * time.Millisecond)
		for sc.Scan() {
			if n, err := strconv.Atoi(sc.Text()); err == nil {
				acked = n
			}
			if time.Now().After(deadline) {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // acks written before the kill still count
			if n, err := strconv.Atoi(sc.Text()); err == nil {
				acked = n
			}
		}
		cmd.Wait()
		j, rec, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		got := 0
		if rec != nil {
			got = len(rec.Entries)
		}
		if got < acked {
			t.Fatalf("iteration %d: %d records acknowledged, %d read back", it, acked, got)
		}
	}
}

func journalChild(dir string) {
	j, _, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	j.Begin(session())
	for i := 1; ; i++ {
		j.Created(Entry{Name: []byte(fmt.Sprintf("f%d", i)), ID: safefs.Identity{Ino: uint64(i)}})
		if i%10 == 0 {
			if err := j.Flush(); err != nil {
				os.Exit(1)
			}
			fmt.Println(i) // acknowledged: on disk
		}
	}
}

// A key is recorded before the session is (its encryption is set before
// the baseline is taken): its record survives Begin, and Finish keeps it
// until it is recorded destroyed. With no session a journal holding a key
// is still an unfinished one for the next start.
func TestKeyRecordsOutliveBeginAndFinish(t *testing.T) {
	dir := stateDir(t)
	j, _, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := KeyFolder{Key: "00112233445566778899aabbccddeeff", Parent: []byte("/home/u"), Tmp: ".ardoise-new-1", Name: "Downloads", Dev: 1, Ino: 9, Owners: []uint32{1000}, Label: "Téléchargements"}
	if err := j.KeyAdded(k); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// A crash before the session was recorded.
	j, rec, err := Open(dir)
	if err != nil || rec == nil || rec.Session.ID != "" || len(rec.Keys) != 1 || rec.Keys[0].Key != k.Key {
		t.Fatalf("Open after a crash between key and session: %+v, %v", rec, err)
	}
	if err := j.Begin(session()); err != nil {
		t.Fatal(err)
	}
	j.Created(Entry{Root: 0, Name: nil, ID: safefs.Identity{Dev: 1, Ino: 10}})
	j.SetPending([]Pending{{Root: 0, Reason: "encore utilisé"}})
	j.Close()
	j, rec, err = Open(dir)
	if err != nil || rec == nil || rec.Session.ID != "s1" || len(rec.Keys) != 1 || len(rec.Entries) != 1 || len(rec.Pending) != 1 || rec.Invalid != 0 {
		t.Fatalf("Open after Begin: %+v, %v", rec, err)
	}
	if err := j.Finish(Counts{SessionID: "s1"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, rec, err = Open(dir)
	if err != nil || rec == nil || rec.Session.ID != "" || len(rec.Keys) != 1 {
		t.Fatalf("a key not destroyed must survive Finish: %+v, %v", rec, err)
	}
	if err := j.KeyDestroyed(k.Key); err != nil {
		t.Fatal(err)
	}
	if len(j.Keys()) != 0 {
		t.Fatalf("Keys after KeyDestroyed: %v", j.Keys())
	}
	j.Close()
	j, rec, err = Open(dir)
	if err != nil || rec != nil {
		t.Fatalf("a destroyed key leaves nothing to recover: %+v, %v", rec, err)
	}
	j.Close()
	data, _ := os.ReadFile(filepath.Join(dir, fileName))
	if bytes.Contains(data, []byte("Downloads/")) {
		t.Error("the journal holds a path beneath the encrypted folder")
	}
}

// A tampered key record (a relative parent, a name with a slash) is
// ignored.
func TestS3_TamperedKeyRecord(t *testing.T) {
	dir := stateDir(t)
	j, _, _ := Open(dir)
	for _, k := range []KeyFolder{
		{Key: "aa", Parent: []byte("home/u"), Tmp: ".t"},
		{Key: "aa", Parent: []byte("/home/u"), Tmp: "../etc"},
		{Key: "aa", Parent: []byte("/home/u"), Tmp: ".t", Name: "a/b"},
	} {
		j.KeyAdded(k)
	}
	j.Close()
	j, rec, err := Open(dir)
	if err != nil || rec != nil || len(j.Keys()) != 0 {
		t.Fatalf("tampered key records were taken: %+v, %v, %v", rec, j.Keys(), err)
	}
	j.Close()
}
