// Package baseline records what exists under the session's roots when a
// session starts, so that the wipe can tell the session's entries from the
// ones that were there before by identity (device, inode, birth time), never
// by name or time, which a user can forge (threats.md D4, T6).
//
// A baseline is written to the state directory before the session is
// recorded in the journal, atomically and with a checksum: a crash leaves
// either no baseline or a complete one, and a torn or edited file is refused.
package baseline

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// Record is what the baseline keeps about one entry.
type Record struct {
	Root   uint16          // index of the root in the session's roots
	ID     safefs.Identity // the entry itself
	Parent safefs.Identity // the directory holding it
	Ctime  int64           // status change time, to report "modified during the session"
	Size   int64
	UID    uint32
	Dir    bool
	Name   string // raw name; the library's, not the public's: it existed before the session
}

type key struct{ dev, ino uint64 }

type nameKey struct {
	dev, ino uint64 // parent
	hash     uint64 // of the name
}

// Set is a baseline: the entries that existed at session start.
type Set struct {
	recs  []Record
	byID  map[key]int32
	names map[nameKey]struct{}
}

func newSet() *Set {
	return &Set{byID: map[key]int32{}, names: map[nameKey]struct{}{}}
}

func (s *Set) add(r Record) {
	r.Parent.Btime = 0 // parents are known by device and inode only
	s.byID[key{r.ID.Dev, r.ID.Ino}] = int32(len(s.recs))
	s.names[nameKey{r.Parent.Dev, r.Parent.Ino, hashName(r.Name)}] = struct{}{}
	s.recs = append(s.recs, r)
}

func hashName(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// Len returns the number of entries in the baseline.
func (s *Set) Len() int { return len(s.recs) }

// Verdict is how an identity compares with the baseline.
type Verdict int

const (
	// New: not in the baseline.
	New Verdict = iota
	// Existing: the same object as at session start.
	Existing
	// Doubt: same device and inode, but the file system gives no birth
	// time to tell a reused inode number from the original; the entry is
	// kept and reported.
	Doubt
)

// Lookup says whether id is an entry of the baseline. An inode number
// reused by a new file (same device and inode, another birth time) is New
// (threats.md B5).
func (s *Set) Lookup(id safefs.Identity) (Verdict, Record) {
	i, ok := s.byID[key{id.Dev, id.Ino}]
	if !ok {
		return New, Record{}
	}
	r := s.recs[i]
	switch {
	case r.ID.Btime != 0 && id.Btime != 0:
		if r.ID.Btime != id.Btime {
			return New, Record{}
		}
		return Existing, r
	case r.ID.Btime == 0 && id.Btime == 0:
		return Doubt, r
	default:
		// One side has a birth time and the other not: the file system
		// changed under us; keep the entry.
		return Doubt, r
	}
}

// Contains reports whether id is certainly or possibly an entry of the
// baseline; in doubt an entry is kept.
func (s *Set) Contains(id safefs.Identity) bool {
	v, _ := s.Lookup(id)
	return v != New
}

// HadName reports whether the directory parent held an entry called name at
// session start. A new object under such a name replaced a pre-existing
// file (an atomic save, threats.md B3).
func (s *Set) HadName(parent safefs.Identity, name string) bool {
	_, ok := s.names[nameKey{parent.Dev, parent.Ino, hashName(name)}]
	return ok
}

// Take walks the roots and records every entry, without following links
// and without entering other mounts. A nil root (refused at session start)
// is skipped.
func Take(ctx context.Context, roots []*safefs.Dir) (*Set, error) {
	s := newSet()
	for i, root := range roots {
		if root == nil {
			continue
		}
		rootInfo := root.Info()
		bounds, _ := root.MountPoints() // never stat a mount point (FUSE can hang)
		w := &safefs.Walker{
			Boundaries: bounds,
			Visit: func(e *safefs.WalkEntry) (safefs.Action, error) {
				s.add(Record{Root: uint16(i), ID: e.Info.Identity, Parent: e.ParentID, Ctime: e.Info.Ctime,
					Size: e.Info.Size, UID: e.Info.UID, Dir: e.Info.IsDir(), Name: e.Name})
				if e.Info.IsDir() && SameMount(rootInfo, e.Info) {
					return safefs.Descend, nil
				}
				return safefs.Skip, nil
			},
		}
		if err := w.Walk(ctx, root); err != nil {
			return nil, fmt.Errorf("record what exists in %s: %w", root.Name(), err)
		}
	}
	return s, nil
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
