// Package watch follows the session's roots and reports every entry created
// (or moved in) during the session, as it appears: it feeds the crash journal
// and the live count the window shows. It is a hint: the wipe rescans the
// roots against the baseline whatever the watcher saw or missed.
//
// It is built on fsnotify, hardened in three ways (threats.md D7, T7):
//
//   - a watch is never added on a path a user can change: every directory is
//     opened through safefs (no link followed, identity checked) and the watch
//     is added on /proc/self/fd/N, the directory actually opened, because
//     fsnotify follows symbolic links (P7);
//   - a new directory is scanned right after its watch is added, since a
//     burst (an unzip, mkdir -p) creates entries before the watch exists;
//   - an inotify queue overflow triggers a full rescan, and past a cap of
//     watches (kept well below the system's shared budget) a root falls back
//     to the rescan done at the end, and the log says so.
package watch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/fsnotify/fsnotify"
)

// Entry is one entry created during the session.
type Entry struct {
	// Renamed reports an entry already reported under another name (a
	// browser's temporary name becoming the final one).
	Renamed bool
	Root    int
	Parent  safefs.Identity
	Name    string // raw bytes
	Info    safefs.Info

	dir *node
}

// Rel returns the entry's path relative to its root (raw bytes), built on
// demand: keeping every folder's full path would cost memory in the square
// of the depth, which a user controls.
func (e Entry) Rel() string { return e.dir.relOf(e.Name) }

// Config configures a watcher.
type Config struct {
	// Roots are the session's root handles; nil entries are skipped.
	Roots []*safefs.Dir
	// IsNew says whether an entry belongs to the session (not in the
	// baseline, owned by the session's user).
	IsNew func(root int, info safefs.Info) bool
	// OnEntry is called once per new entry, from the watcher's goroutine.
	OnEntry func(Entry)
	// MaxWatches caps the inotify watches held. Default 8192.
	MaxWatches int
	// MaxSeen caps the identities remembered to report each entry once.
	// Default 200,000; past it entries may be reported twice.
	MaxSeen int
	Logger  *slog.Logger

	// Test hooks.
	BeforeAddWatch func(root int, rel string)
	// Pause, if set, is received from before each event is handled, so a
	// test can hold the event loop while the kernel queue fills.
	Pause chan struct{}
}

// Stats describes the watcher's state.
type Stats struct {
	Watches   int
	Entries   int
	Overflows int
	// Degraded lists the roots that are only rescanned at the end.
	Degraded []int
}

type node struct {
	dir     *safefs.Dir
	root    int
	name    string // in its parent; "" for a root
	up      *node
	id      safefs.Identity
	toMount bool // a mount point of the root lies below
}

// relOf returns the path of name inside n, relative to the root.
func (n *node) relOf(name string) string {
	parts := []string{name}
	for m := n; m != nil && m.name != ""; m = m.up {
		parts = append(parts, m.name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// seenEntry is where an entry was last reported: enough to notice a rename
// without keeping paths.
type seenEntry struct {
	parent key
	name   string
}

type key struct{ dev, ino uint64 }

// Watcher is a running watcher.
type Watcher struct {
	cfg Config
	log *slog.Logger
	fsw *fsnotify.Watcher

	mu        sync.Mutex
	nodes     map[string]*node  // by watch path
	watched   map[key]bool      // directories with a watch
	seen      map[key]seenEntry // entries already reported, and where
	degraded  map[int]bool
	bounds    map[int]map[string]bool // mount points below each root, never stat-ed
	entries   int
	overflows int

	cancel context.CancelFunc
	done   chan struct{}
}

// Start watches the roots: it adds the watches, scans what the roots hold
// (reporting nothing that is in the baseline) and follows changes until
// Close.
func Start(cfg Config) (*Watcher, error) {
	if cfg.MaxWatches <= 0 {
		cfg.MaxWatches = 8192
	}
	if cfg.MaxSeen <= 0 {
		cfg.MaxSeen = 200000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{cfg: cfg, log: cfg.Logger, fsw: fsw, nodes: map[string]*node{}, watched: map[key]bool{},
		seen: map[key]seenEntry{}, degraded: map[int]bool{}, bounds: map[int]map[string]bool{}, cancel: cancel, done: make(chan struct{})}
	for i, r := range cfg.Roots {
		if r == nil {
			continue
		}
		d, err := r.Reopen()
		if err != nil {
			w.degrade(i, "cannot open the folder again", err)
			continue
		}
		w.bounds[i], _ = d.MountPoints()
		w.watchDir(&node{dir: d, root: i, id: d.Info().Identity, toMount: len(w.bounds[i]) > 0})
	}
	go w.loop(ctx)
	return w, nil
}

// Close stops watching and releases every handle.
func (w *Watcher) Close() {
	w.cancel()
	w.fsw.Close()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, n := range w.nodes {
		n.dir.Close()
		delete(w.nodes, p)
	}
}

// Stats reports the watcher's state.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Stats{Watches: len(w.nodes), Entries: w.entries, Overflows: w.overflows}
	for r := range w.degraded {
		s.Degraded = append(s.Degraded, r)
	}
	return s
}

func (w *Watcher) degrade(root int, why string, err error) {
	w.mu.Lock()
	already := w.degraded[root]
	w.degraded[root] = true
	w.mu.Unlock()
	if !already {
		w.log.Warn("watcher cannot follow a whole folder; it is fully rescanned at the end of the session",
			"root", root, "why", why, "err", err, "hint", "raise fs.inotify.max_user_watches if this is frequent")
	}
}

// watchDir adds a watch on n (already opened through safefs) and scans it,
// then does the same for every sub-folder, with an explicit queue.
func (w *Watcher) watchDir(first *node) {
	queue := []*node{first}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if w.cfg.BeforeAddWatch != nil && n.name != "" {
			w.cfg.BeforeAddWatch(n.root, n.up.relOf(n.name))
		}
		if !w.addWatch(n) {
			// Not watched: still scan it now, so what is already there is
			// reported; the end-of-session rescan covers the rest.
			queue = append(queue, w.scan(n, false)...)
			n.dir.Close()
			continue
		}
		queue = append(queue, w.scan(n, false)...)
	}
}

// addWatch adds the inotify watch of n, through its handle.
func (w *Watcher) addWatch(n *node) bool {
	w.mu.Lock()
	k := key{n.id.Dev, n.id.Ino}
	if w.watched[k] {
		w.mu.Unlock()
		return false
	}
	if w.degraded[n.root] {
		w.mu.Unlock()
		return false
	}
	if len(w.nodes) >= w.cfg.MaxWatches {
		w.mu.Unlock()
		w.degrade(n.root, "watch cap reached", nil)
		return false
	}
	w.mu.Unlock()
	p := n.dir.WatchPath()
	if err := addWatch(w.fsw, p); err != nil {
		w.degrade(n.root, "the system refused another watch", err)
		return false
	}
	w.mu.Lock()
	w.nodes[p] = n
	w.watched[k] = true
	w.mu.Unlock()
	return true
}

// scan reports the new entries of n and returns its sub-folders, opened:
// those not watched yet, or all of them when all is true (a rescan).
func (w *Watcher) scan(n *node, all bool) []*node {
	var subs []*node
	for {
		es, err := n.dir.ReadEntries(256)
		for _, e := range es {
			if sub := w.consider(n, e.Name, all); sub != nil {
				subs = append(subs, sub)
			}
		}
		if err != nil {
			break
		}
	}
	return subs
}

// consider stats name in n, reports it if it is new, and returns it opened
// if it is a directory not yet watched (or any directory, when all is true).
func (w *Watcher) consider(n *node, name string, all bool) *node {
	rel := ""
	if n.toMount {
		rel = n.relOf(name)
		w.mu.Lock()
		boundary := w.bounds[n.root][rel]
		w.mu.Unlock()
		if boundary {
			return nil // a mount point: never stat-ed, never followed
		}
	}
	info, err := n.dir.Stat(name)
	if err != nil {
		return nil // gone already
	}
	k := key{info.Dev, info.Ino}
	if w.cfg.IsNew == nil || w.cfg.IsNew(n.root, info) {
		here := seenEntry{parent: key{n.id.Dev, n.id.Ino}, name: name}
		w.mu.Lock()
		last, known := w.seen[k]
		if (!known && len(w.seen) < w.cfg.MaxSeen) || (known && last != here) {
			w.seen[k] = here
		}
		if !known {
			w.entries++
		}
		w.mu.Unlock()
		if (!known || last != here) && w.cfg.OnEntry != nil {
			w.cfg.OnEntry(Entry{Renamed: known, Root: n.root, Parent: n.id, Name: name, Info: info, dir: n})
		}
	}
	if !info.IsDir() || info.MountRoot || (n.dir.Info().MntID != 0 && info.MntID != n.dir.Info().MntID) {
		return nil // never follow into another mount
	}
	w.mu.Lock()
	watched := w.watched[k]
	w.mu.Unlock()
	if watched && !all {
		return nil
	}
	d, err := n.dir.OpenDirExpect(name, info.Identity)
	if err != nil {
		return nil // became a link or something else: nothing to follow
	}
	sub := &node{dir: d, root: n.root, name: name, up: n, id: d.Info().Identity}
	if n.toMount {
		sub.toMount = w.onMountPath(n.root, rel)
	}
	return sub
}

// onMountPath reports whether a mount point of the root lies below rel.
func (w *Watcher) onMountPath(root int, rel string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for b := range w.bounds[root] {
		if strings.HasPrefix(b, rel+"/") {
			return true
		}
	}
	return false
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	for {
		if w.cfg.Pause != nil {
			select {
			case <-w.cfg.Pause:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.handle(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.mu.Lock()
				w.overflows++
				first := w.overflows == 1
				w.mu.Unlock()
				if first {
					w.log.Warn("inotify queue overflowed; full rescan (débordement de la file d'événements, nouvel inventaire complet)")
				}
				w.rescan()
			} else {
				w.log.Warn("watcher error", "err", err)
			}
		}
	}
}

func (w *Watcher) handle(ev fsnotify.Event) {
	dirPath, name := ev.Name, ""
	w.mu.Lock()
	n, isDir := w.nodes[ev.Name]
	if !isDir {
		if i := strings.LastIndexByte(ev.Name, '/'); i > 0 {
			dirPath, name = ev.Name[:i], ev.Name[i+1:]
			n = w.nodes[dirPath]
		}
	}
	w.mu.Unlock()
	if n == nil {
		return
	}
	if isDir {
		// The watched directory itself went away or was moved: its watch
		// is gone; release the handle.
		if ev.Has(fsnotify.Remove) {
			w.mu.Lock()
			delete(w.nodes, dirPath)
			delete(w.watched, key{n.id.Dev, n.id.Ino})
			w.mu.Unlock()
			n.dir.Close()
		}
		return
	}
	if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Write) {
		if sub := w.consider(n, name, false); sub != nil {
			w.watchDir(sub)
		}
	}
}

// rescan walks every root again after events were lost, reporting what is
// new and watching new folders.
func (w *Watcher) rescan() {
	w.mu.Lock()
	var roots []*node
	for _, n := range w.nodes {
		if n.name == "" {
			roots = append(roots, n)
		}
	}
	w.mu.Unlock()
	for _, r := range roots {
		d, err := r.dir.Reopen()
		if err != nil {
			continue
		}
		if m, err := d.MountPoints(); err == nil {
			w.mu.Lock()
			w.bounds[r.root] = m
			w.mu.Unlock()
		}
		tmp := &node{dir: d, root: r.root, id: r.id, toMount: len(w.bounds[r.root]) > 0}
		queue := w.scan(tmp, true)
		d.Close()
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			w.mu.Lock()
			watched := w.watched[key{n.id.Dev, n.id.Ino}]
			w.mu.Unlock()
			subs := w.scan(n, true)
			if watched || !w.addWatch(n) {
				n.dir.Close()
			}
			queue = append(queue, subs...)
		}
	}
}
