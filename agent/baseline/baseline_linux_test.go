package baseline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// TestB5_InodeReuse: a baseline entry deleted during the session and a new
// file given the same inode number are told apart by birth time; without
// birth times the entry is a doubt, kept and reported.
func TestB5_InodeReuse(t *testing.T) {
	s := newSet()
	s.add(Record{ID: safefs.Identity{Dev: 5, Ino: 1234, Btime: 100}, Name: "a"})
	s.add(Record{ID: safefs.Identity{Dev: 5, Ino: 99}, Name: "b"}) // no birth time
	for _, c := range []struct {
		id   safefs.Identity
		want Verdict
	}{
		{safefs.Identity{Dev: 5, Ino: 1234, Btime: 100}, Existing},
		{safefs.Identity{Dev: 5, Ino: 1234, Btime: 200}, New}, // reused inode
		{safefs.Identity{Dev: 6, Ino: 1234, Btime: 100}, New}, // other device
		{safefs.Identity{Dev: 5, Ino: 99}, Doubt},
		{safefs.Identity{Dev: 5, Ino: 7, Btime: 1}, New},
	} {
		if got, _ := s.Lookup(c.id); got != c.want {
			t.Errorf("Lookup(%+v) = %v, want %v", c.id, got, c.want)
		}
	}
}

func TestTakeWriteRead(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a/b/c.txt", "a/d.txt", "e\xff\n.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc", filepath.Join(root, "l")); err != nil {
		t.Fatal(err)
	}
	d, err := safefs.OpenRoot(root, safefs.RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := Take(context.Background(), []*safefs.Dir{d})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 6 { // a, a/b, a/b/c.txt, a/d.txt, e…, l (the link, not /etc's content)
		t.Fatalf("baseline has %d entries, want 6", s.Len())
	}
	f := filepath.Join(t.TempDir(), "baseline")
	if err := s.WriteFile(f); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Errorf("baseline file mode %v, want 0600", fi.Mode().Perm())
	}
	r, err := ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != s.Len() {
		t.Fatalf("read %d entries, wrote %d", r.Len(), s.Len())
	}
	for _, rec := range s.recs {
		if v, got := r.Lookup(rec.ID); v == New || got != rec {
			t.Errorf("record %+v lost or changed: %v %+v", rec, v, got)
		}
		if !r.HadName(rec.Parent, rec.Name) {
			t.Errorf("name %q lost", rec.Name)
		}
	}
	// Every truncation and every flipped byte is detected.
	data, _ := os.ReadFile(f)
	for i := 0; i < len(data); i += 7 {
		os.WriteFile(f, data[:i], 0o600)
		if _, err := ReadFile(f); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated at %d: %v", i, err)
		}
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x40
		os.WriteFile(f, bad, 0o600)
		if _, err := ReadFile(f); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
	}
}
