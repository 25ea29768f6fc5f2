package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

type recorder struct {
	mu    sync.Mutex
	names map[string]int // rel → times reported
}

func (r *recorder) add(e Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[e.Rel()]++
}

func (r *recorder) has(rel string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[rel] > 0
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.names)
}

func start(t *testing.T, root string, tweak func(*Config)) (*Watcher, *recorder) {
	t.Helper()
	d, err := safefs.OpenRoot(root, safefs.RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	rec := &recorder{names: map[string]int{}}
	cfg := Config{Roots: []*safefs.Dir{d}, OnEntry: rec.add}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w, rec
}

// awaitCount polls until n entries are reported or the deadline passes.
func awaitCount(t *testing.T, rec *recorder, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if rec.count() >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d entries reported, want %d", rec.count(), n)
}

func TestReportsCreationsAndNestedBursts(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "before.txt"), nil, 0o644)
	w, rec := start(t, root, func(c *Config) {
		c.IsNew = func(_ int, in safefs.Info) bool { return in.Size != 12345 } // everything is new here
	})
	_ = w
	// mkdir -p then files before any watch can exist on the new folders.
	os.MkdirAll(filepath.Join(root, "a/b/c"), 0o755)
	os.WriteFile(filepath.Join(root, "a/b/c/deep.pdf"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(root, "a/top.pdf"), []byte("x"), 0o644)
	awaitCount(t, rec, 6) // before.txt (scan at start), a, a/b, a/b/c, deep.pdf, top.pdf
	for _, p := range []string{"a/b/c/deep.pdf", "a/top.pdf", "before.txt"} {
		if !rec.has(p) {
			t.Errorf("%s not reported: %v", p, rec.names)
		}
	}
}

// TestBurst20k: 20,000 files written as fast as possible into 500 freshly
// created nested folders are all reported, five times.
func TestBurst20k(t *testing.T) {
	files, dirs, reps := 20000, 500, 5
	if testing.Short() {
		files, dirs, reps = 2000, 50, 2
	}
	for rep := 0; rep < reps; rep++ {
		root := t.TempDir()
		_, rec := start(t, root, nil)
		writeBurst(t, root, dirs, files)
		// Every file, and the folders at the three levels writeBurst makes.
		awaitCount(t, rec, files+dirs+min(10, dirs)+min(50, dirs))
		missed := 0
		for i := 0; i < files; i++ {
			j := i % dirs
			if !rec.has(fmt.Sprintf("a%d/b%d/c%d/f%05d", j%10, j%50, j, i)) {
				missed++
			}
		}
		if missed > 0 {
			t.Fatalf("repetition %d: %d of %d files missed", rep, missed, files)
		}
	}
}

func writeBurst(t testing.TB, root string, dirs, files int) {
	t.Helper()
	for i := 0; i < dirs; i++ {
		if err := os.MkdirAll(filepath.Join(root, fmt.Sprintf("a%d/b%d/c%d", i%10, i%50, i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < files; i++ {
		j := i % dirs
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("a%d/b%d/c%d/f%05d", j%10, j%50, j, i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestC2_QueueOverflow holds the event loop while 20,000 files are
// created, more than the kernel queue holds; the overflow triggers a rescan
// and every file is still reported.
func TestC2_QueueOverflow(t *testing.T) {
	root := t.TempDir()
	pause := make(chan struct{})
	w, rec := start(t, root, func(c *Config) { c.Pause = pause })
	pause <- struct{}{} // let the loop reach its next wait
	for i := 0; i < 20000; i++ {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("f%05d", i)), nil, 0o644)
	}
	close(pause) // resume for good
	awaitCount(t, rec, 20000)
	if w.Stats().Overflows == 0 {
		t.Skip("the kernel queue did not overflow (fs.inotify.max_queued_events is large here); nothing to prove")
	}
}

// TestC3_WatchCap: past the cap the root is degraded, no more watches are
// added, and what exists is still reported by the scans.
func TestC3_WatchCap(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.MaxWatches = 50 })
	for i := 0; i < 200; i++ {
		os.MkdirAll(filepath.Join(root, fmt.Sprintf("d%03d/sub", i)), 0o755)
	}
	time.Sleep(200 * time.Millisecond)
	st := w.Stats()
	if st.Watches > 50 {
		t.Errorf("%d watches held, cap 50", st.Watches)
	}
	if len(st.Degraded) != 1 {
		t.Errorf("root not marked degraded: %+v", st)
	}
	if n := inotifyWatches(t); n > 50 {
		t.Errorf("the kernel counts %d inotify watches for this process, cap 50", n)
	}
	_ = rec
}

// inotifyWatches counts the inotify watches of this process from
// /proc/self/fdinfo.
func inotifyWatches(t *testing.T) int {
	fds, _ := os.ReadDir("/proc/self/fdinfo")
	n := 0
	for _, fd := range fds {
		b, _ := os.ReadFile("/proc/self/fdinfo/" + fd.Name())
		n += strings.Count(string(b), "inotify wd:")
	}
	return n
}

// TestC7_WatcherNeverFollowsASwappedLink: the folder is replaced by a link
// to a sentinel folder just before its watch is added; nothing created in
// the sentinel is ever reported.
func TestC7_WatcherNeverFollowsASwappedLink(t *testing.T) {
	base := t.TempDir()
	root, sentinel := filepath.Join(base, "Downloads"), filepath.Join(base, "sentinel")
	os.MkdirAll(root, 0o755)
	os.MkdirAll(sentinel, 0o755)
	var once sync.Once
	_, rec := start(t, root, func(c *Config) {
		c.BeforeAddWatch = func(_ int, rel string) {
			if rel == "d" {
				once.Do(func() {
					os.Rename(filepath.Join(root, "d"), filepath.Join(root, "d.moved"))
					os.Symlink(sentinel, filepath.Join(root, "d"))
				})
			}
		}
	})
	os.Mkdir(filepath.Join(root, "d"), 0o755)
	awaitCount(t, rec, 1)
	time.Sleep(100 * time.Millisecond)
	os.WriteFile(filepath.Join(sentinel, "secret-name.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "d.moved", "mine.txt"), nil, 0o644)
	// The watch is on the directory that was opened, now d.moved: its new
	// file is reported under the name the folder had when it was opened.
	deadline := time.Now().Add(10 * time.Second)
	for !rec.has("d/mine.txt") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !rec.has("d/mine.txt") {
		t.Errorf("the original folder is not watched any more: %v", rec.names)
	}
	time.Sleep(200 * time.Millisecond)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for rel := range rec.names {
		if strings.Contains(rel, "secret-name") {
			t.Errorf("an entry of the sentinel folder was reported: %q", rel)
		}
	}
}

func TestC5_NamesAreExactBytes(t *testing.T) {
	root := t.TempDir()
	_, rec := start(t, root, nil)
	names := []string{"\xff\xfe.pdf", "a\nb", strings.Repeat("n", 255), ".hidden"}
	for _, n := range names {
		os.WriteFile(filepath.Join(root, n), nil, 0o644)
	}
	awaitCount(t, rec, len(names))
	for _, n := range names {
		if !rec.has(n) {
			t.Errorf("%q not reported as those exact bytes", n)
		}
	}
}

// TestBrowserDownloadSequences replays the file operations Firefox and
// Chromium make when downloading (shared/libraries.md §2): every name that
// appears is a session entry, reported once.
func TestBrowserDownloadSequences(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, nil)
	p := func(n string) string { return filepath.Join(root, n) }
	// Firefox: random temp, removed; .part and an empty final name; rename.
	os.WriteFile(p("hrf5kJJc.pdf"), nil, 0o644)
	os.Remove(p("hrf5kJJc.pdf"))
	os.WriteFile(p("hrf5kJJc.pdf.part"), nil, 0o644)
	os.WriteFile(p("scan.pdf"), nil, 0o644)
	os.WriteFile(p("hrf5kJJc.pdf.part"), []byte(strings.Repeat("x", 2000)), 0o644)
	os.Rename(p("hrf5kJJc.pdf.part"), p("scan.pdf"))
	// Chromium: hidden mkstemp file → .crdownload → final name.
	os.WriteFile(p(".org.chromium.Chromium.SdnMYW"), nil, 0o644)
	os.Rename(p(".org.chromium.Chromium.SdnMYW"), p("Unconfirmed 474026.crdownload"))
	os.WriteFile(p("Unconfirmed 474026.crdownload"), []byte("data"), 0o644)
	os.Rename(p("Unconfirmed 474026.crdownload"), p("facture.pdf"))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !(rec.has("scan.pdf") && rec.has("facture.pdf")) {
		time.Sleep(10 * time.Millisecond)
	}
	if !rec.has("scan.pdf") || !rec.has("facture.pdf") {
		t.Errorf("final names not reported: %v", rec.names)
	}
	// Two downloads (plus Firefox's short-lived temp file): the count of
	// distinct files does not grow with renames.
	if n := w.Stats().Entries; n > 4 {
		t.Errorf("%d entries counted for two downloads", n)
	}
}
