package watch

import (
	"errors"
	"io/fs"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// setup opens the roots, adds their watches and scans them.
func (w *Watcher) setup() {
	for i, r := range w.cfg.Roots {
		if r == nil {
			continue
		}
		d, err := r.Reopen()
		if err != nil {
			w.mu.Lock()
			w.degradeLocked(i, "the folder cannot be opened again", err)
			w.mu.Unlock()
			continue
		}
		in := d.Info()
		n := &node{root: i, id: in.Identity, mnt: in.MntID, kids: map[string]*node{}, names: map[string]*entry{}}
		w.mu.Lock()
		if other := w.nodes[keyOf(in.Identity)]; other != nil {
			// The same folder twice in the policy: the first one covers it.
			w.mu.Unlock()
			d.Close()
			continue
		}
		w.nodes[keyOf(in.Identity)] = n
		w.roots[i] = n
		w.mu.Unlock()
		w.refreshBounds(n, d)
		if !w.addWatch(n, d) {
			w.mu.Lock()
			n.dir = d // roots keep their handle: rescans start from it
			w.mu.Unlock()
		}
		w.enqueue(n, true)
	}
	w.drainWalks()
}

func (w *Watcher) refreshBounds(n *node, d *safefs.Dir) {
	m, err := d.MountPoints()
	if err != nil {
		w.log.Debug("cannot read the mount table; mount points below the folder are found by their mount ID only", "root", n.root, "err", err)
		return
	}
	w.mu.Lock()
	w.bounds[n.root] = m
	w.mu.Unlock()
}

// addWatch adds the inotify watch of n through its handle d, which n keeps
// on success. It respects the cap and degrades n's root when the cap is
// reached or the system refuses.
func (w *Watcher) addWatch(n *node, d *safefs.Dir) bool {
	w.mu.Lock()
	if w.degraded[n.root] && !n.isRoot() {
		w.mu.Unlock()
		return false
	}
	if len(w.watches) >= w.maxWatches {
		w.degradeLocked(n.root, "watch cap reached", nil)
		w.mu.Unlock()
		return false
	}
	w.mu.Unlock()
	p := d.WatchPath()
	if err := addWatch(w.fsw, p); err != nil {
		if isLimitErr(err) {
			w.mu.Lock()
			w.degradeLocked(n.root, "the system refused another watch", err)
			w.mu.Unlock()
		} else {
			w.log.Debug("cannot watch a folder; it is scanned now and at the end", "root", n.root, "err", err)
		}
		return false
	}
	w.mu.Lock()
	if old := w.watches[p]; old != nil && old != n {
		// Cannot happen while handles are closed only after their watch
		// is removed; if it does, the old node lost its watch.
		old.wpath = ""
	}
	n.dir, n.wpath = d, p
	w.watches[p] = n
	w.mu.Unlock()
	return true
}

// degradeLocked stops adding watches for root and says so once.
func (w *Watcher) degradeLocked(root int, why string, err error) {
	if w.degraded[root] {
		return
	}
	w.degraded[root] = true
	args := []any{"root", root, "why", why, "watches", len(w.watches), "max_watches", w.maxWatches}
	if err != nil {
		args = append(args, "err", err)
	}
	if isLimitErr(err) {
		args = append(args, "hint", "root's inotify budget is exhausted (shared with systemd and udev): raise it with sysctl fs.inotify.max_user_watches, or lower the number of folders in the roots")
	} else {
		args = append(args, "hint", "nothing is lost: this folder is fully rescanned when the session ends; a very large folder tree in a root is the usual cause")
	}
	w.log.Warn("folder watching degraded; the folder is rescanned at the end of the session", args...)
}

// canWatch reports whether root may get one more watch, degrading it when
// the cap is reached.
func (w *Watcher) canWatch(root int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.degraded[root] {
		return false
	}
	if len(w.watches) >= w.maxWatches {
		w.degradeLocked(root, "watch cap reached", nil)
		return false
	}
	return true
}

// enqueue asks for n's content to be scanned (n is watched, or a root).
func (w *Watcher) enqueue(n *node, full bool) {
	if n.walking && !full {
		return
	}
	n.walking = true
	w.queue = append(w.queue, walkItem{n: n, full: full})
}

// drainWalks scans the queued folders. Folders found and watched on the
// way are queued, not entered: the queue, not Go recursion, follows depth.
func (w *Watcher) drainWalks() {
	for len(w.queue) > 0 {
		it := w.queue[0]
		w.queue = w.queue[1:]
		it.n.walking = false
		if it.n.dead || it.n.dir == nil {
			continue
		}
		if err := w.walk(it.n, it.n.dir, it.full); err != nil {
			w.log.Debug("a folder could not be scanned completely", "root", it.n.root, "err", err)
			if it.full {
				w.incomplete[it.n.root] = true
			}
		}
		if len(w.out) >= 512 {
			w.flush()
		}
	}
}

// walk scans the folder n through the handle d: every entry is considered;
// sub-folders are watched and queued, or, when their root cannot get more
// watches, entered right away by the walker (bounded handles whatever the
// depth). With full, folders already watched are scanned again too.
func (w *Watcher) walk(n *node, d *safefs.Dir, full bool) error {
	wk := safefs.Walker{
		Boundaries: w.boundsBelow(n),
		Visit: func(e *safefs.WalkEntry) (safefs.Action, error) {
			return w.visit(e, full), nil
		},
	}
	return wk.Walk(w.ctx, d)
}

func (w *Watcher) visit(e *safefs.WalkEntry, full bool) safefs.Action {
	p := w.nodes[keyOf(e.ParentID)]
	if p == nil || p.dead {
		return safefs.Skip
	}
	if e.Info.MountRoot {
		return safefs.Skip // a mount point: never stat-ed, never entered
	}
	if w.otherMedium(p, e.Info) {
		return safefs.Skip
	}
	w.consider(p, e.Name, e.Info, true)
	if !e.Info.IsDir() {
		w.checkKid(p, e.Name, e.Info)
		return safefs.Skip
	}
	return w.enterDir(p, e.Parent, e.Name, e.Info, full, true)
}

// checkKid notices that a folder name in p now holds another object.
func (w *Watcher) checkKid(p *node, name string, info safefs.Info) {
	if k := p.kids[name]; k != nil && !sameObject(k.id, info.Identity) {
		w.mu.Lock()
		w.markNodeMissingLocked(k)
		w.mu.Unlock()
	}
}

// enterDir handles the folder name (info) in p, reached through the handle
// from: it finds or creates its node (a known folder in a new place is
// moved there), watches it if it is not watched and its root may get one
// more watch, and arranges for its content to be scanned after the watch
// exists. inWalker says the caller is the walker, which can descend itself
// into folders that get no watch.
func (w *Watcher) enterDir(p *node, from *safefs.Dir, name string, info safefs.Info, full, inWalker bool) safefs.Action {
	k := keyOf(info.Identity)
	w.mu.Lock()
	n := w.nodes[k]
	if n != nil && n.isRoot() {
		// Another root (nested roots): it covers itself.
		w.mu.Unlock()
		return safefs.Skip
	}
	if n != nil && !sameObject(n.id, info.Identity) {
		w.dropLocked(n)
		n = nil
	}
	if n != nil && (n.up != p || n.name != name) {
		if !w.rehomeLocked(n, p, name) {
			n = nil
		}
	}
	if n == nil {
		if len(w.nodes) >= w.maxEntries {
			w.degradeLocked(p.root, "too many folders to follow", nil)
			if !w.truncated {
				w.truncated = true
			}
			w.mu.Unlock()
			return safefs.Skip
		}
		n = w.newNodeLocked(p, name, info.Identity)
	}
	n.gen = w.gen
	n.missing = false
	w.mu.Unlock()

	if n.wpath != "" {
		if full {
			w.enqueue(n, true)
		}
		return safefs.Skip
	}
	if w.canWatch(n.root) {
		d, err := from.OpenDirExpect(name, info.Identity)
		if err != nil {
			// It became a link, a file or another folder since the stat:
			// the change has its own event, or the next scan sees it.
			return safefs.Skip
		}
		if w.cfg.BeforeAddWatch != nil {
			w.cfg.BeforeAddWatch(n.root, relOf(p, name))
		}
		if w.addWatch(n, d) {
			w.enqueue(n, full)
			return safefs.Skip
		}
		d.Close()
	}
	if inWalker {
		return safefs.Descend
	}
	// Not watched, met through an event: scan it now with the walker,
	// which enters what is below it with a bounded number of handles.
	d, err := from.OpenDirExpect(name, info.Identity)
	if err != nil {
		return safefs.Skip
	}
	if err := w.walk(n, d, full); err != nil {
		w.log.Debug("a folder could not be scanned completely", "root", n.root, "err", err)
	}
	d.Close()
	return safefs.Skip
}

// fullRescan walks every root again, reporting what is new, and forgets
// what is gone from the roots that could be walked completely.
func (w *Watcher) fullRescan() {
	w.mu.Lock()
	w.rescans++
	w.gen++
	w.mu.Unlock()
	clear(w.incomplete)
	for _, r := range w.roots {
		if r == nil || r.dir == nil {
			continue
		}
		w.refreshBounds(r, r.dir)
		r.gen = w.gen
		w.enqueue(r, true)
	}
	w.drainWalks()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.entries {
		if e.gen != w.gen && !w.incomplete[e.parent.root] && !w.truncated {
			w.removeEntryLocked(e)
		}
	}
	for _, n := range w.nodes {
		if !n.isRoot() && n.gen != w.gen && !w.incomplete[n.root] && !w.truncated {
			w.dropLocked(n)
		}
	}
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
