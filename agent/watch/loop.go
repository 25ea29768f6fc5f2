package watch

import (
	"errors"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/fsnotify/fsnotify"
)

// drainBatch bounds the events handled before the batch is delivered.
const drainBatch = 512

func (w *Watcher) loop() {
	defer w.cleanup()
	w.setup()
	w.flush()
	close(w.ready)
	var rescanDue time.Time // an overflow rescan waits until then
	pending := false        // an overflow rescan is wanted
	for {
		w.armTimer(pending, rescanDue)
		select {
		case <-w.quit:
			return
		case ch := <-w.hold:
			select {
			case <-ch:
			case <-w.quit:
				return
			}
		case reply := <-w.rescanReq:
			w.fullRescan()
			w.flush()
			reply <- nil
			continue
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.handle(ev)
			pending = w.drainEvents() || pending
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			pending = w.handleErr(err) || pending
		case <-w.timer.C:
			w.tick(time.Now())
		}
		if pending && !time.Now().Before(rescanDue) {
			pending = false
			start := time.Now()
			w.fullRescan()
			// A user who overflows the queue on purpose gets rescans, not
			// all of the agent's time: at most a fifth of it.
			rescanDue = time.Now().Add(max(time.Second, 4*time.Since(start)))
		}
		w.flush()
	}
}

// drainEvents handles the events already waiting, up to a batch, and
// reports whether an overflow asked for a rescan.
func (w *Watcher) drainEvents() bool {
	over := false
	for range drainBatch {
		select {
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return over
			}
			w.handle(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return over
			}
			over = w.handleErr(err) || over
		default:
			return over
		}
	}
	return over
}

func (w *Watcher) armTimer(pending bool, rescanDue time.Time) {
	var next time.Time
	if len(w.timed) > 0 {
		next = w.timed[0].due
	}
	if pending && (next.IsZero() || rescanDue.Before(next)) {
		next = rescanDue
	}
	if next.IsZero() {
		w.timer.Stop() // idle: no polling
		return
	}
	w.timer.Reset(max(time.Until(next), 0))
}

// handleErr reports whether err asks for a full rescan.
func (w *Watcher) handleErr(err error) bool {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.mu.Lock()
		w.overflows++
		w.mu.Unlock()
		if !w.overLog {
			w.overLog = true
			w.log.Warn("inotify queue overflowed; full rescan", "hint", "events were lost; the roots are walked again, and again at the end of the session")
		}
		return true
	}
	w.log.Warn("folder watcher error; the end-of-session rescan covers what it may have missed", "err", err)
	return false
}

func (w *Watcher) handle(ev fsnotify.Event) {
	w.mu.Lock()
	w.events++
	w.mu.Unlock()
	if n := w.watches[ev.Name]; n != nil {
		w.handleSelf(n, ev.Op)
	} else if i := strings.LastIndexByte(ev.Name, '/'); i > 0 {
		if n := w.watches[ev.Name[:i]]; n != nil {
			w.handleChild(n, ev.Name[i+1:], ev.Op)
		}
	}
	w.drainWalks()
}

// handleSelf handles an event on a watched folder itself.
func (w *Watcher) handleSelf(n *node, op fsnotify.Op) {
	switch {
	case op.Has(fsnotify.Rename):
		// IN_MOVE_SELF: fsnotify has removed the watch. The folder may
		// have moved inside the roots (the new parent's event came first
		// and moved the node) or out of them.
		w.mu.Lock()
		if w.watches[n.wpath] == n {
			delete(w.watches, n.wpath)
		}
		n.wpath = ""
		w.mu.Unlock()
		w.relocated(n)
	case op.Has(fsnotify.Remove):
		// IN_DELETE_SELF comes only once no handle is left, and this
		// node holds one; check before believing it.
		if in, err := n.dir.Restat(); err == nil && in.Nlink > 0 {
			return
		}
		w.mu.Lock()
		if n.isRoot() {
			w.unwatchLocked(n)
		} else {
			w.dropLocked(n)
		}
		w.mu.Unlock()
	}
}

// relocated checks where the folder n is after it moved: still at the
// place the tree says (then it is watched again and its entries rescanned,
// since events were lost while it had no watch), or gone from the roots.
func (w *Watcher) relocated(n *node) {
	if n.dead || n.dir == nil {
		return
	}
	if !n.isRoot() {
		p := n.up
		inPlace := false
		if p != nil && !p.dead && p.dir != nil {
			info, err := p.dir.Stat(n.name)
			inPlace = err == nil && sameObject(info.Identity, n.id)
		}
		if !inPlace {
			w.mu.Lock()
			w.dropLocked(n)
			w.mu.Unlock()
			return
		}
	}
	if w.addWatch(n, n.dir) {
		w.enqueue(n, false)
		return
	}
	// No watch to be had: scan it once now, then let it go.
	if err := w.walk(n, n.dir, false); err != nil {
		w.log.Debug("a folder could not be scanned completely", "root", n.root, "err", err)
	}
	if !n.isRoot() {
		w.mu.Lock()
		n.dir.Close()
		n.dir = nil
		w.mu.Unlock()
	}
}

// handleChild handles an event about name in the watched folder n.
func (w *Watcher) handleChild(n *node, name string, op fsnotify.Op) {
	if n.dead || n.dir == nil {
		return
	}
	if !op.Has(fsnotify.Create) && !op.Has(fsnotify.Remove) && !op.Has(fsnotify.Rename) {
		// Write or Chmod: a known entry is re-read once writes stop. An
		// unknown one is looked at only on Chmod: a change of owner can
		// make an entry the session's. Writes to pre-existing files are
		// not new entries.
		if e := n.names[name]; e != nil {
			w.mu.Lock()
			w.markDirtyLocked(e)
			w.mu.Unlock()
			return
		}
		if !op.Has(fsnotify.Chmod) {
			return
		}
	}
	if w.isBoundary(n, name) {
		return
	}
	info, err := n.dir.Stat(name)
	if err != nil {
		if !isNotExist(err) {
			w.log.Debug("cannot stat a new entry", "root", n.root, "err", err)
			return
		}
		w.mu.Lock()
		if e := n.names[name]; e != nil {
			if op.Has(fsnotify.Remove) {
				w.removeEntryLocked(e)
			} else {
				w.markMissingLocked(e) // renamed away: it may reappear
			}
		}
		if k := n.kids[name]; k != nil {
			if op.Has(fsnotify.Remove) {
				w.dropLocked(k)
			} else {
				w.markNodeMissingLocked(k)
			}
		}
		w.mu.Unlock()
		return
	}
	w.considerName(n, name, info)
}

func (w *Watcher) considerName(n *node, name string, info safefs.Info) {
	if w.otherMedium(n, info) {
		w.checkKid(n, name, info)
		return
	}
	w.consider(n, name, info, false)
	if info.IsDir() {
		w.enterDir(n, n.dir, name, info, false, false)
	} else {
		w.checkKid(n, name, info)
	}
}

// tick handles the debounce and rename-grace deadlines that have passed.
func (w *Watcher) tick(now time.Time) {
	for len(w.timed) > 0 && !w.timed[0].due.After(now) {
		t := w.timed[0]
		w.timed = w.timed[1:]
		if t.e != nil {
			w.fireEntry(t.e, now)
		} else {
			w.fireNode(t.n, now)
		}
	}
	if len(w.timed) == 0 {
		w.timed = nil // let the backing array go
	}
}

func (w *Watcher) fireEntry(e *entry, now time.Time) {
	w.mu.Lock()
	e.queued = false
	if e.dead {
		w.mu.Unlock()
		return
	}
	if e.due.After(now) {
		e.queued = true
		w.timed = append(w.timed, timed{e: e, due: e.due})
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	p := e.parent
	var info safefs.Info
	var err error = errNoHandle
	if !p.dead && p.dir != nil {
		info, err = p.dir.Stat(e.name)
	}
	here := err == nil && sameObject(info.Identity, e.info.Identity)
	w.mu.Lock()
	defer w.mu.Unlock()
	if e.dead {
		return
	}
	if e.missing && !here {
		w.removeEntryLocked(e)
		return
	}
	e.missing = false
	if e.dirty && here {
		e.dirty = false
		changed := info.Size != e.info.Size
		e.info = info
		if changed {
			w.emitLocked(Updated, e)
		}
	}
}

func (w *Watcher) fireNode(n *node, now time.Time) {
	w.mu.Lock()
	n.queued = false
	if n.dead || !n.missing {
		w.mu.Unlock()
		return
	}
	if n.due.After(now) {
		n.queued = true
		w.timed = append(w.timed, timed{n: n, due: n.due})
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	p := n.up
	here := false
	if p != nil && !p.dead && p.dir != nil {
		info, err := p.dir.Stat(n.name)
		here = err == nil && sameObject(info.Identity, n.id)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if here {
		n.missing = false
		return
	}
	w.dropLocked(n)
}

var errNoHandle = errors.New("folder not open")

// flush delivers the events gathered so far.
func (w *Watcher) flush() {
	if len(w.out) == 0 {
		return
	}
	batch := w.out
	w.out = nil
	if w.cfg.OnEntry != nil {
		for _, ev := range batch {
			if ev.Kind == Created || ev.Kind == Renamed {
				w.cfg.OnEntry(Entry{Renamed: ev.Kind == Renamed, Root: ev.Root, Parent: ev.Parent, Name: ev.Name, Info: ev.Info, rel: ev.RelPath})
			}
		}
	}
	if w.cfg.OnEvents != nil {
		w.cfg.OnEvents(batch)
	}
	w.mu.Lock()
	w.reported += uint64(len(batch))
	w.mu.Unlock()
}

// cleanup releases every handle when the loop ends. Closing the fsnotify
// watcher (done by Close) removed the watches.
func (w *Watcher) cleanup() {
	w.timer.Stop()
	w.mu.Lock()
	for _, n := range w.nodes {
		if n.dir != nil {
			n.dir.Close()
			n.dir = nil
		}
		n.wpath = ""
	}
	clear(w.watches)
	w.mu.Unlock()
	select {
	case <-w.ready:
	default:
		close(w.ready)
	}
	close(w.done)
}
