package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// baselineOf records the identities under root, as the agent's baseline
// does, and returns an IsNew that refuses them.
func baselineOf(t *testing.T, root string) func(int, safefs.Info) bool {
	t.Helper()
	old := map[key]bool{}
	filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			var st = inodeKey(t, p)
			old[st] = true
		}
		return nil
	})
	return func(_ int, in safefs.Info) bool { return !old[keyOf(in.Identity)] }
}

func inodeKey(t *testing.T, p string) key {
	t.Helper()
	d, err := safefs.OpenRoot(filepath.Dir(p), trustMe)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	in, err := d.Stat(filepath.Base(p))
	if err != nil {
		t.Fatal(err)
	}
	return keyOf(in.Identity)
}

func kinds(evs []Event, name string) []Kind {
	var out []Kind
	for _, ev := range evs {
		if ev.Name == name {
			out = append(out, ev.Kind)
		}
	}
	return out
}

// TestCreateRenameRemove follows one file through its life, and checks
// that what existed before is never reported.
func TestCreateRenameRemove(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "Downloads"), filepath.Join(base, "outside")
	os.Mkdir(root, 0o755)
	os.Mkdir(outside, 0o755)
	mustWrite(t, filepath.Join(root, "before.txt"), []byte("library guide"))
	os.Mkdir(filepath.Join(root, "old-folder"), 0o755)
	w, rec := start(t, root, func(c *Config) { c.IsNew = baselineOf(t, root) })

	mustWrite(t, filepath.Join(root, "a.txt"), []byte("x"))
	waitFor(t, "a.txt created", func() bool { return slices.Contains(kinds(rec.all(), "a.txt"), Created) })
	os.Rename(filepath.Join(root, "a.txt"), filepath.Join(root, "old-folder", "b.txt"))
	waitFor(t, "b.txt renamed", func() bool { return slices.Contains(kinds(rec.all(), "b.txt"), Renamed) })
	if s := w.Snapshot(); s.Count != 1 || s.Entries[0].RelPath != "old-folder/b.txt" || s.Entries[0].Kind != Renamed {
		t.Fatalf("snapshot after rename: %+v", s)
	}
	os.Remove(filepath.Join(root, "old-folder", "b.txt"))
	waitFor(t, "b.txt removed", func() bool { return slices.Contains(kinds(rec.all(), "b.txt"), Removed) })

	// Moved in from outside the roots: created. Moved out: removed.
	mustWrite(t, filepath.Join(outside, "in.pdf"), []byte("x"))
	os.Rename(filepath.Join(outside, "in.pdf"), filepath.Join(root, "in.pdf"))
	waitFor(t, "in.pdf created", func() bool { return slices.Contains(kinds(rec.all(), "in.pdf"), Created) })
	os.Rename(filepath.Join(root, "in.pdf"), filepath.Join(outside, "gone.pdf"))
	waitFor(t, "in.pdf removed", func() bool { return slices.Contains(kinds(rec.all(), "in.pdf"), Removed) })

	if got := kinds(rec.all(), "a.txt"); !slices.Equal(got, []Kind{Created}) {
		t.Errorf("a.txt: %v, want one Created (its rename is reported under the new name)", got)
	}
	for _, ev := range rec.all() {
		if ev.Name == "before.txt" || ev.Name == "old-folder" {
			t.Errorf("a pre-existing entry was reported: %+v", ev)
		}
	}
	if s := w.Snapshot(); s.Count != 0 || len(s.Entries) != 0 {
		t.Errorf("snapshot at the end: %+v", s)
	}
}

// TestMkdirPBeforeWatch: mkdir -p and files written before any watch can
// exist on the new folders are all found (libraries.md §2).
func TestMkdirPBeforeWatch(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, nil)
	os.MkdirAll(filepath.Join(root, "a/b/c"), 0o755)
	mustWrite(t, filepath.Join(root, "a/b/c/deep.pdf"), []byte("x"))
	mustWrite(t, filepath.Join(root, "a/b/mid.pdf"), []byte("x"))
	mustWrite(t, filepath.Join(root, "a/top.pdf"), []byte("x"))
	want := []string{"a", "a/b", "a/b/c", "a/b/c/deep.pdf", "a/b/mid.pdf", "a/top.pdf"}
	awaitSnapshot(t, w, "every entry", func(s Snapshot) bool { return s.Count == len(want) })
	got := rec.createdPaths()
	for _, p := range want {
		if got[p] != 1 {
			t.Errorf("%s reported created %d times, want once", p, got[p])
		}
	}
	// Every folder is watched: a file made later in the deepest one is
	// reported through its own watch.
	if st := w.Stats(); st.Watches != 4 {
		t.Errorf("%d watches, want 4 (root, a, a/b, a/b/c)", st.Watches)
	}
	mustWrite(t, filepath.Join(root, "a/b/c/later.pdf"), nil)
	waitFor(t, "a/b/c/later.pdf", func() bool { return rec.createdPaths()["a/b/c/later.pdf"] == 1 })
}

// TestFolderMovedOutIsDropped: a folder moved out of the roots takes its
// entries with it (Removed), and its watch and handle are released, so
// nothing created there afterwards is reported.
func TestFolderMovedOutIsDropped(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "Downloads"), filepath.Join(base, "outside")
	os.MkdirAll(filepath.Join(root, "d/e"), 0o755)
	os.Mkdir(outside, 0o755)
	mustWrite(t, filepath.Join(root, "d/e/f.txt"), nil)
	w, rec := start(t, root, nil)
	if st := w.Stats(); st.Watches != 3 || w.Snapshot().Count != 3 {
		t.Fatalf("at start: %+v, snapshot %+v", st, w.Snapshot())
	}
	os.Rename(filepath.Join(root, "d"), filepath.Join(outside, "d"))
	awaitSnapshot(t, w, "entries removed", func(s Snapshot) bool { return s.Count == 0 })
	waitFor(t, "watches released", func() bool { return w.Stats().Watches == 1 })
	for _, p := range []string{"d", "d/e", "d/e/f.txt"} {
		found := false
		for _, ev := range rec.all() {
			found = found || (ev.Kind == Removed && ev.RelPath == p)
		}
		if !found {
			t.Errorf("%s not reported removed", p)
		}
	}
	// A file made in the moved folder, then a marker in the root: events
	// arrive in order, so once the marker is in, the other would be too.
	mustWrite(t, filepath.Join(outside, "d/e/secret.txt"), nil)
	mustWrite(t, filepath.Join(root, "marker"), nil)
	waitFor(t, "marker", func() bool { return rec.createdPaths()["marker"] == 1 })
	for _, ev := range rec.all() {
		if ev.Name == "secret.txt" {
			t.Errorf("an entry outside the roots was reported: %+v", ev)
		}
	}
	if n := len(kernelWatches(t)); n != 1 {
		t.Errorf("the kernel holds %d watches for this process, want 1", n)
	}
}

// TestFolderMovedWithinRoot: a watched folder renamed inside the root keeps
// being followed under its new name, its content is not reported again, and
// its old watch does not leak.
func TestFolderMovedWithinRoot(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, nil)
	os.MkdirAll(filepath.Join(root, "a/sub"), 0o755)
	mustWrite(t, filepath.Join(root, "a/sub/f"), nil)
	awaitSnapshot(t, w, "a/sub/f", func(s Snapshot) bool { return s.Count == 3 })
	os.Mkdir(filepath.Join(root, "x"), 0o755)
	os.Rename(filepath.Join(root, "a"), filepath.Join(root, "x/b"))
	waitFor(t, "x/b renamed", func() bool { return slices.Contains(kinds(rec.all(), "b"), Renamed) })
	mustWrite(t, filepath.Join(root, "x/b/new"), nil)
	mustWrite(t, filepath.Join(root, "x/b/sub/new2"), nil)
	waitFor(t, "new files", func() bool {
		c := rec.createdPaths()
		return c["x/b/new"] == 1 && c["x/b/sub/new2"] == 1
	})
	paths := map[string]bool{}
	for _, e := range w.Snapshot().Entries {
		paths[e.RelPath] = true
	}
	for _, p := range []string{"x", "x/b", "x/b/sub", "x/b/sub/f", "x/b/new", "x/b/sub/new2"} {
		if !paths[p] {
			t.Errorf("snapshot lacks %s: %v", p, paths)
		}
	}
	if c := rec.createdPaths(); c["a/sub/f"] != 1 || c["x/b/sub/f"] != 0 {
		t.Errorf("a moved file was reported created again: %v", c)
	}
	if st, k := w.Stats(), len(kernelWatches(t)); st.Watches != 4 || k != 4 {
		t.Errorf("watches: ours %d, kernel %d, want 4 (root, x, x/b, x/b/sub)", st.Watches, k)
	}
}

// TestRemovedFolderReleasesWatch: rm -rf of a watched tree releases every
// watch and handle.
func TestRemovedFolderReleasesWatch(t *testing.T) {
	root := t.TempDir()
	w, _ := start(t, root, nil)
	os.MkdirAll(filepath.Join(root, "a/b/c"), 0o755)
	waitFor(t, "watches", func() bool { return w.Stats().Watches == 4 })
	os.RemoveAll(filepath.Join(root, "a"))
	waitFor(t, "watches released", func() bool { return w.Stats().Watches == 1 && w.Snapshot().Count == 0 })
	if n := len(kernelWatches(t)); n != 1 {
		t.Errorf("the kernel holds %d watches, want 1", n)
	}
}

// TestMaxEntriesTruncates: past MaxEntries, entries are still reported but
// not remembered, and the watcher says so.
func TestMaxEntriesTruncates(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.MaxEntries = 10 })
	for i := range 25 {
		mustWrite(t, filepath.Join(root, fmt.Sprintf("f%02d", i)), nil)
	}
	waitFor(t, "25 reported", func() bool { return len(rec.createdPaths()) == 25 })
	st, s := w.Stats(), w.Snapshot()
	if !st.Truncated || !s.Truncated || s.Count != 25 || len(s.Entries) != 10 {
		t.Errorf("stats %+v, snapshot count %d with %d entries, truncated %v", st, s.Count, len(s.Entries), s.Truncated)
	}
}

// TestRescanFindsWhatEventsMissed: Rescan reports entries the watcher had
// no event for (here, made while it was held and then given back without
// reading, through a root whose watches were refused).
func TestRescanFindsWhatEventsMissed(t *testing.T) {
	root := t.TempDir()
	os.Mkdir(filepath.Join(root, "deep"), 0o755)
	w, rec := start(t, root, func(c *Config) { c.MaxWatches = 1 }) // the root only
	if st := w.Stats(); len(st.Degraded) != 1 || st.Watches != 1 {
		t.Fatalf("stats %+v", st)
	}
	mustWrite(t, filepath.Join(root, "deep/unseen.pdf"), nil) // no watch there
	mustWrite(t, filepath.Join(root, "marker"), nil)
	waitFor(t, "marker", func() bool { return rec.createdPaths()["marker"] == 1 })
	if rec.createdPaths()["deep/unseen.pdf"] != 0 {
		t.Fatal("an unwatched folder produced an event; the test proves nothing")
	}
	if err := w.Rescan(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec.createdPaths()["deep/unseen.pdf"] != 1 {
		t.Errorf("Rescan did not report deep/unseen.pdf: %v", rec.createdPaths())
	}
}

// TestOnEntryCompat: the older per-entry callback still hears of created and
// renamed entries.
func TestOnEntryCompat(t *testing.T) {
	root := t.TempDir()
	ch := make(chan Entry, 10)
	start(t, root, func(c *Config) { c.OnEntry = func(e Entry) { ch <- e } })
	mustWrite(t, filepath.Join(root, "x"), nil)
	a := <-ch
	os.Rename(filepath.Join(root, "x"), filepath.Join(root, "y"))
	b := <-ch
	if a.Renamed || a.Rel() != "x" || !b.Renamed || b.Rel() != "y" || a.Info.Ino != b.Info.Ino {
		t.Errorf("entries %+v then %+v", a, b)
	}
}
