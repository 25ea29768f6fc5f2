// Package wipe deletes what a session created under its roots, and nothing
// else, then proves it by scanning again.
//
// What belongs to the session is decided entry by entry, by identity
// against the baseline taken at session start and by owner, never by name
// or time (threats.md D4). Everything goes through directory handles
// (package safefs): links are removed, never followed; other mounts are never
// entered; files are only unlinked, never opened or written (no "secure
// overwrite", threats.md T5 and T12). After each pass a verification scan
// counts the session entries left; a bounded number of passes follows, and
// whatever still cannot be removed is returned as pending, with the reason,
// so that the agent retries it at its next start.
package wipe

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// Root is one folder to wipe.
type Root struct {
	// Dir is the handle opened at session start; the wipe works on that
	// directory even if its name now leads elsewhere (threats.md L9).
	Dir *safefs.Dir
	// Scope is "session" (only what the session created) or "all" (every
	// entry but Keep matches).
	Scope string
	// Keep lists patterns of entries never removed, relative to the root,
	// "/"-separated, "**" matching any number of folders; one ending in
	// "/" names folders, any other names the rest (see matchAny).
	Keep []string
	// Owners are the uids whose new entries belong to the session: the
	// session user, and for a scan folder the scanner's account. Entries of
	// other owners are kept and reported (threats.md L14, B7).
	Owners []uint32
	// OwnerSIDs are the same on Windows, where owners are SIDs: an entry
	// whose stat carries an owner SID is the session's only if that SID
	// is listed here (Owners then means nothing).
	OwnerSIDs []string
	// CloseDuringWipe lets the wipe close the root folder itself to the
	// public while it works, when it belongs to Owners, so that what lies
	// directly in it is removed by name rather than through the quarantine
	// (RC2); its owner and mode are given back at the end, or by the next
	// wipe after a crash. For a folder such as Téléchargements, not for a
	// home, whose programs still running would lose their files meanwhile.
	CloseDuringWipe bool
	// Name, when set, makes Dir the folder that holds the root's name,
	// not the root: only the entry called Name in Dir, and what is beneath
	// it, is wiped, by the same rules, Keep being relative to it. A root
	// is the name the policy gives, so the end also wipes what stands at
	// that name when it is not the folder opened at start: one moved away
	// and made again, or one that did not exist then. The folder opened
	// at start, and any other root of the baseline, is left out wherever
	// it is met in such a root: it is wiped through its own handle, with
	// its own rules.
	Name string
	// SessionKey is the identifier of the key the root was encrypted with
	// at session start (per-session crypto-erase), zero for a plain root.
	// Once the agent has removed that key, folders of the root encrypted
	// with it are frozen: see safefs.Dir.FrozenWithoutKey.
	SessionKey cryptoerase.ID
}

// Hooks let tests act at exact moments of the wipe (threats.md §4.0).
type Hooks struct {
	BeforeOpenDir func(rel string)
	BeforeUnlink  func(rel string)
	// BeforeRemoveDir is called before a session folder, emptied, is
	// removed.
	BeforeRemoveDir func(rel string)
	AfterUnlink     func(n int)
	BeforeVerify    func()
}

// Config is one wipe.
type Config struct {
	Roots    []Root
	Baseline *baseline.Set
	// MaxPasses bounds the wipe-then-verify rounds. Default 4.
	MaxPasses int
	// MaxOpen bounds the directory handles held per walk. Default 16.
	MaxOpen int
	// Progress, if set, is called every few hundred removals with the
	// entries removed so far and, of them, the documents (what is not a
	// folder: what the window counts).
	Progress func(removed, documents int)
	Hooks    Hooks
	// Never lists entries that are never in scope, whatever the policy:
	// the agent's own state folder, its socket and the socket's folder.
	// They are matched by device and inode, not by name, so that a
	// policy root above them (a home with scope "all") cannot reach them
	// under any name (issue 13 RC9). A root that is one of them is skipped.
	Never []safefs.Identity
	// RecordLeft asks for Result.Left.
	RecordLeft bool
	// Extra is what the session-end steps (agent/endsteps) found to erase
	// outside the roots: it is erased by the same rules, after the roots.
	Extra Extra
}

// Extra lists entries outside the roots that a session-end step judged
// the session's: a step never unlinks or rewrites anything itself, it says
// what to erase and the wipe does it, as that very entry.
type Extra struct {
	// Names are erased by RemoveNames's rule.
	Names []Names
	// Rewrites replace a file's content with an empty one.
	Rewrites []Rewrite
}

// Names is a list of names directly inside Dir to erase when they belong
// to Owners or OwnerSIDs (RemoveNames).
type Names struct {
	Dir       *safefs.Dir
	Names     []string
	Owners    []uint32
	OwnerSIDs []string
}

// Rewrite replaces the file Name of Dir with Data, only if it is still the
// file judged (Judged): a file moved there since is left as it is (R1). It
// is for a list the desktop keeps and expects to find (recently-used.xbel),
// which an empty one replaces rather than a removal.
type Rewrite struct {
	Dir      *safefs.Dir
	Name     string
	Judged   safefs.Identity
	Data     []byte
	Perm     uint32
	UID, GID uint32
}

// ExtraResult is what became of Config.Extra, in its order.
type ExtraResult struct {
	Names    []NamesResult
	Rewrites []error
}

// Kind is the type of an entry, for reports and previews.
type Kind string

const (
	File  Kind = "file"
	Dir   Kind = "dir"
	Link  Kind = "link"
	Other Kind = "other" // FIFO, socket, device
)

func kindOf(m fs.FileMode) Kind {
	switch {
	case m.IsDir():
		return Dir
	case m&fs.ModeSymlink != 0:
		return Link
	case m.IsRegular():
		return File
	}
	return Other
}

// Item names an entry in a report.
type Item struct {
	Root   int    // index in Config.Roots
	Rel    string // raw path relative to the root; personal data
	Kind   Kind
	Reason string // for pending items and other media
}

// Removed counts what was deleted.
type Removed struct {
	Files, Dirs, Links, Other int
	// Streams counts named data streams the session added to entries
	// that existed before it (Windows, threats.md W10).
	Streams int
	Bytes   int64
}

// Total is the number of entries and streams removed.
func (r Removed) Total() int { return r.Files + r.Dirs + r.Links + r.Other + r.Streams }

// Kept counts what was found and deliberately left.
type Kept struct {
	Preexisting int // in the baseline, unchanged
	Modified    int // in the baseline, changed during the session (B1)
	Replaced    int // a new file at a name that existed before (B3)
	Doubt       int // same inode as a baseline entry, no birth time to tell (B5)
	Foreign     int // owned by another account (L14, B7)
	OtherMedium int // another mount: USB key, share, bind mount (M1)
	Matched     int // matched a keep pattern (B8)
	Cloud       int // a cloud placeholder (OneDrive Files On-Demand, W12)
}

// Result is the outcome of a wipe.
type Result struct {
	Removed Removed
	Kept    Kept
	// OtherMedia lists the mounts met under the roots (never entered),
	// and the cloud placeholders left alone.
	OtherMedia []Item
	// Pending lists session entries still present after the last pass,
	// with why; at most maxItems of them, Leftover gives the count.
	Pending  []Item
	Leftover int
	// CreatedDuringWipe counts entries that appeared while wiping.
	CreatedDuringWipe int
	// RootErrors lists roots that could not be walked completely.
	RootErrors []Item
	// Security lists what looks like someone trying to make the wipe
	// delete or keep the wrong thing (RC3): an entry swapped for another
	// between its check and its removal (nothing removed, what was found
	// put back), and a new file at a name a library file had before (kept,
	// by rule B3, but reported as an event, not as an edit). At most
	// maxItems; Rel is personal data.
	Security []Item
	// Recovered counts the entries an interrupted wipe had left in a
	// quarantine folder, moved back into their root to be judged again.
	Recovered int
	Passes    int
	Verified  bool // the last verification found no session entry
	Duration  time.Duration
	// Left is, when Config.RecordLeft asks for it and the wipe is
	// verified, the identity of every entry the verification that proved
	// it saw and kept: what the wipe left, and nothing made after that
	// scan passed by (issue 13 RC7).
	Left []safefs.Identity
	// Gone lists the roots whose folder was deleted during the session
	// (safefs.Dir.Removed): nothing is left in them to erase, which is
	// reported, not retried (RC11).
	Gone []int
	// Extra is what became of Config.Extra.
	Extra ExtraResult
}

const maxItems = 1000

// class is what an entry is to the session.
type class int

const (
	sessionEntry class = iota
	preexisting
	modified
	replaced
	doubt
	foreign
	otherMount
	matched
	cloud
	ownQuarantine
	own // the agent's own state (Config.Never): neither the session's nor counted
	// outside: not part of the root at all (another name beside a root's
	// Name, or a root of the baseline met under one); neither wiped nor
	// counted here.
	outside
)

type classifier struct {
	root     Root
	rootInfo safefs.Info
	base     *baseline.Set
	never    []safefs.Identity
}

// isNever reports an entry of Config.Never. Device and inode are enough:
// the agent holds these open, so their inode numbers are not given again.
func isNever(never []safefs.Identity, in safefs.Info) bool {
	for _, id := range never {
		if id.Dev == in.Dev && id.Ino == in.Ino {
			return true
		}
	}
	return false
}

// isNew reports an entry that is not in the baseline: made during the
// session (or, without a baseline, taken as such).
func (c *classifier) isNew(in safefs.Info) bool {
	v, _ := c.base.Lookup(in.Identity)
	return v == baseline.New
}

func (c *classifier) classify(e *safefs.WalkEntry) class {
	if isNever(c.never, e.Info) {
		return own
	}
	if c.root.Name != "" {
		if e.Depth == 1 && e.Name != c.root.Name {
			return outside
		}
		if e.Info.IsDir() && c.base.IsRoot(e.Info.Identity) {
			return outside
		}
	}
	if !baseline.SameMount(c.rootInfo, e.Info) {
		return otherMount
	}
	// The wipe's own quarantine, when it has to be in the root: not the
	// session's, not the library's, and gone at the end of the wipe.
	if e.Parent != nil && e.Parent.IsQuarantine(e.Name, e.Info) {
		return ownQuarantine
	}
	// Deleting a placeholder can delete the document in the cloud, and
	// reading it downloads it: it is left and reported; signing the sync
	// client out is the policy's job (threats.md W12).
	if safefs.ClassifyReparse(e.Info.ReparseTag) == safefs.ReparseCloud {
		return cloud
	}
	// A keep pattern names files, or folders when it ends in "/"; it keeps
	// what it names by kind. An entry of the other kind at a kept name (a
	// folder "notes.desktop/" made by the session) and whatever is inside
	// a kept folder are judged as in scope "session": what was there at
	// session start stays, what the session made is the session's, so
	// that a kept name cannot carry the person's files over (issue 13 RC6).
	scope := c.root.Scope
	if len(c.root.Keep) > 0 {
		switch c.keeps(e) {
		case keepEntry:
			return matched
		case keepExisting:
			scope = "session"
		}
	}
	verdict, rec := c.base.Lookup(e.Info.Identity)
	owned := e.Info.OwnedBy(c.root.Owners, c.root.OwnerSIDs) ||
		// A session's folder that a wipe closed to the public, left by a
		// crash: the agent's now, and marked so (RC2).
		(verdict == baseline.New && e.Parent != nil && e.Parent.WipeLocked(e.Name, e.Info))
	if !owned && (verdict == baseline.New || scope == "all") {
		return foreign
	}
	if scope == "all" {
		return sessionEntry
	}
	switch verdict {
	case baseline.Existing:
		if !e.Info.IsDir() && rec.Ctime != e.Info.Ctime {
			return modified
		}
		return preexisting
	case baseline.Doubt:
		return doubt
	}
	if !e.Info.IsDir() && c.base.HadName(e.ParentID, e.Name) {
		return replaced
	}
	return sessionEntry
}

// keeps reports whether a keep pattern matches e, relative to the root:
// beneath a Name, the name itself is the root and matches no pattern.
func (c *classifier) keeps(e *safefs.WalkEntry) keepVerdict {
	rel := e.Rel()
	if c.root.Name != "" {
		if e.Depth == 1 {
			return keepNone
		}
		rel = rel[len(c.root.Name)+1:]
	}
	return matchAny(c.root.Keep, rel, e.Info.IsDir())
}

// Run wipes the roots: passes of deletion each followed by a verification
// scan, until a verification finds nothing left or MaxPasses is reached.
func Run(ctx context.Context, cfg Config) Result {
	start := time.Now()
	maxPasses := cfg.MaxPasses
	if maxPasses <= 0 {
		maxPasses = 4
	}
	res := Result{}
	w := &wiper{cfg: cfg, res: &res, failed: map[string]string{}, quarantines: map[quarantineKey]*safefs.Quarantine{}}
	for pass := 1; pass <= maxPasses; pass++ {
		res.Passes = pass
		w.otherMedia = nil
		w.kept = Kept{}
		res.RootErrors = nil
		for i := range cfg.Roots {
			w.wipeRoot(ctx, i)
		}
		if cfg.Hooks.BeforeVerify != nil {
			cfg.Hooks.BeforeVerify()
		}
		left := w.verify(ctx)
		if ctx.Err() != nil {
			break
		}
		if left == 0 && len(res.RootErrors) == 0 {
			res.Verified = true
			res.Pending, res.Leftover = nil, 0
			if cfg.RecordLeft {
				res.Left = w.left
			}
			break
		}
	}
	w.closeQuarantines()
	w.reopenRoots()
	res.Kept = w.kept
	res.OtherMedia = w.otherMedia
	res.Extra = runExtra(ctx, cfg.Extra)
	res.Duration = time.Since(start)
	return res
}

type wiper struct {
	cfg        Config
	res        *Result
	kept       Kept
	otherMedia []Item
	failed     map[string]string // root/rel → last error, for pending reasons
	removed    int
	left       []safefs.Identity // what the last verification kept (Config.RecordLeft)
	// quarantines holds each root's quarantine, opened at its first
	// deletion walk (R2): entries are removed only through it.
	quarantines map[quarantineKey]*safefs.Quarantine
	replaced    map[string]bool // security events already listed, by root/rel
	closedRoots map[int]bool    // roots closed to the public for the wipe
}

// unlock gives a session folder that stays (something in it is kept or
// pending) back the owner and mode it had before the wipe closed it.
func (w *wiper) unlock(i int, e *safefs.WalkEntry) {
	d, err := e.Parent.OpenDirExpect(e.Name, e.Info.Identity)
	if err != nil {
		return // gone, or another folder took the name: the next pass sees it
	}
	defer d.Close()
	if err := d.Unlock(); err != nil {
		w.rootError(i, err)
	}
}

// Reasons of security events, in plain French for the staff's report.
const (
	reasonSwapped  = "remplacé par un autre fichier au moment de l'effacer : rien n'a été effacé, l'autre fichier a été remis en place (quelqu'un a essayé de tromper le nettoyage)"
	reasonReplaced = "nouveau fichier enregistré sous le nom d'un fichier qui était là avant : gardé, à vérifier"
)

// securityOnce lists an event that every pass would see again only once.
func (w *wiper) securityOnce(i int, rel string, kind Kind, reason string) {
	if w.replaced == nil {
		w.replaced = map[string]bool{}
	}
	if k := failKey(i, rel); !w.replaced[k] {
		w.replaced[k] = true
		w.security(i, rel, kind, reason)
	}
}

func (w *wiper) security(i int, rel string, kind Kind, reason string) {
	if len(w.res.Security) < maxItems {
		w.res.Security = append(w.res.Security, Item{Root: i, Rel: rel, Kind: kind, Reason: reason})
	}
}

// quarantine returns the quarantine for the entries of parent, a folder
// of root i the public may change, opening it the first time: one per root
// and per file system (a btrfs subvolume is another one, and a rename
// cannot cross into it). It returns nil when none can be had; the root's
// error then says why, and nothing there is removed by name instead.
func (w *wiper) quarantine(i int, parent *safefs.Dir) *safefs.Quarantine {
	k := quarantineKey{root: i, dev: parent.Info().Dev}
	if q, ok := w.quarantines[k]; ok {
		return q
	}
	from := w.cfg.Roots[i].Dir
	if from.Info().Dev != k.dev {
		from = parent
	}
	q, recovered, err := from.OpenQuarantine()
	w.res.Recovered += recovered
	if err != nil {
		w.rootError(i, fmt.Errorf("no safe place to remove entries on this folder's disk, so they were left: %w", err))
		q = nil
	}
	w.quarantines[k] = q
	return q
}

type quarantineKey struct {
	root int
	dev  uint64
}

// closeRoot closes root i to the public for the wipe, where its policy
// lets it and it is the session's account's (never a sticky or shared
// folder): see Root.CloseDuringWipe.
func (w *wiper) closeRoot(i int, info safefs.Info) {
	r := w.cfg.Roots[i]
	if !r.CloseDuringWipe || w.closedRoots[i] || info.Nlink == 0 || info.Mode&fs.ModeSticky != 0 || !info.OwnedBy(r.Owners, r.OwnerSIDs) {
		return
	}
	if w.closedRoots == nil {
		w.closedRoots = map[int]bool{}
	}
	if ok, err := r.Dir.LockForWipe(); err != nil {
		w.rootError(i, err)
	} else if ok {
		w.closedRoots[i] = true
	}
}

// reopenRoots gives the roots closed for the wipe back their owner and
// mode: those this wipe closed, and one a crashed wipe left closed (Unlock
// reads the owner and mode from the folder's mark; without one it does
// nothing).
func (w *wiper) reopenRoots() {
	for i, r := range w.cfg.Roots {
		if !r.CloseDuringWipe || r.Dir == nil {
			continue
		}
		if err := r.Dir.Unlock(); err != nil {
			w.rootError(i, err)
			w.res.Verified = false
		}
	}
}

func (w *wiper) closeQuarantines() {
	for k, q := range w.quarantines {
		if q == nil {
			continue
		}
		if err := q.Close(); err != nil {
			w.rootError(k.root, err)
			w.res.Verified = false
		}
	}
}

func (w *wiper) rootError(i int, err error) {
	if d := w.cfg.Roots[i].Dir; d != nil && d.Removed() {
		// Deleted while it was read: nothing is left in it.
		w.gone(i)
		return
	}
	w.res.RootErrors = append(w.res.RootErrors, Item{Root: i, Reason: err.Error()})
}

func (w *wiper) gone(i int) {
	if !slices.Contains(w.res.Gone, i) {
		w.res.Gone = append(w.res.Gone, i)
	}
}

func (w *wiper) walker(i int) (*safefs.Walker, *classifier, bool) {
	r := w.cfg.Roots[i]
	if r.Dir == nil {
		return nil, nil, false
	}
	if r.Dir.Removed() {
		w.gone(i)
		return nil, nil, false
	}
	info, err := r.Dir.Restat()
	if err != nil {
		w.rootError(i, fmt.Errorf("read the folder itself: %w", err))
		return nil, nil, false
	}
	if isNever(w.cfg.Never, info) {
		return nil, nil, false
	}
	return &safefs.Walker{MaxOpen: w.cfg.MaxOpen, Boundaries: mountPoints(r.Dir)}, &classifier{root: r, rootInfo: info, base: w.cfg.Baseline, never: w.cfg.Never}, true
}

func (w *wiper) countKept(i int, cl class, e *safefs.WalkEntry) {
	switch cl {
	case preexisting:
		w.kept.Preexisting++
	case modified:
		w.kept.Modified++
	case replaced:
		w.kept.Replaced++
	case doubt:
		w.kept.Doubt++
	case foreign:
		w.kept.Foreign++
	case matched:
		w.kept.Matched++
	case cloud:
		w.kept.Cloud++
		if len(w.otherMedia) < maxItems {
			w.otherMedia = append(w.otherMedia, Item{Root: i, Rel: e.Rel(), Kind: kindOf(e.Info.Mode), Reason: "document en ligne (OneDrive), non touché"})
		}
	case otherMount:
		w.kept.OtherMedium++
		if len(w.otherMedia) < maxItems {
			w.otherMedia = append(w.otherMedia, Item{Root: i, Rel: e.Rel(), Kind: Dir, Reason: "autre support, non touché"})
		}
	}
}

// wipeRoot runs one deletion walk over root i.
func (w *wiper) wipeRoot(ctx context.Context, i int) {
	wk, cl, ok := w.walker(i)
	if !ok {
		return
	}
	if w.res.Passes == 1 && cl.rootInfo.Nlink > 0 {
		// Open the root's quarantine now, even if nothing will need it:
		// opening it puts back what an interrupted wipe left there, to be
		// judged in this pass (RC2).
		w.quarantine(i, w.cfg.Roots[i].Dir)
	}
	w.closeRoot(i, cl.rootInfo)
	hooks := w.cfg.Hooks
	// quarantineFor is nil for a folder closed to the public, where none is
	// needed; errNoQuarantine when one is needed and cannot be had.
	// A folder of an encrypted root whose session key is gone needs none
	// either, and could not use one: no one can rename anything out of it
	// (ENOKEY), and no one can change its names any more
	// (safefs.Dir.FrozenWithoutKey).
	quarantineFor := func(parent *safefs.Dir) (*safefs.Quarantine, bool) {
		if parent.ClosedToPublic() || parent.FrozenWithoutKey(w.cfg.Roots[i].SessionKey) {
			return nil, true
		}
		q := w.quarantine(i, parent)
		return q, q != nil
	}
	remove := func(e *safefs.WalkEntry, info safefs.Info) {
		q, ok := quarantineFor(e.Parent)
		if !ok {
			return
		}
		if hooks.BeforeUnlink != nil {
			hooks.BeforeUnlink(e.Rel())
		}
		err := e.Parent.RemoveExpect(q, e.Name, info.Identity)
		switch {
		case err == nil:
			w.count(info)
			if len(w.failed) > 0 {
				delete(w.failed, failKey(i, e.Rel()))
			}
		case errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, safefs.ErrSwapped):
			// The next pass judges what the names hold now.
			w.security(i, e.Rel(), kindOf(info.Mode), reasonSwapped)
		case errors.Is(err, errIsDir()):
			// It became a directory after the stat; the next pass sees it.
		default:
			w.failed[failKey(i, e.Rel())] = errReason(err)
		}
	}
	if w.cfg.Roots[i].Name == "" {
		// Beneath a Name, Dir is the folder holding the root, not the
		// root: its streams are not the session's to judge.
		w.removeStreams(i, w.cfg.Roots[i].Dir, ".", cl.rootInfo.Identity, "")
	}
	wk.Visit = func(e *safefs.WalkEntry) (safefs.Action, error) {
		c := cl.classify(e)
		if c == replaced {
			w.securityOnce(i, e.Rel(), kindOf(e.Info.Mode), reasonReplaced)
		}
		if c != sessionEntry {
			w.countKept(i, c, e)
			if (c == preexisting || c == modified) && streamsRecorded(e.Info) {
				w.removeStreams(i, e.Parent, e.Name, e.Info.Identity, e.Rel())
			}
			if e.Info.IsDir() && (c == preexisting || c == doubt || c == matched) {
				return safefs.Descend, nil // session entries may be inside
			}
			return safefs.Skip, nil
		}
		if e.Info.IsDir() {
			return safefs.Descend, nil
		}
		remove(e, e.Info)
		return safefs.Skip, nil
	}
	wk.Leave = func(e *safefs.WalkEntry) error {
		if cl.classify(e) != sessionEntry {
			return nil
		}
		q, ok := quarantineFor(e.Parent)
		if !ok {
			return nil
		}
		if hooks.BeforeRemoveDir != nil {
			hooks.BeforeRemoveDir(e.Rel())
		}
		err := e.Parent.RemoveDirExpect(q, e.Name, e.Info.Identity)
		switch {
		case err == nil:
			w.count(e.Info)
		case errors.Is(err, safefs.ErrSwapped):
			w.security(i, e.Rel(), Dir, reasonSwapped)
		case errors.Is(err, fs.ErrNotExist):
		case isNotEmpty(err):
			// Not empty: something inside was kept (a baseline file moved
			// in, threats.md B2) or appeared; the folder stays, with the
			// owner and mode it had.
			w.unlock(i, e)
		default:
			w.failed[failKey(i, e.Rel())] = errReason(err)
			w.unlock(i, e)
		}
		return nil
	}
	wk.Changed = func(e *safefs.WalkEntry, info safefs.Info, err error) error {
		if err != nil {
			return nil
		}
		fresh := *e
		fresh.Info = info
		if info.IsDir() {
			return nil // another directory took the name; the next pass walks it
		}
		if cl.classify(&fresh) == sessionEntry {
			remove(&fresh, info)
		}
		return nil
	}
	// A session's folder is closed to the public before it is listed, so
	// that its entries can be removed by name: no one else can swap them
	// any more (RC2, safefs.LockForWipe). Folders that were there before
	// keep their owner and mode; their entries go through the quarantine.
	wk.Entered = func(e *safefs.WalkEntry, dir *safefs.Dir) error {
		// Only a folder made during the session: one that was there before
		// (scope "all") must not change owner, in case something in it is
		// kept.
		if cl.classify(e) != sessionEntry || !cl.isNew(e.Info) {
			return nil
		}
		if _, err := dir.LockForWipe(); err != nil {
			w.failed[failKey(i, e.Rel())] = errReason(err)
		}
		return nil
	}
	if hooks.BeforeOpenDir != nil {
		wk.BeforeOpenDir = func(e *safefs.WalkEntry) { hooks.BeforeOpenDir(e.Rel()) }
	}
	if err := wk.Walk(ctx, w.cfg.Roots[i].Dir); err != nil && ctx.Err() == nil {
		if !errors.Is(err, safefs.ErrTreeChanged) {
			w.rootError(i, err)
		}
	}
}

func failKey(root int, rel string) string { return strconv.Itoa(root) + "/" + rel }

// removeStreams deletes the named data streams the session added to the
// pre-existing entry name of parent ("." for the root itself, rel ""),
// whose identity is id; the entry and its other streams stay (threats.md
// W10). Streams exist on Windows only; elsewhere there is none to list.
func (w *wiper) removeStreams(i int, parent *safefs.Dir, name string, id safefs.Identity, rel string) {
	names, err := w.streamsOf(parent, name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			w.failed[failKey(i, rel+":")] = errReason(err)
		}
		return
	}
	for _, st := range w.cfg.Baseline.NewStreams(id, names) {
		key := failKey(i, rel+":"+st)
		if err := parent.RemoveStream(name, st); err != nil && !errors.Is(err, fs.ErrNotExist) {
			w.failed[key] = errReason(err)
			continue
		}
		delete(w.failed, key)
		w.res.Removed.Streams++
		w.removed++
	}
}

// streamsRecorded says whether the baseline lists the streams of an entry
// like this one: links and other reparse points are never opened, so
// their streams are neither recorded nor removed (they would all look
// new). It is baseline.StreamsRecorded, the same rule on both sides.
func streamsRecorded(in safefs.Info) bool { return baseline.StreamsRecorded(in) }

// streamsOf lists the named streams of name in parent, or none when the
// baseline could not have recorded them.
func (w *wiper) streamsOf(parent *safefs.Dir, name string) ([]string, error) {
	if !w.cfg.Baseline.HasStreams() {
		return nil, nil
	}
	return parent.Streams(name)
}

func (w *wiper) count(info safefs.Info) {
	r := &w.res.Removed
	switch kindOf(info.Mode) {
	case File:
		r.Files++
		r.Bytes += info.Size
	case Dir:
		r.Dirs++
	case Link:
		r.Links++
	default:
		r.Other++
	}
	w.removed++
	if w.cfg.Hooks.AfterUnlink != nil {
		w.cfg.Hooks.AfterUnlink(w.removed)
	}
	if w.cfg.Progress != nil && w.removed%256 == 0 {
		w.cfg.Progress(w.removed, r.Files+r.Links+r.Other)
	}
}

// verify scans every root without deleting and returns how many session
// entries are left; it fills the pending list.
func (w *wiper) verify(ctx context.Context) int {
	w.res.Pending, w.res.Leftover, w.res.CreatedDuringWipe = nil, 0, 0
	w.left = w.left[:0]
	for i := range w.cfg.Roots {
		err := w.scan(ctx, i, func(it Item) {
			w.res.Leftover++
			reason, failed := w.failed[failKey(i, it.Rel)]
			if !failed {
				w.res.CreatedDuringWipe++
				reason = "apparu pendant le nettoyage"
			}
			if len(w.res.Pending) < maxItems {
				it.Reason = reason
				w.res.Pending = append(w.res.Pending, it)
			}
		})
		if err != nil && ctx.Err() == nil {
			w.rootError(i, err)
		}
	}
	return w.res.Leftover
}

// scan walks root i without deleting and calls fn for each session entry.
func (w *wiper) scan(ctx context.Context, i int, fn func(Item)) error {
	wk, cl, ok := w.walker(i)
	if !ok {
		return nil
	}
	// A session folder that still holds something (a baseline file moved
	// into it, threats.md B2, or a kept entry) is rightly left; only an
	// empty one counts. children counts the entries of the folders being
	// walked, by identity; it holds at most one key per level of depth.
	children := map[safefs.Identity]int{}
	streamsLeft := func(parent *safefs.Dir, name string, id safefs.Identity, rel string) {
		names, err := w.streamsOf(parent, name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			fn(Item{Root: i, Rel: rel + ":", Kind: Other}) // cannot say it is clean
			return
		}
		for _, st := range w.cfg.Baseline.NewStreams(id, names) {
			fn(Item{Root: i, Rel: rel + ":" + st, Kind: Other})
		}
	}
	if w.cfg.Roots[i].Name == "" {
		streamsLeft(w.cfg.Roots[i].Dir, ".", cl.rootInfo.Identity, "")
	}
	wk.Visit = func(e *safefs.WalkEntry) (safefs.Action, error) {
		children[e.ParentID]++
		c := cl.classify(e)
		if w.cfg.RecordLeft && c != sessionEntry && c != own {
			w.left = append(w.left, e.Info.Identity)
		}
		if (c == preexisting || c == modified) && streamsRecorded(e.Info) {
			streamsLeft(e.Parent, e.Name, e.Info.Identity, e.Rel())
		}
		if c == sessionEntry && !e.Info.IsDir() {
			fn(Item{Root: i, Rel: e.Rel(), Kind: kindOf(e.Info.Mode)})
		}
		if e.Info.IsDir() && (c == sessionEntry || c == preexisting || c == doubt || c == matched) {
			return safefs.Descend, nil
		}
		return safefs.Skip, nil
	}
	wk.Leave = func(e *safefs.WalkEntry) error {
		id := e.Info.Identity
		n := children[id]
		delete(children, id)
		if n == 0 && cl.classify(e) == sessionEntry {
			fn(Item{Root: i, Rel: e.Rel(), Kind: Dir})
		}
		return nil
	}
	// A name that changed between its stat and its opening (a program
	// still renaming, threats.md L5) was not looked into: the check cannot
	// say it is clean. Unless the fresh stat shows an entry that is not the
	// session's, it counts as left, which makes another pass (or an honest
	// "not verified"), never a false "clean".
	wk.Changed = func(e *safefs.WalkEntry, info safefs.Info, err error) error {
		fresh := *e
		fresh.Info = info
		if err == nil && !info.IsDir() && cl.classify(&fresh) != sessionEntry {
			return nil
		}
		kind := Dir
		if err == nil {
			kind = kindOf(info.Mode)
		}
		fn(Item{Root: i, Rel: e.Rel(), Kind: kind})
		return nil
	}
	return wk.Walk(ctx, w.cfg.Roots[i].Dir)
}

// Entry is one session entry found by Plan.
type Entry struct {
	Root int
	Name string // raw last component; personal data
	Kind Kind
	Size int64
	// ID is the entry's identity on disk, for telling entries apart
	// between two plans; it is not a path.
	ID safefs.Identity

	rel func() string
}

// Rel returns the entry's path relative to its root, raw bytes joined by
// "/". It is built on demand and only valid during the Plan callback.
func (e Entry) Rel() string {
	if e.rel == nil {
		return e.Name
	}
	return e.rel()
}

// Plan walks the roots without deleting anything and calls fn for each
// entry the wipe would remove, in walk order. Memory does not grow with the
// number of entries. It is what "what will be erased" is built from.
func Plan(ctx context.Context, cfg Config, fn func(Entry)) error {
	var errs []error
	for i, r := range cfg.Roots {
		if r.Dir == nil || r.Dir.Removed() {
			continue
		}
		info, err := r.Dir.Restat()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if isNever(cfg.Never, info) {
			continue
		}
		cl := &classifier{root: r, rootInfo: info, base: cfg.Baseline, never: cfg.Never}
		wk := &safefs.Walker{MaxOpen: cfg.MaxOpen, Boundaries: mountPoints(r.Dir), Visit: func(e *safefs.WalkEntry) (safefs.Action, error) {
			c := cl.classify(e)
			if c == sessionEntry {
				fn(Entry{Root: i, Name: e.Name, Kind: kindOf(e.Info.Mode), Size: e.Info.Size, ID: e.Info.Identity, rel: e.Rel})
			}
			if e.Info.IsDir() && (c == sessionEntry || c == preexisting || c == doubt || c == matched) {
				return safefs.Descend, nil
			}
			return safefs.Skip, nil
		}}
		if err := wk.Walk(ctx, r.Dir); err != nil {
			errs = append(errs, fmt.Errorf("scan root %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// mountPoints returns the mount points below a root, so that the walk
// never stats them; if the mount table cannot be read, the walk still
// recognises mounts by their mount ID, only without that protection.
func mountPoints(d *safefs.Dir) map[string]bool {
	m, err := d.MountPoints()
	if err != nil {
		return nil
	}
	return m
}

// keepVerdict is what the keep patterns say of an entry.
type keepVerdict int

const (
	keepNone keepVerdict = iota
	// keepEntry: a pattern of the entry's kind names it.
	keepEntry
	// keepExisting: the name is kept for another kind of entry, or the
	// entry is inside a kept folder; it stays only if it was there at
	// session start.
	keepExisting
)

// matchAny says whether the keep patterns keep rel, an entry that is a
// folder or not. A pattern ending in "/" names folders only, and keeps
// the folder itself; any other pattern names everything but folders.
func matchAny(patterns []string, rel string, isDir bool) keepVerdict {
	if len(patterns) == 0 {
		return keepNone
	}
	parts := strings.Split(rel, "/")
	v := keepNone
	for _, p := range patterns {
		dirOnly := strings.HasSuffix(p, "/")
		pat := strings.Split(strings.TrimSuffix(p, "/"), "/")
		if matchParts(pat, parts) {
			if dirOnly == isDir {
				return keepEntry
			}
			v = keepExisting
			continue
		}
		if dirOnly && v == keepNone {
			for k := len(parts) - 1; k > 0; k-- {
				if matchParts(pat, parts[:k]) {
					v = keepExisting
					break
				}
			}
		}
	}
	return v
}

func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for k := 0; k <= len(name); k++ {
				if matchParts(pat[1:], name[k:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := pathMatch(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
