//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStatusCountsDocuments: the status the window reads counts the
// session's files apart from its entries: a new folder holding 5 files,
// and one more file beside it, are 7 entries but 6 documents; removing a
// file counts down both.
func TestStatusCountsDocuments(t *testing.T) {
	s := newScratch(t)
	a := s.startAgent(t)
	s.awaitActive(t, a, "")
	dir := filepath.Join(s.home, "Downloads", "Dossier CAF")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"} {
		os.WriteFile(filepath.Join(dir, n), []byte("%PDF"), 0o644)
	}
	os.WriteFile(filepath.Join(s.home, "Downloads", "Attestation.pdf"), []byte("%PDF"), 0o644)
	await := func(entries, files int) {
		t.Helper()
		st, _ := s.status(t)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && (st.Counts.Entries != entries || st.Counts.Files != files); time.Sleep(50 * time.Millisecond) {
			st, _ = s.status(t)
		}
		if st.Counts.Entries != entries || st.Counts.Files != files {
			t.Fatalf("status counts %d entries and %d files, want %d and %d\nagent:\n%s", st.Counts.Entries, st.Counts.Files, entries, files, a.stderr.String())
		}
	}
	await(7, 6)
	os.Remove(filepath.Join(dir, "a.pdf"))
	await(6, 5)
}
