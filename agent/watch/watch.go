// Package watch follows the session's roots and reports every entry created
// (or moved in) during the session, as it appears: it feeds the crash
// journal, the live count and the "what will be erased" preview. It is a
// hint: the wipe rescans the roots against the baseline whatever the watcher
// saw or missed. It must still be complete in normal conditions, and say so
// clearly when it is not (Stats.Degraded, Stats.Truncated).
//
// It is built on fsnotify, hardened as threats.md D7 and T7 ask:
//
//   - a watch is never added on a path a user can change. Every directory is
//     opened through safefs (no link followed, identity checked) and the
//     watch is added on its /proc/self/fd/N link, so it lands on the very
//     directory that was opened, because fsnotify follows symbolic links
//     (P7, C7). The handle stays open while the watch exists, and events
//     ("/proc/self/fd/N/name") are mapped back to that directory;
//   - a new directory is opened, watched, and only then scanned, because an
//     unzip or mkdir -p creates entries before the watch exists;
//   - an inotify queue overflow triggers a full rescan (C2), and past a cap
//     of watches kept well below root's shared budget, or when the kernel
//     refuses one, a root stops getting new watches and is marked to be
//     rescanned at the end (C3);
//   - entries are keyed by identity (device, inode), so a download renamed
//     from a temporary name to its final one is reported once as created,
//     then as renamed; names are raw bytes.
//
// Every event is a hint to look again: the watcher stats the name through
// the handle of its directory before reporting anything, so a stale or
// misattributed event can cause an extra check, never a wrong report.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/fsnotify/fsnotify"
)

// Kind says what happened to an entry.
type Kind uint8

const (
	// Created: a session entry seen for the first time.
	Created Kind = iota + 1
	// Renamed: a known entry now has another name or folder (a browser's
	// temporary name becoming the final one).
	Renamed
	// Removed: a known entry is gone from the roots (deleted or moved out).
	Removed
	// Updated: a known entry changed size after writes stopped for the
	// debounce delay.
	Updated
)

func (k Kind) String() string {
	switch k {
	case Created:
		return "created"
	case Renamed:
		return "renamed"
	case Removed:
		return "removed"
	case Updated:
		return "updated"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Event is one change to the session's entries.
type Event struct {
	Kind Kind
	// Root is the index of the root in Config.Roots.
	Root int
	// RelPath is the entry's path relative to its root, raw bytes joined
	// by "/", for display only (escape it before showing or logging it;
	// never use it for a system call). A path longer than MaxRelPath bytes
	// is cut at the front and starts with ".../".
	RelPath string
	// Parent is the identity of the folder holding the entry.
	Parent safefs.Identity
	// Name is the entry's name, raw bytes (may be invalid UTF-8).
	Name string
	// Info is what a no-follow stat said; for Removed, the last one known.
	Info safefs.Info
}

// MaxRelPath bounds Event.RelPath: building a full path for every event
// would cost time in the square of the depth, which a user controls
// (threats.md R1).
const MaxRelPath = 4096

// Entry is one created (or renamed) entry, as given to Config.OnEntry.
//
// Deprecated: use Config.OnEvents and Event, which also carry removals and
// size updates. Entry stays while the agent is wired to OnEntry.
type Entry struct {
	// Renamed reports an entry already reported under another name.
	Renamed bool
	Root    int
	Parent  safefs.Identity
	Name    string // raw bytes
	Info    safefs.Info

	rel string
}

// Rel returns the entry's path relative to its root (see Event.RelPath).
func (e Entry) Rel() string { return e.rel }

// Config configures a watcher. Zero values take the documented defaults.
type Config struct {
	// Roots are the session's root handles, in the session's root order;
	// nil entries (refused roots) are skipped. The watcher reopens them and
	// never closes the caller's handles.
	Roots []*safefs.Dir
	// IsNew says whether an entry belongs to the session: not in the
	// baseline, owned by the session's user. nil means everything is new.
	// It is called from the watcher's goroutine.
	IsNew func(root int, info safefs.Info) bool
	// OnEvents receives events in batches, from the watcher's goroutine,
	// in order. The slice is the callee's. A slow callback delays the
	// watcher (the kernel queue may then overflow, which costs a rescan but
	// loses nothing). It must not call Rescan or Close.
	OnEvents func([]Event)
	// OnEntry is called once per Created or Renamed event, after OnEvents.
	//
	// Deprecated: use OnEvents.
	OnEntry func(Entry)
	Logger  *slog.Logger

	// MaxWatches caps the inotify watches held, roots included, well below
	// root's fs.inotify.max_user_watches, which systemd and udev share. It
	// is also kept under half of the open-file limit, since every watch
	// holds a directory handle. Default 8192.
	MaxWatches int
	// MaxEntries caps the session entries remembered (and the folders
	// known). Past it, new entries are still reported as Created but not
	// remembered: Stats.Truncated is set and counts become upper bounds.
	// Default 100,000.
	MaxEntries int
	// Debounce is how long writes must stop before an Updated event gives
	// a file's size, and how long an entry renamed away may take to
	// reappear before it is reported Removed. Default 300ms.
	Debounce time.Duration
	// EventBuffer is the size of fsnotify's event channel
	// (fsnotify.NewBufferedWatcher); 0 means unbuffered.
	EventBuffer uint

	// BeforeAddWatch is a test hook called between opening a folder and
	// adding its watch, with the folder's path relative to its root.
	BeforeAddWatch func(root int, rel string)
}

// Stats describes the watcher's state. It holds no name.
type Stats struct {
	// Watches is the number of inotify watches held now.
	Watches int
	// MaxWatches is the cap in force (Config.MaxWatches, lowered to fit
	// the open-file limit).
	MaxWatches int
	// Entries counts the session entries present (an upper bound once
	// Truncated).
	Entries int
	// Events counts the fsnotify events handled; Reported the events
	// delivered (the callbacks returned).
	Events   uint64
	Reported uint64
	// Overflows counts inotify queue overflows, Rescans full rescans.
	Overflows int
	Rescans   int
	// Degraded lists the roots that do not get new watches any more (cap
	// reached, watch refused by the system, too many folders): only a full
	// rescan (Rescan, and the wipe's own) sees everything in them.
	Degraded []int
	// Truncated reports that more entries exist than MaxEntries.
	Truncated bool
}

// Snapshot is the set of session entries known now.
type Snapshot struct {
	// Entries are the entries present, sorted by root then path; Kind is
	// the last change reported for each (Created, Renamed or Updated).
	Entries []Event
	// Count is the number of entries present; with Truncated it includes
	// entries not remembered and is an upper bound.
	Count     int
	Truncated bool
	Degraded  []int
}

// ErrClosed is returned by Rescan on a closed watcher.
var ErrClosed = errors.New("watcher closed")

// closeWait bounds how long Close waits for the watcher's goroutine. A
// stat that blocks in the kernel (a hostile FUSE server, threats.md M3) must
// not block the end of the session.
const closeWait = 5 * time.Second

// Watcher is a running watcher.
type Watcher struct {
	cfg    Config
	log    *slog.Logger
	fsw    *fsnotify.Watcher
	ctx    context.Context // ends walks when Close is called
	cancel context.CancelFunc

	maxWatches int
	maxEntries int

	// mu guards what Stats and Snapshot read. Only the loop goroutine
	// writes the tree and the entries, always under mu, and it never holds
	// mu across a system call that resolves a user's name (which could
	// block on a FUSE server), nor across a callback.
	mu        sync.Mutex
	nodes     map[key]*node     // every folder known, by identity
	watches   map[string]*node  // watched folders, by watch path
	entries   map[key]*entry    // session entries, by identity
	roots     []*node           // by root index; nil for skipped roots
	bounds    []map[string]bool // mount points below each root, never stat-ed
	degraded  map[int]bool
	untracked int // entries reported past MaxEntries
	truncated bool
	events    uint64
	reported  uint64 // delivered (after the callbacks return)
	emitted   uint64 // gathered for delivery
	overflows int
	rescans   int

	// Loop-only state.
	gen        uint64     // full-rescan generation
	queue      []walkItem // folders to scan, each after its watch
	timed      []timed    // debounce and rename grace, roughly by due time
	timer      *time.Timer
	out        []Event
	overLog    bool // the overflow was logged
	incomplete map[int]bool

	hold      chan chan struct{}
	rescanReq chan chan error
	quit      chan struct{}
	closeOnce sync.Once
	ready     chan struct{}
	done      chan struct{}
}

// Start watches the roots: it adds their watches, scans what they hold
// (reporting what IsNew accepts, so entries made between the baseline and
// now are not missed) and follows changes until Close. When Start returns,
// every folder already present is watched (or its root degraded).
func Start(cfg Config) (*Watcher, error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	if cfg.MaxWatches <= 0 {
		cfg.MaxWatches = 8192
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = 100000
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 300 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var fsw *fsnotify.Watcher
	var err error
	if cfg.EventBuffer > 0 {
		fsw, err = fsnotify.NewBufferedWatcher(cfg.EventBuffer)
	} else {
		fsw, err = fsnotify.NewWatcher()
	}
	if err != nil {
		return nil, fmt.Errorf("start watching folders: %w (each watcher is one inotify instance; see fs.inotify.max_user_instances)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{
		cfg: cfg, log: cfg.Logger, fsw: fsw, ctx: ctx, cancel: cancel,
		maxWatches: min(cfg.MaxWatches, fdBudget()),
		maxEntries: cfg.MaxEntries,
		nodes:      map[key]*node{}, watches: map[string]*node{}, entries: map[key]*entry{},
		roots: make([]*node, len(cfg.Roots)), bounds: make([]map[string]bool, len(cfg.Roots)),
		degraded: map[int]bool{}, incomplete: map[int]bool{},
		timer: time.NewTimer(time.Hour),
		hold:  make(chan chan struct{}), rescanReq: make(chan chan error),
		quit: make(chan struct{}), ready: make(chan struct{}), done: make(chan struct{}),
	}
	w.timer.Stop()
	go w.loop()
	<-w.ready
	return w, nil
}

// Close stops watching and releases every watch and handle. It waits a
// bounded time for the watcher's goroutine; if that goroutine is stuck in
// the kernel, Close returns an error and the handles are released when it
// comes back.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		w.cancel()
		close(w.quit)
		w.fsw.Close()
	})
	select {
	case <-w.done:
		return nil
	case <-time.After(closeWait):
		return errors.New("the folder watcher did not stop in time (a folder may be on a file system that does not answer); its handles are released when it does")
	}
}

// Rescan walks every root again now and reports what the events missed.
// It is what a degraded root needs before the session ends; the wipe
// rescans anyway. It must not be called from OnEvents.
func (w *Watcher) Rescan(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case w.rescanReq <- reply:
	case <-w.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-w.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats reports the watcher's state. It never waits for the watcher's
// goroutine, so it is safe from any goroutine, callbacks included.
func (w *Watcher) Stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Stats{
		Watches: len(w.watches), MaxWatches: w.maxWatches,
		Entries: len(w.entries) + w.untracked,
		Events:  w.events, Reported: w.reported,
		Overflows: w.overflows, Rescans: w.rescans,
		Degraded: w.degradedLocked(), Truncated: w.truncated,
	}
}

// Snapshot returns the session entries known now, with their current
// names and sizes. Memory is bounded by MaxEntries.
func (w *Watcher) Snapshot() Snapshot {
	w.mu.Lock()
	s := Snapshot{Count: len(w.entries) + w.untracked, Truncated: w.truncated, Degraded: w.degradedLocked()}
	s.Entries = make([]Event, 0, len(w.entries))
	for _, e := range w.entries {
		s.Entries = append(s.Entries, w.eventOf(e.last, e))
	}
	w.mu.Unlock()
	slices.SortFunc(s.Entries, func(a, b Event) int {
		if a.Root != b.Root {
			return a.Root - b.Root
		}
		if a.RelPath < b.RelPath {
			return -1
		}
		if a.RelPath > b.RelPath {
			return 1
		}
		return 0
	})
	return s
}

func (w *Watcher) degradedLocked() []int {
	var out []int
	for r := range w.degraded {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// holdForTest stops the watcher's goroutine from reading events until the
// returned function is called, so a test can let the kernel queue overflow.
func (w *Watcher) holdForTest() (release func()) {
	ch := make(chan struct{})
	select {
	case w.hold <- ch:
	case <-w.done:
	}
	return func() { close(ch) }
}
