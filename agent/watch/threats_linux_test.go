package watch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writeBurst makes dirs nested folders (a%d/b%d/c%d, three levels, all new)
// and files files spread over them, as fast as it can: the shape of an
// unzip (threats.md C1). It returns the files' paths relative to root.
func writeBurst(t testing.TB, root string, dirs, files int) []string {
	t.Helper()
	for i := range dirs {
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("a%d/b%d/c%d", i%10, i%50, i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	names := make([]string, files)
	for i := range files {
		j := i % dirs
		names[i] = fmt.Sprintf("a%d/b%d/c%d/f%05d", j%10, j%50, j, i)
		f, err := os.OpenFile(filepath.Join(root, names[i]), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return names
}

// TestBurst20kNested: 20,000 files written as fast as possible into 500
// freshly created nested folders are all reported, none twice, five times
// in a row (threats.md C1 at the watcher's level).
func TestBurst20kNested(t *testing.T) {
	files, dirs, reps := 20000, 500, 5
	if testing.Short() {
		files, dirs, reps = 2000, 50, 2
	}
	for rep := range reps {
		root := t.TempDir()
		w, rec := start(t, root, nil)
		names := writeBurst(t, root, dirs, files)
		folders := dirs + min(dirs, 50) + min(dirs, 10)
		awaitSnapshot(t, w, "every entry", func(s Snapshot) bool { return s.Count >= files+folders })
		created := rec.createdPaths()
		missed, twice := 0, 0
		for _, n := range names {
			switch created[n] {
			case 0:
				missed++
			case 1:
			default:
				twice++
			}
		}
		st := w.Stats()
		t.Logf("repetition %d: %d events handled, %d overflows, %d rescans", rep, st.Events, st.Overflows, st.Rescans)
		if missed > 0 || twice > 0 || w.Snapshot().Count != files+folders {
			t.Fatalf("repetition %d: %d of %d files missed, %d reported twice, snapshot %d", rep, missed, files, twice, w.Snapshot().Count)
		}
		w.Close()
	}
}

func maxQueuedEvents(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err != nil {
		t.Skipf("cannot read the inotify queue size: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if n > 200000 {
		t.Skipf("fs.inotify.max_queued_events is %d; overflowing it would take too long here", n)
	}
	return n
}

// TestC2_QueueOverflow holds the watcher while more files are created than
// the kernel queue holds, twice: each overflow is seen and followed by a
// rescan that reports every file, and the log says so once per session.
func TestC2_QueueOverflow(t *testing.T) {
	root := t.TempDir()
	logs := &logRecorder{}
	w, rec := start(t, root, func(c *Config) { c.Logger = slog.New(logs) })
	n := maxQueuedEvents(t) + 4000
	for round := range 2 {
		release := w.holdForTest()
		for i := range n {
			f, err := os.Create(filepath.Join(root, fmt.Sprintf("r%d-f%06d", round, i)))
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		release()
		want := n * (round + 1)
		awaitSnapshot(t, w, "every file", func(s Snapshot) bool { return s.Count == want })
		if st := w.Stats(); st.Overflows < round+1 || st.Rescans < round+1 {
			t.Fatalf("round %d: %+v; the queue overflow was not seen", round, st)
		}
	}
	created := rec.createdPaths()
	for p, c := range created {
		if c != 1 {
			t.Errorf("%s reported created %d times", p, c)
		}
	}
	if len(created) != 2*n {
		t.Errorf("%d files reported, want %d", len(created), 2*n)
	}
	if c := logs.count("inotify queue overflowed; full rescan"); c != 1 {
		t.Errorf("the overflow was logged %d times, want once per session", c)
	}
}

// TestC3_WatchCap: 200 new folders against a cap of 50 watches. The watcher
// never holds more than its cap (its counter and the kernel's fdinfo
// agree), the root is marked degraded and the log says so once, and the
// rescan it exposes for the end of the session finds every entry.
func TestC3_WatchCap(t *testing.T) {
	root := t.TempDir()
	logs := &logRecorder{}
	w, rec := start(t, root, func(c *Config) { c.MaxWatches = 50; c.Logger = slog.New(logs) })
	for i := range 200 {
		os.Mkdir(filepath.Join(root, fmt.Sprintf("d%03d", i)), 0o755)
	}
	awaitSnapshot(t, w, "200 folders", func(s Snapshot) bool { return s.Count == 200 })
	st := w.Stats()
	if st.Watches > 50 || st.Watches < 49 {
		t.Errorf("%d watches held, cap 50", st.Watches)
	}
	if k := len(kernelWatches(t)); k > 50 || k != st.Watches {
		t.Errorf("the kernel counts %d watches for this process, the watcher %d, cap 50", k, st.Watches)
	}
	if !slices.Equal(st.Degraded, []int{0}) {
		t.Errorf("degraded roots %v, want [0]", st.Degraded)
	}
	for i := range 200 {
		mustWrite(t, filepath.Join(root, fmt.Sprintf("d%03d/file", i)), nil)
	}
	if err := w.Rescan(context.Background()); err != nil {
		t.Fatal(err)
	}
	created := rec.createdPaths()
	for i := range 200 {
		if p := fmt.Sprintf("d%03d/file", i); created[p] != 1 {
			t.Errorf("%s reported %d times after the rescan", p, created[p])
		}
	}
	if s := w.Snapshot(); s.Count != 400 || !slices.Equal(s.Degraded, []int{0}) {
		t.Errorf("snapshot: %d entries, degraded %v", s.Count, s.Degraded)
	}
	if k := len(kernelWatches(t)); k > 50 {
		t.Errorf("the kernel counts %d watches after the rescan, cap 50", k)
	}
	if c := logs.count("folder watching degraded; the folder is rescanned at the end of the session"); c != 1 {
		t.Errorf("degradation logged %d times, want once", c)
	}
}

// TestC5_HostileNames: names that are not valid UTF-8, hold newlines,
// escapes or bidi overrides, or are 255 bytes long come back as the exact
// bytes; the baseline's a\xfe is never reported while a\xff is.
func TestC5_HostileNames(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "a\xfe"), []byte("baseline"))
	w, rec := start(t, root, func(c *Config) { c.IsNew = baselineOf(t, root) })
	names := []string{"\xff\xfe.pdf", "a\nb", strings.Repeat("n", 255), "-rf", ".hidden", "a\xff",
		"x\x1b[2J", "facture\u202Efdp.exe", "x\n2026-11-24 ardoise: nettoyage terminé"}
	for _, n := range names {
		mustWrite(t, filepath.Join(root, n), []byte(n))
	}
	os.Mkdir(filepath.Join(root, "\xff"), 0o755)
	mustWrite(t, filepath.Join(root, "\xff", "\n"), nil)
	awaitSnapshot(t, w, "every name", func(s Snapshot) bool { return s.Count == len(names)+2 })
	created := rec.createdPaths()
	for _, n := range append(names, "\xff", "\xff/\n") {
		if created[n] != 1 {
			t.Errorf("%q reported %d times as those exact bytes; events %+v", n, created[n], rec.all())
		}
	}
	for _, ev := range rec.all() {
		if ev.Name == "a\xfe" {
			t.Errorf("the baseline's a\\xfe was reported: %+v", ev)
		}
		if ev.Name == "\n" && ev.RelPath != "\xff/\n" {
			t.Errorf("path %q, want %q", ev.RelPath, "\xff/\n")
		}
	}
}

// TestC7_WatcherNeverFollowsASwappedLink: the hook replaces d with a link to
// a sentinel folder between the moment d is opened and the moment its watch
// is added. No event ever names a file created in the sentinel, the kernel
// shows no watch on the sentinel's inode, and the folder that was opened is
// the one watched (plain fsnotify.Add(path) fails all three, P7).
func TestC7_WatcherNeverFollowsASwappedLink(t *testing.T) {
	base := t.TempDir()
	root, sentinel := filepath.Join(base, "Downloads"), filepath.Join(base, "sentinel")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(filepath.Join(sentinel, "dir"), 0o755)
	mustWrite(t, filepath.Join(sentinel, "dir", "keep.txt"), []byte("sentinel"))
	swapped := make(chan struct{})
	w, rec := start(t, root, func(c *Config) {
		c.BeforeAddWatch = func(_ int, rel string) {
			if rel == "d" {
				select {
				case <-swapped:
				default:
					os.Rename(filepath.Join(root, "d"), filepath.Join(root, "d.moved"))
					os.Symlink(filepath.Join(sentinel, "dir"), filepath.Join(root, "d"))
					close(swapped)
				}
			}
		}
	})
	os.Mkdir(filepath.Join(root, "d"), 0o755)
	<-swapped
	original := inode(t, filepath.Join(root, "d.moved"))
	awaitSnapshot(t, w, "the swap seen", func(s Snapshot) bool { return s.Count == 2 }) // d.moved and the link d
	mustWrite(t, filepath.Join(sentinel, "dir", "secret-name.txt"), nil)
	mustWrite(t, filepath.Join(root, "d.moved", "mine.txt"), nil)
	mustWrite(t, filepath.Join(root, "marker"), nil)
	waitFor(t, "marker and mine.txt", func() bool {
		c := rec.createdPaths()
		return c["marker"] == 1 && c["d.moved/mine.txt"] == 1
	})
	for _, ev := range rec.all() {
		if strings.Contains(ev.RelPath, "secret-name") || strings.Contains(ev.Name, "keep.txt") {
			t.Errorf("an entry of the sentinel folder was reported: %+v", ev)
		}
	}
	for _, e := range w.Snapshot().Entries {
		if strings.Contains(e.RelPath, "secret-name") {
			t.Errorf("the snapshot names a sentinel entry: %+v", e)
		}
	}
	sentinelIno := inode(t, filepath.Join(sentinel, "dir"))
	onOriginal := false
	for _, kw := range kernelWatches(t) {
		if kw.ino == sentinelIno {
			t.Errorf("a watch is on the sentinel folder (inode %d)", sentinelIno)
		}
		onOriginal = onOriginal || kw.ino == original
	}
	if !onOriginal {
		t.Errorf("no watch on the folder that was opened (inode %d)", original)
	}
	if b, err := os.ReadFile(filepath.Join(sentinel, "dir", "keep.txt")); err != nil || string(b) != "sentinel" {
		t.Errorf("sentinel changed: %q %v", b, err)
	}
	kinds := map[string]Kind{}
	for _, e := range w.Snapshot().Entries {
		kinds[e.RelPath] = e.Kind
	}
	if _, ok := kinds["d"]; !ok {
		t.Errorf("the link d itself (a session entry, never followed) is not in the snapshot: %v", kinds)
	}
}
