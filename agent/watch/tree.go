package watch

import (
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// key identifies a file system object for as long as it exists.
type key struct{ dev, ino uint64 }

func keyOf(id safefs.Identity) key { return key{id.Dev, id.Ino} }

// sameObject reports whether two identities name the same object: an inode
// number reused after a deletion has another birth time.
func sameObject(a, b safefs.Identity) bool {
	return a.Dev == b.Dev && a.Ino == b.Ino && (a.Btime == b.Btime || a.Btime == 0 || b.Btime == 0)
}

// node is a folder below a root (or the root itself, up == nil). Paths are
// never stored: they are built from the names up the tree when needed, so
// memory stays linear in the number of folders whatever their depth.
type node struct {
	root int
	up   *node
	name string
	id   safefs.Identity
	mnt  uint64 // mount ID of the root's file system (roots only)

	dir   *safefs.Dir // open while watched, and for roots
	wpath string      // the watch path (dir.WatchPath()); "" when not watched

	kids  map[string]*node  // sub-folders known, by name
	names map[string]*entry // session entries in this folder, by name

	gen  uint64 // last full rescan that met it
	dead bool   // dropped from the tree

	missing bool // renamed away; dropped unless it reappears in time
	queued  bool // in Watcher.timed
	due     time.Time
	walking bool // in Watcher.queue
}

// entry is a session entry.
type entry struct {
	parent *node
	name   string
	info   safefs.Info
	last   Kind // last change reported
	gen    uint64
	dead   bool

	missing bool // renamed away; Removed unless it reappears in time
	dirty   bool // written to; Updated once writes stop
	queued  bool
	due     time.Time
}

type timed struct {
	e   *entry
	n   *node
	due time.Time
}

type walkItem struct {
	n    *node
	full bool
}

// isRoot reports whether n is a root of the session.
func (n *node) isRoot() bool { return n.up == nil }

// relOf returns the path of name in n relative to the root, cut at the
// front past MaxRelPath bytes. The bound also ends the loop on a corrupted
// (cyclic) tree.
func relOf(n *node, name string) string {
	total := len(name)
	parts := []string{name}
	cut := false
	for m := n; m != nil && m.up != nil; m = m.up {
		if total+len(m.name)+1 > MaxRelPath {
			cut = true
			break
		}
		parts = append(parts, m.name)
		total += len(m.name) + 1
	}
	b := make([]byte, 0, total+4)
	if cut {
		b = append(b, ".../"...)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		b = append(b, parts[i]...)
		if i > 0 {
			b = append(b, '/')
		}
	}
	return string(b)
}

// fullRel returns n's whole path relative to its root, for mount point
// checks only (roots with mounts below them are rare and shallow). ok is
// false on a corrupted tree.
func (w *Watcher) fullRel(n *node) (string, bool) {
	var parts []string
	steps := 0
	for m := n; m != nil && m.up != nil; m = m.up {
		if steps++; steps > len(w.nodes)+1 {
			return "", false
		}
		parts = append(parts, m.name)
	}
	var b []byte
	for i := len(parts) - 1; i >= 0; i-- {
		b = append(b, parts[i]...)
		if i > 0 {
			b = append(b, '/')
		}
	}
	return string(b), true
}

// isBoundary reports whether name in n is a mount point: never stat-ed,
// since a stat of a FUSE mount's root calls a server the user controls.
func (w *Watcher) isBoundary(n *node, name string) bool {
	b := w.bounds[n.root]
	if len(b) == 0 {
		return false
	}
	rel, ok := w.fullRel(n)
	if !ok {
		return true
	}
	if rel != "" {
		rel += "/"
	}
	return b[rel+name]
}

// boundsBelow returns the mount points below n, relative to n, for the
// walker.
func (w *Watcher) boundsBelow(n *node) map[string]bool {
	b := w.bounds[n.root]
	if len(b) == 0 {
		return nil
	}
	rel, ok := w.fullRel(n)
	if !ok {
		return nil
	}
	if rel == "" {
		return b
	}
	out := map[string]bool{}
	for p := range b {
		if len(p) > len(rel)+1 && p[:len(rel)] == rel && p[len(rel)] == '/' {
			out[p[len(rel)+1:]] = true
		}
	}
	return out
}

// otherMedium reports whether info is on another mount than n's root: a
// USB key, a share, a bind mount. Such entries are neither reported nor
// entered; the wipe never touches them either.
func (w *Watcher) otherMedium(n *node, info safefs.Info) bool {
	if info.MountRoot {
		return true
	}
	r := w.roots[n.root]
	return r != nil && r.mnt != 0 && info.MntID != 0 && info.MntID != r.mnt
}

// eventOf describes e. mu or the loop goroutine.
func (w *Watcher) eventOf(k Kind, e *entry) Event {
	return Event{Kind: k, Root: e.parent.root, RelPath: relOf(e.parent, e.name), Parent: e.parent.id, Name: e.name, Info: e.info}
}

// emitLocked queues an event for delivery and records it as e's last
// change.
func (w *Watcher) emitLocked(k Kind, e *entry) {
	if k != Removed {
		e.last = k
	}
	w.out = append(w.out, w.eventOf(k, e))
	w.emitted++
}

// consider records what a no-follow stat of name in n said: a new session
// entry (Created), a known one in a new place (Renamed), a size change
// (Updated when scanning; debounced when following events). The caller
// has checked that info is on n's medium.
func (w *Watcher) consider(n *node, name string, info safefs.Info, scanning bool) {
	k := keyOf(info.Identity)
	e := w.entries[k]
	isNew := true
	if (e == nil || !sameObject(e.info.Identity, info.Identity)) && w.cfg.IsNew != nil {
		// Called without mu: the callback may call Stats.
		isNew = w.cfg.IsNew(n.root, info)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if e != nil && !sameObject(e.info.Identity, info.Identity) {
		// The inode number was reused: the object we knew is gone.
		w.removeEntryLocked(e)
		e = nil
	}
	if old := n.names[name]; old != nil && old != e {
		// The name now holds another object: the old one was renamed away
		// or replaced (a rename over it). It is Removed unless it shows up
		// elsewhere in time.
		w.markMissingLocked(old)
	}
	if e != nil {
		e.gen = w.gen
		e.missing = false
		if e.parent != n || e.name != name {
			w.relocateLocked(e, n, name)
			e.info = info
			w.emitLocked(Renamed, e)
			return
		}
		if info.Size != e.info.Size || info.Ctime != e.info.Ctime {
			if scanning {
				changed := info.Size != e.info.Size
				e.info = info
				if changed {
					w.emitLocked(Updated, e)
				}
			} else {
				w.markDirtyLocked(e)
			}
		}
		return
	}
	if !isNew {
		return
	}
	e = &entry{parent: n, name: name, info: info, gen: w.gen}
	if len(w.entries) >= w.maxEntries {
		// Reported, not remembered: the journal and the live count still
		// hear of it; dedup and the preview stop here.
		w.untracked++
		if !w.truncated {
			w.truncated = true
			w.log.Warn("too many new entries to remember them all; the count is now an upper bound and the end-of-session rescan finds everything", "max_entries", w.maxEntries)
		}
		w.out = append(w.out, w.eventOf(Created, e))
		w.emitted++
		return
	}
	w.entries[k] = e
	n.names[name] = e
	w.emitLocked(Created, e)
}

// relocateLocked moves e to name in n.
func (w *Watcher) relocateLocked(e *entry, n *node, name string) {
	if e.parent.names[e.name] == e {
		delete(e.parent.names, e.name)
	}
	if old := n.names[name]; old != nil && old != e {
		w.markMissingLocked(old)
	}
	e.parent, e.name = n, name
	n.names[name] = e
}

// removeEntryLocked forgets e and reports it Removed.
func (w *Watcher) removeEntryLocked(e *entry) {
	if e.dead {
		return
	}
	e.dead = true
	if w.entries[keyOf(e.info.Identity)] == e {
		delete(w.entries, keyOf(e.info.Identity))
	}
	if e.parent.names[e.name] == e {
		delete(e.parent.names, e.name)
	}
	w.emitLocked(Removed, e)
}

func (w *Watcher) markMissingLocked(e *entry) {
	if e.dead || e.missing {
		return
	}
	e.missing = true
	w.scheduleLocked(timed{e: e}, &e.queued, &e.due)
}

func (w *Watcher) markNodeMissingLocked(n *node) {
	if n.dead || n.missing || n.isRoot() {
		return
	}
	n.missing = true
	w.scheduleLocked(timed{n: n}, &n.queued, &n.due)
}

func (w *Watcher) markDirtyLocked(e *entry) {
	if e.dead {
		return
	}
	e.dirty = true
	w.scheduleLocked(timed{e: e}, &e.queued, &e.due)
}

// scheduleLocked pushes a debounce deadline back, queueing the item if it
// is not queued yet. Deadlines grow with time, so the queue stays roughly
// sorted without a heap; an item whose deadline moved is requeued when met.
func (w *Watcher) scheduleLocked(t timed, queued *bool, due *time.Time) {
	*due = time.Now().Add(w.cfg.Debounce)
	if *queued {
		return
	}
	*queued = true
	t.due = *due
	w.timed = append(w.timed, t)
}

// dropLocked removes n and everything below it from the tree, releasing
// their watches and handles, and reports the session entries there (n's
// own included) Removed: they are no longer under a root.
func (w *Watcher) dropLocked(n *node) {
	if n.dead || n.isRoot() {
		return
	}
	if up := n.up; up != nil {
		if up.kids[n.name] == n {
			delete(up.kids, n.name)
		}
		if e := up.names[n.name]; e != nil && sameObject(e.info.Identity, n.id) {
			w.removeEntryLocked(e)
		}
	}
	stack := []*node{n}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if m.dead || m.isRoot() {
			continue
		}
		for _, k := range m.kids {
			stack = append(stack, k)
		}
		for _, e := range m.names {
			w.removeEntryLocked(e)
		}
		w.unwatchLocked(m)
		if m.dir != nil {
			m.dir.Close()
			m.dir = nil
		}
		if w.nodes[keyOf(m.id)] == m {
			delete(w.nodes, keyOf(m.id))
		}
		m.dead = true
		m.kids, m.names = nil, nil
	}
}

// unwatchLocked removes n's watch, before its handle is closed: once the
// descriptor number is reused, its watch path names another folder.
func (w *Watcher) unwatchLocked(n *node) {
	if n.wpath == "" {
		return
	}
	// The watch may already be gone (fsnotify drops it on a move); the
	// error then says so and means nothing.
	_ = w.fsw.Remove(n.wpath)
	if w.watches[n.wpath] == n {
		delete(w.watches, n.wpath)
	}
	n.wpath = ""
}

// rehomeLocked moves the folder n to name in p. It fails (and drops n)
// when p is n or below it, which only a stale view of the tree can ask.
func (w *Watcher) rehomeLocked(n *node, p *node, name string) bool {
	steps := 0
	for m := p; m != nil; m = m.up {
		if m == n || steps > len(w.nodes)+1 {
			w.dropLocked(n)
			return false
		}
		steps++
	}
	if old := p.kids[name]; old != nil && old != n {
		w.dropLocked(old)
	}
	if n.up.kids[n.name] == n {
		delete(n.up.kids, n.name)
	}
	n.up, n.name = p, name
	p.kids[name] = n
	if n.root != p.root {
		stack := []*node{n}
		for len(stack) > 0 {
			m := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			m.root = p.root
			for _, k := range m.kids {
				stack = append(stack, k)
			}
		}
	}
	return true
}

// newNodeLocked registers the folder id as name in p.
func (w *Watcher) newNodeLocked(p *node, name string, id safefs.Identity) *node {
	if old := p.kids[name]; old != nil {
		w.dropLocked(old)
	}
	n := &node{root: p.root, up: p, name: name, id: id, kids: map[string]*node{}, names: map[string]*entry{}, gen: w.gen}
	w.nodes[keyOf(id)] = n
	p.kids[name] = n
	return n
}
