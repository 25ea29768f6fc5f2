package safefs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// Action says what the walker does with an entry after Visit.
type Action int

const (
	// Skip leaves the entry: a non-directory, or a directory not to enter.
	Skip Action = iota
	// Descend enters the directory; Leave is called once its entries are
	// done.
	Descend
)

// WalkEntry is one entry met by the walker.
type WalkEntry struct {
	// Parent is an open handle on the directory holding the entry; it is
	// valid during the callback only. Deleting the entry goes through it.
	Parent *Dir
	// ParentID is the identity of that directory.
	ParentID Identity
	// Name is the entry's raw name.
	Name string
	// Info is what a no-follow stat said when the entry was met.
	Info Info
	// Depth is 1 for the root's own entries.
	Depth int

	up *frame // the directory holding the entry
}

// Rel returns the entry's path relative to the root, with "/" separators,
// for keep patterns and reports only, never for system calls. It is built
// on demand: keeping every level's path would cost memory in the square of
// the depth, which a user controls (threats.md R1).
func (e *WalkEntry) Rel() string {
	n := len(e.Name)
	for f := e.up; f != nil && f.name != ""; f = f.up {
		n += len(f.name) + 1
	}
	b := make([]byte, n)
	i := n - len(e.Name)
	copy(b[i:], e.Name)
	for f := e.up; f != nil && f.name != ""; f = f.up {
		i--
		b[i] = '/'
		i -= len(f.name)
		copy(b[i:], f.name)
	}
	return string(b)
}

// Walker visits every entry below a root without following links and with
// a bounded number of open directory handles whatever the depth: past
// MaxOpen, the handles nearest the root are closed and reopened later by
// climbing ".." from a child, checking at each step that the directory is
// the one left (threats.md D3). It never opens a non-directory.
//
// The walker does not decide anything about mounts, owners or baselines:
// Visit does, and says whether to enter a directory.
type Walker struct {
	// MaxOpen bounds the open directory handles, root included. Default 16.
	MaxOpen int
	// Batch is how many names are read from a directory at a time.
	// Default 256.
	Batch int
	// Visit is called for every entry, before its children.
	Visit func(e *WalkEntry) (Action, error)
	// Leave is called for every directory Visit entered, after its
	// children, with Parent open again.
	Leave func(e *WalkEntry) error
	// Changed is called when an entry Visit asked to enter turned out not
	// to be the directory that was listed (it became a link, a file, or
	// another directory). info is a fresh no-follow stat of the name. The
	// callback typically treats it as a non-directory. Optional.
	Changed func(e *WalkEntry, info Info, err error) error
	// Boundaries lists paths relative to the root that are mount points
	// (see Dir.MountPoints). They are visited with an Info that only says
	// MountRoot and a directory type, without any stat: a stat of a hostile
	// FUSE mount can hang.
	Boundaries map[string]bool
	// OpenFailed is called when a directory Visit asked to enter cannot be
	// opened for another reason than a change of the entry (EACCES, EIO,
	// …). Returning nil goes on with the next entry; without the callback
	// the walk stops with the error. Optional.
	OpenFailed func(e *WalkEntry, err error) error
	// Vanished is called when a listed name is gone before it could be
	// stat-ed or entered: it was deleted or renamed meanwhile. e.Info is
	// the stat of the entry when it vanished before being entered, and
	// otherwise holds only the type the listing gave (Mode type bits, 0
	// when the file system did not say). A walk that must see every entry
	// (a baseline, a verification) cares, because a folder renamed into a
	// part of the tree already walked is missed. Optional.
	Vanished func(e *WalkEntry) error
	// Entered is called once a directory Visit asked to enter is open,
	// before any of its entries is read; dir is its handle, owned by the
	// walker. An error stops the walk.
	Entered func(e *WalkEntry, dir *Dir) error
	// BeforeOpenDir is a test hook called just before a child directory is
	// opened.
	BeforeOpenDir func(e *WalkEntry)
	// OnOpen is a test hook called with the number of directory handles
	// the walker holds, each time it opens one.
	OnOpen func(open int)
}

// ErrTreeChanged means a directory above the current position was moved
// during the walk, so the walker could not climb back; the caller retries.
var ErrTreeChanged = errors.New("the folder tree changed during the walk")

type frame struct {
	dir     *Dir // nil when closed to respect MaxOpen
	id      Identity
	name    string    // the directory's name in its parent; "" for the root
	up      *frame    // the parent directory's frame
	toMount bool      // a mount point lies below: paths are checked here
	entry   WalkEntry // how the directory was reached; zero for the root
	offset  int64     // read position, to resume after a reopen
	pending []Entry   // names read but not yet visited
	done    bool      // no more names to read
}

// Walk visits the tree below root. root itself is not visited; it stays
// owned by the caller.
func (w *Walker) Walk(ctx context.Context, root *Dir) error {
	maxOpen := w.MaxOpen
	if maxOpen < 2 {
		maxOpen = 16
	}
	batch := w.Batch
	if batch <= 0 {
		batch = 256
	}
	rd, err := root.Reopen()
	if err != nil {
		return err
	}
	// prefixes holds every folder on the way to a mount point, so that
	// paths are only built, and checked, along those branches.
	prefixes := map[string]bool{}
	for b := range w.Boundaries {
		for i := 0; i < len(b); i++ {
			if b[i] == '/' {
				prefixes[b[:i]] = true
			}
		}
	}
	stack := []*frame{{dir: rd, id: root.Info().Identity, toMount: len(w.Boundaries) > 0}}
	open := 1
	// Open handles are the root's plus a contiguous top segment of the
	// stack, stack[low:]; frames 1..low-1 are closed. Keeping low makes
	// each push and pop constant work, whatever the depth.
	low := 1
	defer func() {
		for _, f := range stack {
			f.dir.Close()
		}
	}()

	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := stack[len(stack)-1]
		if len(f.pending) == 0 && !f.done {
			es, err := f.dir.ReadEntries(batch)
			if err != nil && len(es) == 0 {
				if isEOF(err) {
					f.done = true
				} else {
					return err
				}
			}
			f.pending = es
			f.offset = f.dir.Tell()
		}
		if len(f.pending) == 0 {
			// Directory finished: pop it and let the parent handle it.
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				f.dir.Close()
				break
			}
			p := stack[len(stack)-1]
			if p.dir == nil {
				pd, err := f.dir.OpenParent(p.id)
				if err != nil {
					f.dir.Close()
					open--
					return fmt.Errorf("climb back to %q: %w", p.entry.Rel(), ErrTreeChanged)
				}
				if err := pd.SeekTo(p.offset); err != nil {
					pd.Close()
					f.dir.Close()
					open--
					return err
				}
				p.dir = pd
				open++
			}
			low = max(1, min(low, len(stack)-1))
			f.dir.Close()
			f.dir = nil
			open--
			e := f.entry
			e.Parent = p.dir
			if w.Leave != nil {
				if err := w.Leave(&e); err != nil {
					return err
				}
			}
			continue
		}
		ent := f.pending[0]
		f.pending = f.pending[1:]
		rel := ""
		if f.toMount {
			rel = (&WalkEntry{Name: ent.Name, up: f}).Rel()
			if w.Boundaries[rel] {
				e := &WalkEntry{Parent: f.dir, ParentID: f.id, Name: ent.Name, Info: Info{MountRoot: true, Mode: fs.ModeDir}, Depth: len(stack), up: f}
				if _, err := w.Visit(e); err != nil {
					return err
				}
				continue // never stat-ed, never entered
			}
		}
		info, err := f.dir.Stat(ent.Name)
		if err != nil {
			if isNotExist(err) {
				// Gone since the listing.
				if w.Vanished != nil {
					if err := w.Vanished(&WalkEntry{Parent: f.dir, ParentID: f.id, Name: ent.Name, Info: Info{Mode: ent.Type}, Depth: len(stack), up: f}); err != nil {
						return err
					}
				}
				continue
			}
			return err
		}
		e := &WalkEntry{Parent: f.dir, ParentID: f.id, Name: ent.Name, Info: info, Depth: len(stack), up: f}
		act, err := w.Visit(e)
		if err != nil {
			return err
		}
		if act != Descend {
			continue
		}
		if w.BeforeOpenDir != nil {
			w.BeforeOpenDir(e)
		}
		pause(RaceOpen)
		child, err := f.dir.OpenDirExpect(ent.Name, info.Identity)
		if err != nil {
			if errors.Is(err, ErrSymlink) || errors.Is(err, ErrNotDir) || errors.Is(err, ErrChanged) || isNotExist(err) {
				if w.Changed != nil || w.Vanished != nil {
					fresh, serr := f.dir.Stat(ent.Name)
					if isNotExist(serr) {
						if w.Vanished != nil {
							if err := w.Vanished(e); err != nil {
								return err
							}
						}
						continue
					}
					if w.Changed != nil {
						if err := w.Changed(e, fresh, serr); err != nil {
							return err
						}
					}
				}
				continue
			}
			if w.OpenFailed != nil {
				if err := w.OpenFailed(e, err); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if w.Entered != nil {
			if err := w.Entered(e, child); err != nil {
				child.Close()
				return err
			}
		}
		open++
		stack = append(stack, &frame{dir: child, id: child.Info().Identity, name: ent.Name, up: f, toMount: f.toMount && prefixes[rel], entry: *e})
		stack[len(stack)-1].entry.Parent = nil
		if w.OnOpen != nil {
			w.OnOpen(open)
		}
		// Respect the budget: close the handles nearest the root (never
		// the root's own, which anchors everything, nor the current one).
		for ; open > maxOpen && low < len(stack)-1; low++ {
			if g := stack[low]; g.dir != nil {
				g.offset = g.dir.Tell()
				g.dir.Close()
				g.dir = nil
				open--
			}
		}
	}
	return nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
