// Package baseline records what exists under the session's roots when a
// session starts, so that the wipe can tell the session's entries from the
// ones that were there before by identity (device, inode, birth time), never
// by name or time, which a user can forge (threats.md D4, T6).
//
// A Set keeps, for every entry, its identity, the identity of the folder
// holding it and its name (to notice an entry replaced at the same name,
// B3, and to put back a pre-existing file moved into a new folder, B2), and
// its ctime and size (to report pre-existing files modified during the
// session, B1). Records live in one slice sorted by identity: a lookup is a
// binary search and memory is about 80 bytes plus the name per entry.
//
// A baseline is written to the state directory before the session is
// recorded in the journal, atomically and with a checksum: a crash leaves
// either no baseline or a complete one, and a torn or edited file is refused.
package baseline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"runtime"
	"slices"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// Record is what the baseline keeps about one entry.
type Record struct {
	Root   uint16          // index of the root in the session's roots
	ID     safefs.Identity // the entry itself
	Parent safefs.Identity // the folder holding it (device and inode only)
	Ctime  int64           // status change time, to report "modified during the session"
	Size   int64
	UID    uint32
	Dir    bool
	// Name is the raw name. It is the library's, not the public's: the
	// entry existed before the session.
	Name string
}

// rec is a Record as stored: the name lives in the Set's arena.
type rec struct {
	dev, ino   uint64
	btime      int64
	pdev, pino uint64
	nameHash   uint64
	ctime      int64
	size       int64
	uid        uint32
	nameOff    uint32
	nameLen    uint16
	root       uint16
	dir        bool
}

// Set is a baseline: the entries that existed at session start. A nil
// *Set is an empty baseline. A Set is not changed after it is built, so it
// may be read from several goroutines.
type Set struct {
	taken   int64 // when the walk started, on the file system's clock (ns)
	roots   []rootID
	recs    []rec // sorted by (dev, ino, root, pdev, pino, name)
	names   []byte
	byName  []int32 // indexes into recs, sorted by (pdev, pino, nameHash)
	hashKey maphash.Seed
	// streams are the named data streams of the entries (Windows only;
	// threats.md W10), sorted: a stream the session adds to a
	// pre-existing file or folder is removed, the file itself kept.
	streams      []streamRec
	streamsKnown bool // the streams were listed (see HasStreams)
}

// streamRec is one named data stream of a baseline entry.
type streamRec struct {
	dev, ino uint64
	name     string
}

func compareStream(a, b streamRec) int {
	if c := cmp.Compare(a.dev, b.dev); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ino, b.ino); c != 0 {
		return c
	}
	return cmp.Compare(a.name, b.name)
}

// HadStream reports whether the entry id had the named data stream name
// at session start.
func (s *Set) HadStream(id safefs.Identity, name string) bool {
	if s == nil {
		return false
	}
	_, ok := slices.BinarySearchFunc(s.streams, streamRec{dev: id.Dev, ino: id.Ino, name: name}, compareStream)
	return ok
}

// NewStreams returns those of streams, the named data streams entry id has
// now, that it did not have at session start: the session's.
func (s *Set) NewStreams(id safefs.Identity, streams []string) []string {
	var out []string
	for _, n := range streams {
		if !s.HadStream(id, n) {
			out = append(out, n)
		}
	}
	return out
}

func (s *Set) addStreams(id safefs.Identity, names []string) {
	for _, n := range names {
		s.streams = append(s.streams, streamRec{dev: id.Dev, ino: id.Ino, name: n})
	}
}

// rootID is the identity of a root folder; ok is false for a root that
// was refused at session start (nil in Take's argument).
type rootID struct {
	id safefs.Identity
	ok bool
}

func newSet() *Set { return &Set{hashKey: nameSeed} }

// nameSeed is fixed for the life of the process: name hashes are never
// written to disk, only recomputed, so they cannot be chosen offline.
var nameSeed = maphash.MakeSeed()

func (s *Set) hashName(name string) uint64 { return maphash.String(s.hashKey, name) }

func (s *Set) name(r *rec) string { return string(s.names[r.nameOff : r.nameOff+uint32(r.nameLen)]) }

func (s *Set) record(r *rec) Record {
	return Record{
		Root:   r.root,
		ID:     safefs.Identity{Dev: r.dev, Ino: r.ino, Btime: r.btime},
		Parent: safefs.Identity{Dev: r.pdev, Ino: r.pino},
		Ctime:  r.ctime, Size: r.size, UID: r.uid, Dir: r.dir,
		Name: s.name(r),
	}
}

// errNameTooLong means a name does not fit the format (Linux allows 255
// bytes; the format allows 65,535).
var errNameTooLong = errors.New("name too long for the baseline")

func (s *Set) add(r Record) error {
	if len(r.Name) > 0xffff || len(s.names)+len(r.Name) > 0xffffffff {
		return errNameTooLong
	}
	s.recs = append(s.recs, rec{
		dev: r.ID.Dev, ino: r.ID.Ino, btime: r.ID.Btime, pdev: r.Parent.Dev, pino: r.Parent.Ino,
		nameHash: s.hashName(r.Name), ctime: r.Ctime, size: r.Size, uid: r.UID,
		nameOff: uint32(len(s.names)), nameLen: uint16(len(r.Name)), root: r.Root, dir: r.Dir,
	})
	s.names = append(s.names, r.Name...)
	return nil
}

// finish sorts the records and builds the name index.
func (s *Set) finish() {
	slices.SortFunc(s.recs, func(a, b rec) int { return s.compareRec(&a, &b) })
	// A folder moved during the walk can be seen twice.
	s.recs = slices.CompactFunc(s.recs, func(a, b rec) bool { return s.compareRec(&a, &b) == 0 })
	slices.SortFunc(s.streams, compareStream)
	s.streams = slices.CompactFunc(s.streams, func(a, b streamRec) bool { return compareStream(a, b) == 0 })
	s.index()
}

func (s *Set) compareRec(a, b *rec) int {
	if c := cmp.Compare(a.dev, b.dev); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ino, b.ino); c != 0 {
		return c
	}
	if c := cmp.Compare(a.root, b.root); c != 0 {
		return c
	}
	if c := cmp.Compare(a.pdev, b.pdev); c != 0 {
		return c
	}
	if c := cmp.Compare(a.pino, b.pino); c != 0 {
		return c
	}
	return cmp.Compare(s.name(a), s.name(b))
}

func (s *Set) index() {
	s.byName = make([]int32, len(s.recs))
	for i := range s.byName {
		s.byName[i] = int32(i)
	}
	slices.SortFunc(s.byName, func(i, j int32) int {
		a, b := &s.recs[i], &s.recs[j]
		if c := cmp.Compare(a.pdev, b.pdev); c != 0 {
			return c
		}
		if c := cmp.Compare(a.pino, b.pino); c != 0 {
			return c
		}
		return cmp.Compare(a.nameHash, b.nameHash)
	})
}

// Without returns a copy of s without the records drop selects, and how
// many it left out. It is how the system service takes out of a new
// baseline what a kiosk account made after the last verified wipe, which
// is the new session's (issue 13 RC7).
func (s *Set) Without(drop func(Record) bool) (*Set, int) {
	if s == nil {
		return nil, 0
	}
	out := &Set{taken: s.taken, roots: s.roots, hashKey: s.hashKey, streams: s.streams, streamsKnown: s.streamsKnown}
	n := 0
	for i := range s.recs {
		r := s.record(&s.recs[i])
		if drop(r) {
			n++
			continue
		}
		out.add(r) // cannot fail: the names fitted in s
	}
	out.finish()
	return out, n
}

// Len returns the number of entries in the baseline.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.recs)
}

// Taken returns when the baseline walk started, on the clock the file
// system stamps new entries with.
func (s *Set) Taken() time.Time {
	if s == nil {
		return time.Time{}
	}
	return time.Unix(0, s.taken)
}

// RootID returns the identity the root i had when the baseline was taken;
// ok is false for a root that was not open then.
func (s *Set) RootID(i int) (id safefs.Identity, ok bool) {
	if s == nil || i < 0 || i >= len(s.roots) {
		return safefs.Identity{}, false
	}
	return s.roots[i].id, s.roots[i].ok
}

// IsRoot reports whether id is one of the roots as the baseline found them
// at session start. A root moved during the session is still that root:
// whatever else is wiped by name must leave it to its own handle.
func (s *Set) IsRoot(id safefs.Identity) bool {
	if s == nil {
		return false
	}
	for _, r := range s.roots {
		if r.ok && r.id.Dev == id.Dev && r.id.Ino == id.Ino && (r.id.Btime == 0 || id.Btime == 0 || r.id.Btime == id.Btime) {
			return true
		}
	}
	return false
}

// find returns the index of the first record with this device and inode,
// and whether there is one.
func (s *Set) find(dev, ino uint64) (int, bool) {
	if s == nil {
		return 0, false
	}
	i, ok := slices.BinarySearchFunc(s.recs, [2]uint64{dev, ino}, func(r rec, k [2]uint64) int {
		if c := cmp.Compare(r.dev, k[0]); c != 0 {
			return c
		}
		return cmp.Compare(r.ino, k[1])
	})
	return i, ok
}

// Verdict is how an entry compares with the baseline.
type Verdict int

const (
	// New: not in the baseline.
	New Verdict = iota
	// Existing: the same object as at session start.
	Existing
	// Doubt: same device and inode as a baseline entry, but nothing tells
	// a reused inode number from the original (no birth time on one side,
	// and a ctime that changed); the entry is kept and reported.
	Doubt
)

func (v Verdict) String() string {
	switch v {
	case New:
		return "new"
	case Existing:
		return "existing"
	}
	return "doubt"
}

// Lookup says whether id is an entry of the baseline, by identity alone.
// An inode number reused by a new file (same device and inode, another
// birth time) is New (threats.md B5); without birth times on both sides
// the answer is Doubt. Classify also uses the ctime to settle that case.
func (s *Set) Lookup(id safefs.Identity) (Verdict, Record) {
	i, ok := s.find(id.Dev, id.Ino)
	if !ok {
		return New, Record{}
	}
	r := &s.recs[i]
	switch {
	case r.btime != 0 && id.Btime != 0:
		if r.btime != id.Btime {
			return New, Record{}
		}
		return Existing, s.record(r)
	default:
		// No birth time on one side at least (a file system without
		// one, or one that changed under us): keep the entry.
		return Doubt, s.record(r)
	}
}

// Classify is Lookup for a stat result. When neither side has a birth
// time, an entry whose ctime is the recorded one and older than the
// baseline is the recorded entry (a new file made on a reused inode number
// gets a later ctime, and no one can set a ctime back); anything else with
// that device and inode stays a Doubt.
func (s *Set) Classify(in safefs.Info) (Verdict, Record) {
	v, r := s.Lookup(in.Identity)
	if v == Doubt && r.ID.Btime == 0 && in.Btime == 0 && in.Ctime == r.Ctime && in.Ctime < s.taken {
		return Existing, r
	}
	return v, r
}

// Contains reports whether id is certainly or possibly an entry of the
// baseline (Lookup is not New); in doubt an entry is kept.
func (s *Set) Contains(id safefs.Identity) bool {
	v, _ := s.Lookup(id)
	return v != New
}

// At reports whether the baseline recorded the object id under the name
// name in the folder parent (a file with several hard links has several
// records). A baseline entry found elsewhere was moved during the session.
func (s *Set) At(id, parent safefs.Identity, name string) bool {
	i, ok := s.find(id.Dev, id.Ino)
	if !ok {
		return false
	}
	for ; i < len(s.recs) && s.recs[i].dev == id.Dev && s.recs[i].ino == id.Ino; i++ {
		r := &s.recs[i]
		if r.pdev == parent.Dev && r.pino == parent.Ino && int(r.nameLen) == len(name) && s.name(r) == name {
			return true
		}
	}
	return false
}

// HadName reports whether the folder parent held an entry called name at
// session start. A new object under such a name replaced a pre-existing
// entry (an atomic save, threats.md B3).
func (s *Set) HadName(parent safefs.Identity, name string) bool {
	if s == nil {
		return false
	}
	h := s.hashName(name)
	i, _ := slices.BinarySearchFunc(s.byName, h, func(x int32, h uint64) int {
		r := &s.recs[x]
		if c := cmp.Compare(r.pdev, parent.Dev); c != 0 {
			return c
		}
		if c := cmp.Compare(r.pino, parent.Ino); c != 0 {
			return c
		}
		return cmp.Compare(r.nameHash, h)
	})
	for ; i < len(s.byName); i++ {
		r := &s.recs[s.byName[i]]
		if r.pdev != parent.Dev || r.pino != parent.Ino || r.nameHash != h {
			return false
		}
		if s.name(r) == name {
			return true
		}
	}
	return false
}

// Before reports whether the entry described by in certainly existed
// before the baseline was taken, by the clock the kernel stamped it with:
// its birth time, or, without one, its ctime is older than the start of
// the baseline walk. No one can set either back. The wipe uses it as a
// safety net: an entry the walk did not record (it was being moved while
// the baseline was taken) is still not the session's.
func (s *Set) Before(in safefs.Info) bool {
	if s == nil || s.taken == 0 {
		return false
	}
	t := in.Btime
	if t == 0 {
		t = in.Ctime
	}
	return t != 0 && t < s.taken
}

// Origin returns the records of the folders leading from root rec.Root to
// the folder that held rec, outermost first (none when rec was directly in
// the root), so that the folder can be reopened from the root by name,
// checking each identity on the way. ok is false when the chain is broken.
func (s *Set) Origin(r Record) (chain []Record, ok bool) {
	root, rok := s.RootID(int(r.Root))
	if !rok {
		return nil, false
	}
	cur := r.Parent
	for steps := 0; cur.Dev != root.Dev || cur.Ino != root.Ino; steps++ {
		if steps > len(s.recs) {
			return nil, false // a loop: the file is damaged
		}
		i, found := s.find(cur.Dev, cur.Ino)
		for found && i < len(s.recs) && s.recs[i].dev == cur.Dev && s.recs[i].ino == cur.Ino && (!s.recs[i].dir || s.recs[i].root != r.Root) {
			i++
		}
		if !found || i >= len(s.recs) || s.recs[i].dev != cur.Dev || s.recs[i].ino != cur.Ino {
			return nil, false
		}
		p := s.record(&s.recs[i])
		chain = append(chain, p)
		cur = p.Parent
	}
	slices.Reverse(chain)
	return chain, true
}

// StreamsRecorded says whether a baseline lists the named streams of an
// entry like in: not of links and other reparse points, which are never
// opened.
func StreamsRecorded(in safefs.Info) bool {
	return in.Mode&(fs.ModeSymlink|fs.ModeIrregular) == 0
}

// HasStreams says whether the set records named streams at all: taken on
// Windows, or read from a file that has the streams section (version 3).
// A version 2 file lists none, which must not make every stream look new.
func (s *Set) HasStreams() bool { return s != nil && s.streamsKnown }

// streamsPossible says whether entries can carry named data streams: on
// Windows only, where listing them costs one open per entry.
var streamsPossible = runtime.GOOS == "windows"

// maxAttempts bounds how often Take walks a root again when the tree
// changes under it.
const maxAttempts = 8

// errUnstable is how the walk callbacks ask Take to walk a root again.
var errUnstable = errors.New("a folder changed while it was being recorded")

// Take walks the roots and records every entry, without following links,
// without entering other mounts, and with a bounded number of open
// handles whatever the depth. A nil root (refused at session start) is
// skipped. When a folder is replaced or moved during the walk, the root
// is walked again, a bounded number of times; entries that merely vanish
// are left out (they are gone, and Before covers one that moved).
func Take(ctx context.Context, roots []*safefs.Dir) (*Set, error) {
	s := newSet()
	s.taken = fsNow()
	s.streamsKnown = streamsPossible
	for i, root := range roots {
		if root == nil {
			s.roots = append(s.roots, rootID{})
			continue
		}
		s.roots = append(s.roots, rootID{id: root.Info().Identity, ok: true})
		if err := s.takeRoot(ctx, uint16(i), root); err != nil {
			return nil, fmt.Errorf("record what exists in %s: %w", root.Name(), err)
		}
	}
	s.finish()
	return s, nil
}

func (s *Set) takeRoot(ctx context.Context, i uint16, root *safefs.Dir) error {
	if len(s.roots) > 0xffff {
		return errors.New("too many roots")
	}
	rootInfo, err := root.Restat()
	if err != nil {
		return err
	}
	// Named streams exist on Windows only; elsewhere Streams answers at
	// once with none. A root whose streams cannot be listed fails the
	// baseline: they would all look new to the wipe.
	names, err := root.Streams(".")
	if err != nil {
		return fmt.Errorf("list the streams of the folder itself: %w", err)
	}
	s.addStreams(rootInfo.Identity, names)
	var err2 error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		n, nn, ns := len(s.recs), len(s.names), len(s.streams)
		bounds, _ := root.MountPoints() // never stat a mount point (FUSE can hang)
		w := &safefs.Walker{
			Boundaries: bounds,
			Visit: func(e *safefs.WalkEntry) (safefs.Action, error) {
				if e.Info.MountRoot && e.Info.Ino == 0 {
					return safefs.Skip, nil // a mount point, known from the mount table only
				}
				err := s.add(Record{Root: i, ID: e.Info.Identity, Parent: e.ParentID, Ctime: e.Info.Ctime,
					Size: e.Info.Size, UID: e.Info.UID, Dir: e.Info.IsDir(), Name: e.Name})
				if err != nil {
					return safefs.Skip, err
				}
				if streamsPossible && StreamsRecorded(e.Info) {
					names, err := e.Parent.Streams(e.Name)
					if err != nil && !errors.Is(err, fs.ErrNotExist) {
						return safefs.Skip, err
					}
					s.addStreams(e.Info.Identity, names)
				}
				if e.Info.IsDir() && SameMount(rootInfo, e.Info) {
					return safefs.Descend, nil
				}
				return safefs.Skip, nil
			},
			Changed: func(*safefs.WalkEntry, safefs.Info, error) error { return errUnstable },
		}
		err2 = w.Walk(ctx, root)
		if err2 == nil {
			return nil
		}
		s.recs, s.names, s.streams = s.recs[:n], s.names[:nn], s.streams[:ns]
		if !errors.Is(err2, errUnstable) && !errors.Is(err2, safefs.ErrTreeChanged) {
			return err2
		}
	}
	return fmt.Errorf("walked %d times: %w", maxAttempts, err2)
}

// SameMount reports whether entry is on the same mount as root and is not
// itself the root of a mount. With no mount ID from the kernel it compares
// devices, which treats btrfs subvolumes as other mounts (the safe side).
func SameMount(root, entry safefs.Info) bool {
	if entry.MountRoot {
		return false
	}
	if root.MntID != 0 && entry.MntID != 0 {
		return root.MntID == entry.MntID
	}
	return root.Dev == entry.Dev
}
