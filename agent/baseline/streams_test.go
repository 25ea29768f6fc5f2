package baseline

import (
	"crypto/sha256"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// W10: the named data streams entries had at session start are recorded
// (on Windows, where Take lists them), kept across a crash in the
// baseline file, and the wipe removes only the ones added since:
// Guide.pdf:notes and Desktop:cache, not the Zone.Identifier the library's
// own download carried.
func TestW10_StreamsOfTheBaseline(t *testing.T) {
	guide := safefs.Identity{Dev: 7, Ino: 100, Btime: 1}
	desktop := safefs.Identity{Dev: 7, Ino: 2, Btime: 1}
	s := newSet()
	s.taken = 5
	s.roots = []rootID{{id: desktop, ok: true}}
	if err := s.add(Record{Root: 0, ID: guide, Parent: desktop, Name: "Guide.pdf", Size: 10}); err != nil {
		t.Fatal(err)
	}
	s.addStreams(guide, []string{"Zone.Identifier"})
	s.addStreams(desktop, []string{"thumbs", "Zone.Identifier"})
	s.finish()

	check := func(s *Set) {
		t.Helper()
		if got := s.NewStreams(guide, []string{"Zone.Identifier", "notes"}); !slices.Equal(got, []string{"notes"}) {
			t.Errorf("Guide.pdf: new streams %q, want [notes]", got)
		}
		if got := s.NewStreams(desktop, []string{"thumbs", "cache", "Zone.Identifier"}); !slices.Equal(got, []string{"cache"}) {
			t.Errorf("Desktop: new streams %q, want [cache]", got)
		}
		// The same stream name on another object is not the baseline's.
		other := safefs.Identity{Dev: 7, Ino: 101}
		if got := s.NewStreams(other, []string{"Zone.Identifier"}); len(got) != 1 {
			t.Errorf("another file's stream counted as pre-existing: %q", got)
		}
		if s.Len() != 1 {
			t.Errorf("streams counted as entries: Len %d", s.Len())
		}
	}
	check(s)

	dir := t.TempDir()
	path := filepath.Join(dir, "baseline")
	if err := s.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	check(back)
	if !back.HasStreams() {
		t.Error("a version 3 file does not say it lists streams")
	}
	// Links and other reparse points are never opened: their streams are
	// neither recorded nor judged (they would all look new).
	if StreamsRecorded(safefs.Info{Mode: fs.ModeSymlink}) || StreamsRecorded(safefs.Info{Mode: fs.ModeIrregular}) || !StreamsRecorded(safefs.Info{Mode: fs.ModeDir}) {
		t.Error("StreamsRecorded")
	}

	// A file written by the previous version (2: no streams section)
	// still reads: an agent upgraded mid-session finishes the wipe.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	body := data[:len(data)-sha256.Size]
	streamsSection := 8 + 3*18 + 2*len("Zone.Identifier") + len("thumbs")
	v2 := append([]byte(nil), body[:len(body)-streamsSection]...)
	binary.LittleEndian.PutUint32(v2[len(magic):], 2)
	sum := sha256.Sum256(v2)
	v2 = append(v2, sum[:]...)
	old, err := parse(v2)
	if err != nil {
		t.Fatalf("version 2 file refused: %v", err)
	}
	if old.Len() != 1 || old.HasStreams() {
		t.Errorf("version 2 file: %d entries, streams listed: %v (it has none: the wipe must not judge streams by it)", old.Len(), old.HasStreams())
	}

	// Streams out of order or with a path in their name are refused.
	bad := append([]byte(nil), body...)
	i := len(bad) - len("cd/a:b") // the end of the last stream's name
	copy(bad[i:], "a:b/cd")
	sum = sha256.Sum256(bad)
	if _, err := parse(append(bad, sum[:]...)); err == nil {
		t.Error("a stream name with ':' and '/' was accepted")
	}
}
