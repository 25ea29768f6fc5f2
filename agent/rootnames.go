package agent

// A root is the name the policy gives, not the folder that happened to be
// there when the session started (docs/design.md, "A root is a name"):
//
//   - at the end, what stands at each name is wiped too, by the root's
//     rules (nameRoots, wipe.Root.Name), and verified with the rest, so the
//     receipt speaks of the names (RC4, RC8, RC10);
//   - a name that is absent at the start is waited for, and a folder that
//     appears there is watched like a root (watchAbsentRoots, R8);
//   - in system mode, a link left at a name is removed as a link and the
//     folder made again before the session; one that cannot be is refused
//     with the session, loudly (repairRootLink, R5).

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/watch"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// homeRel returns p relative to home, "/"-separated, or "" when p is not
// strictly beneath home.
func homeRel(home, p string) string {
	if home == "" || p == "" {
		return ""
	}
	rel, err := filepath.Rel(home, p)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return ""
	}
	return filepath.ToSlash(rel)
}

// nameRoots returns one wipe root per root named in the home folder: the
// folder that holds the name, opened now from the home, never following a
// link, with Name set. The wipe then judges whatever stands at the name by
// the root's rules and against the baseline: a folder that was not there at
// the start is wholly the session's; the folder opened at start, met there
// or anywhere beneath, is left to its own handle. of gives each one's
// session root. closeAll releases the handles.
func (a *Agent) nameRoots(s *activeSession) (roots []wipe.Root, of []int, closeAll func()) {
	trust := trustFor(s.user)
	var home *safefs.Dir
	parents := map[string]*safefs.Dir{}
	closeAll = func() {
		for _, d := range parents {
			d.Close()
		}
		home.Close()
	}
	for i, r := range s.roots {
		if r.rel == "" {
			continue
		}
		if home == nil {
			h, err := safefs.OpenRoot(s.user.Home, trust)
			if err != nil {
				a.log.Error("the home folder cannot be opened safely: the folders' names are not checked at the end; check it by hand", logging.Personal("err", err.Error()))
				return nil, nil, closeAll
			}
			home = h
		}
		dir, name := path.Dir(r.rel), path.Base(r.rel)
		p, seen := parents[dir]
		if !seen {
			var err error
			p, err = openFolderOf(home, dir, trust)
			if err != nil {
				p = nil
				if !errors.Is(err, fs.ErrNotExist) {
					a.log.Error("what stands at a folder's name cannot be checked at the end (a link or another medium on the way); check it by hand", "root", r.policy.Label, logging.Personal("err", err.Error()))
				}
			}
			parents[dir] = p
		}
		if p == nil {
			continue
		}
		roots = append(roots, wipe.Root{Dir: p, Name: name, Scope: r.policy.Scope, Keep: r.policy.Keep, Owners: r.owners, OwnerSIDs: r.ownerSIDs})
		of = append(of, i)
	}
	return roots, of, closeAll
}

// foldNameRoots gives the items of the name roots (indexes n and up in the
// wipe) the index of their session root and a path relative to it, so
// that reports, logs and the journal's pending list name them as the
// root's own.
func foldNameRoots(res *wipe.Result, n int, roots []wipe.Root, of []int) {
	fold := func(items []wipe.Item) {
		for j := range items {
			k := items[j].Root - n
			if k < 0 || k >= len(of) {
				continue
			}
			items[j].Root = of[k]
			if rel, ok := strings.CutPrefix(items[j].Rel, roots[k].Name+"/"); ok {
				items[j].Rel = rel
			}
		}
	}
	fold(res.Pending)
	fold(res.OtherMedia)
	fold(res.RootErrors)
}

// refuseUnsafe refuses a session whose download (or other) folder would not
// be watched: a person must never save into a folder Ardoise leaves. The
// log says it at error level once, not at every retry of a kiosk account
// in use (every few seconds); the actor's.
func (a *Agent) refuseUnsafe(labels []string) error {
	l := strings.Join(labels, ", ")
	if a.unsafeLogged != l {
		a.unsafeLogged = l
		a.log.Error("session refused: a folder of the policy is a link that cannot be removed; a person would save into a folder Ardoise does not watch; remove the link or point the policy's root at the real folder", "roots", l)
	}
	return ipc.Errorf(ipc.CodeUnsafeRoot,
		"la session ne peut pas commencer: le dossier %s n'est pas un vrai dossier (un lien a été laissé à sa place); le personnel doit vérifier (a root is a link that cannot be removed: %s)", l, l)
}

// repairRootLink removes, as links, the links that stand at rel or on the
// way to it beneath home, then makes the missing folders (MkdirBeneath:
// 0700, the account's) and opens the root. A link at a root's name in a
// kiosk account's home is a leftover of the previous person or an attack;
// removing it never touches its target. A link that is not the account's,
// or in a folder that is not the account's, was not made by the public:
// it is left, and the caller refuses the session.
func (a *Agent) repairRootLink(s *activeSession, home *safefs.Dir, rel string, label string, trust safefs.RootOptions) (*safefs.Dir, error) {
	return a.repairOrCheckRootLink(s, home, rel, label, trust, false)
}

// errWouldRepair is what the machine check gets for a link the session
// start would remove: the root would be watched.
var errWouldRepair = errors.New("a link stands at the folder's name; the session start removes it (its target is not touched) and makes the folder again")

// repairOrCheckRootLink is repairRootLink; with dryRun it changes nothing
// and returns errWouldRepair where it would have repaired.
func (a *Agent) repairOrCheckRootLink(s *activeSession, home *safefs.Dir, rel string, label string, trust safefs.RootOptions, dryRun bool) (*safefs.Dir, error) {
	cur := home
	closeCur := func() {
		if cur != home {
			cur.Close()
		}
	}
	for _, comp := range strings.Split(rel, "/") {
		in, err := cur.Stat(comp)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			closeCur()
			return nil, err
		}
		if in.Mode&fs.ModeSymlink != 0 {
			mine := []uint32{s.user.UID}
			if !in.OwnedBy(mine, sidsOf(s.user)) || !cur.Info().OwnedBy(mine, sidsOf(s.user)) {
				closeCur()
				return nil, fmt.Errorf("%w: the link at %q, or the folder holding it, is not the kiosk account's; remove it or point the policy's root at the real folder", safefs.ErrSymlink, comp)
			}
			if dryRun {
				closeCur()
				return nil, errWouldRepair
			}
			err := wipe.RemoveEntry(cur, comp, in.Identity)
			closeCur()
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("remove the link left at a folder's name: %w", err)
			}
			a.log.Warn("a link stood at a folder's name; it was removed (its target is not touched) and the folder made again", "root", label)
			return home.MkdirBeneath(rel, s.user.UID, s.user.GID, trust)
		}
		if !in.IsDir() {
			break
		}
		next, err := cur.OpenDirExpect(comp, in.Identity)
		closeCur()
		if err != nil {
			return nil, err
		}
		cur = next
	}
	closeCur()
	// No link left on the way (another program removed it meanwhile):
	// open it as at first.
	return home.OpenBeneath(rel, trust)
}

// absentRoots waits for the roots that did not exist at session start and
// watches each folder that appears at one of their names (RC8). It
// is a hint for the live count and the crash journal, like the watcher:
// the end wipes the names whatever it saw.
type absentRoots struct {
	names   *watch.Names
	parents []*safefs.Dir

	mu       sync.Mutex
	closed   bool
	seen     map[int][]safefs.Identity // folders watched, per root
	watchers []*watch.Watcher
	dirs     []*safefs.Dir
}

// maxAppeared bounds the folders watched per root: a person making and
// removing a folder in a loop must not use up the agent's inotify
// instances. Past it, only the end's wipe by name sees new ones.
const maxAppeared = 4

// watchAbsentRoots starts waiting for the absent roots whose parent
// folder exists. A root deeper than a missing parent is not waited for;
// the end still wipes its name.
func (a *Agent) watchAbsentRoots(s *activeSession) {
	trust := trustFor(s.user)
	var list []watch.Name
	ar := &absentRoots{seen: map[int][]safefs.Identity{}}
	var home *safefs.Dir
	defer func() { home.Close() }()
	parents := map[string]*safefs.Dir{}
	for i, r := range s.roots {
		if r.state != "absent" || r.rel == "" {
			continue
		}
		if home == nil {
			h, err := safefs.OpenRoot(s.user.Home, trust)
			if err != nil {
				return
			}
			home = h
		}
		// One handle per folder: two watches on one directory from one
		// inotify instance are one watch, reported under one path only.
		dir := path.Dir(r.rel)
		p, seen := parents[dir]
		if !seen {
			var err error
			p, err = openFolderOf(home, dir, trust)
			if err != nil {
				p = nil
			} else {
				ar.parents = append(ar.parents, p)
			}
			parents[dir] = p
		}
		if p == nil {
			continue
		}
		list = append(list, watch.Name{Dir: p, Name: path.Base(r.rel), Key: i})
	}
	if len(list) == 0 {
		return
	}
	isNew, onEvents := a.watchCallbacks(s)
	byKey := map[int]watch.Name{}
	for _, n := range list {
		byKey[n.Key] = n
	}
	names, err := watch.WatchNames(list, func(i int) { a.rootAppeared(s, ar, byKey[i], isNew, onEvents) })
	if err != nil {
		a.log.Warn("cannot wait for the missing folders; what appears at their names is still erased at the end", "err", err)
		ar.close()
		return
	}
	ar.names = names
	a.mu.Lock()
	s.absent = ar
	a.mu.Unlock()
}

// rootAppeared opens what now stands at an absent root's name and, if it
// is a folder on the same mount not yet watched, watches it as root n.Key.
func (a *Agent) rootAppeared(s *activeSession, ar *absentRoots, n watch.Name, isNew func(int, safefs.Info) bool, onEvents func([]watch.Event)) {
	in, err := n.Dir.Stat(n.Name)
	if err != nil || !in.IsDir() || (in.MntID != 0 && n.Dir.Info().MntID != 0 && in.MntID != n.Dir.Info().MntID) {
		return
	}
	ar.mu.Lock()
	skip := ar.closed || slices.Contains(ar.seen[n.Key], in.Identity) || len(ar.seen[n.Key]) >= maxAppeared
	ar.mu.Unlock()
	if skip {
		return
	}
	d, err := n.Dir.OpenDirExpect(n.Name, in.Identity)
	if err != nil {
		return
	}
	roots := make([]*safefs.Dir, len(s.roots))
	roots[n.Key] = d
	w, err := watch.Start(watch.Config{Roots: roots, Logger: a.log, IsNew: isNew, OnEvents: onEvents})
	if err != nil {
		d.Close()
		a.log.Warn("a missing folder appeared and cannot be watched; it is erased at the end", "root", s.roots[n.Key].policy.Label, "err", err)
		return
	}
	ar.mu.Lock()
	if ar.closed {
		ar.mu.Unlock()
		w.Close()
		d.Close()
		return
	}
	ar.seen[n.Key] = append(ar.seen[n.Key], in.Identity)
	ar.watchers = append(ar.watchers, w)
	ar.dirs = append(ar.dirs, d)
	ar.mu.Unlock()
	a.log.Info("a missing folder appeared during the session; it is watched, and erased at the end", "root", s.roots[n.Key].policy.Label)
}

// appeared reports whether a folder appeared at root i's name and is
// watched.
func (ar *absentRoots) appeared(i int) bool {
	if ar == nil {
		return false
	}
	ar.mu.Lock()
	defer ar.mu.Unlock()
	return len(ar.seen[i]) > 0
}

// close stops waiting and watching and releases every handle.
func (ar *absentRoots) close() {
	if ar == nil {
		return
	}
	if ar.names != nil {
		ar.names.Close()
	}
	ar.mu.Lock()
	ar.closed = true
	ws, ds := ar.watchers, ar.dirs
	ar.watchers, ar.dirs = nil, nil
	ar.mu.Unlock()
	for _, w := range ws {
		w.Close()
	}
	for _, d := range ds {
		d.Close()
	}
	for _, p := range ar.parents {
		p.Close()
	}
	ar.parents = nil
}

// openFolderOf opens dir beneath home ("." for home itself), as a new
// handle: the folder that holds a root's name.
func openFolderOf(home *safefs.Dir, dir string, trust safefs.RootOptions) (*safefs.Dir, error) {
	if dir == "." {
		return home.Reopen()
	}
	return home.OpenBeneath(dir, trust)
}

// linkedRoots lists the roots (indexes in s.roots) whose name, or a folder
// on the way to it beneath the home, is a link now although it was a real
// folder (or nothing) at the start: the person replaced the folder by a
// link during the session, so what they saved through it went somewhere
// Ardoise does not look. The wipe removes the link as a link; the receipt
// must not say that nothing is left (RC10).
func (a *Agent) linkedRoots(s *activeSession) []int {
	trust := trustFor(s.user)
	var home *safefs.Dir
	defer func() { home.Close() }()
	var linked []int
	for i, r := range s.roots {
		if r.rel == "" || r.state == "refused" {
			continue
		}
		if home == nil {
			h, err := safefs.OpenRoot(s.user.Home, trust)
			if err != nil {
				return linked
			}
			home = h
		}
		if isLinkOnTheWay(home, r.rel) {
			linked = append(linked, i)
		}
	}
	return linked
}

// isLinkOnTheWay reports whether a component of rel beneath home is a
// link. It only looks: nothing is followed or opened but folders, each
// checked to be the folder stat-ed.
func isLinkOnTheWay(home *safefs.Dir, rel string) bool {
	cur := home
	defer func() {
		if cur != home {
			cur.Close()
		}
	}()
	for _, comp := range strings.Split(rel, "/") {
		in, err := cur.Stat(comp)
		if err != nil {
			return false
		}
		if in.Mode&fs.ModeSymlink != 0 {
			return true
		}
		if !in.IsDir() {
			return false
		}
		next, err := cur.OpenDirExpect(comp, in.Identity)
		if err != nil {
			return false
		}
		if cur != home {
			cur.Close()
		}
		cur = next
	}
	return false
}
