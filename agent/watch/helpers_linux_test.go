package watch

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// recorder keeps every event a watcher delivered.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) on(evs []Event) {
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// createdPaths returns how many times each path was reported Created.
func (r *recorder) createdPaths() map[string]int {
	out := map[string]int{}
	for _, ev := range r.all() {
		if ev.Kind == Created {
			out[ev.RelPath]++
		}
	}
	return out
}

// mentioned reports whether any event named rel, under any kind.
func (r *recorder) mentioned(rel string) bool {
	for _, ev := range r.all() {
		if ev.RelPath == rel {
			return true
		}
	}
	return false
}

// logRecorder is a slog handler keeping messages, to check what the log
// says (and how often).
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.mu.Unlock()
	return nil
}
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecorder) WithGroup(string) slog.Handler      { return h }

func (h *logRecorder) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

// start runs a watcher on the folder root (opened through safefs) until
// the test ends.
func start(t testing.TB, root string, tweak func(*Config)) (*Watcher, *recorder) {
	t.Helper()
	d, err := safefs.OpenRoot(root, trustMe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	rec := &recorder{}
	cfg := Config{Roots: []*safefs.Dir{d}, OnEvents: rec.on}
	if tweak != nil {
		tweak(&cfg)
	}
	w, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	return w, rec
}

// awaitSnapshot waits until the snapshot satisfies cond and every event
// behind it has reached the recorder.
func awaitSnapshot(t testing.TB, w *Watcher, what string, cond func(Snapshot) bool) {
	t.Helper()
	waitFor(t, what, func() bool {
		if !cond(w.Snapshot()) {
			return false
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.emitted == w.reported
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inotifyWatch is one watch line of /proc/self/fdinfo/N.
type inotifyWatch struct {
	ino uint64
}

// kernelWatches lists the inotify watches this process holds, as the
// kernel counts them (/proc/self/fdinfo, "inotify wd:… ino:… sdev:…").
func kernelWatches(t testing.TB) []inotifyWatch {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fdinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []inotifyWatch
	for _, fd := range fds {
		b, err := os.ReadFile("/proc/self/fdinfo/" + fd.Name())
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "inotify wd:") {
				continue
			}
			for _, f := range strings.Fields(line) {
				if v, ok := strings.CutPrefix(f, "ino:"); ok {
					ino, err := strconv.ParseUint(v, 16, 64)
					if err != nil {
						t.Fatalf("fdinfo line %q: %v", line, err)
					}
					out = append(out, inotifyWatch{ino: ino})
				}
			}
		}
	}
	return out
}

// trustMe lets tests that do not run as root open their own temporary
// folders.
var trustMe = safefs.RootOptions{TrustedUIDs: []uint32{uint32(os.Getuid())}}

func inode(t testing.TB, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func mustWrite(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
