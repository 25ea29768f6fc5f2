package wipe

import (
	"context"
	"errors"
	"io/fs"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// NamesResult says what RemoveNames did.
type NamesResult struct {
	Found   int // names that were there
	Removed int // entries erased, folders' contents included
	Pending int // entries left: another account's, busy, swapped, or not verified
	// Swapped counts names whose entry was replaced by another between its
	// check and its removal (R2): nothing was removed for them.
	Swapped int
}

// RemoveNames erases the entries called names directly inside dir, with
// everything below them, when they belong to owners: the traces a browser
// keeps of a visit, erased whether or not they existed before the session.
// It is the wipe's rule for a list of names: each entry is judged on its
// own stat and removed only as that very entry (through a quarantine where
// the public may change dir), and a folder is emptied by a wipe of scope
// "all" of that folder before it goes.
func RemoveNames(ctx context.Context, dir *safefs.Dir, names []string, owners []uint32, ownerSIDs []string) NamesResult {
	var res NamesResult
	var q *safefs.Quarantine
	quarantine := func() (*safefs.Quarantine, bool) {
		if q != nil {
			return q, true
		}
		var err error
		q, err = quarantineFor(dir)
		return q, err == nil
	}
	defer func() {
		if q != nil && q.Close() != nil {
			res.Pending++
		}
	}()
	for _, name := range names {
		info, err := dir.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		res.Found++
		if err != nil || !info.OwnedBy(owners, ownerSIDs) {
			res.Pending++
			continue
		}
		if info.IsDir() {
			d, err := dir.OpenDirExpect(name, info.Identity)
			if err != nil {
				res.Pending++
				continue
			}
			r := Run(ctx, Config{Roots: []Root{{Dir: d, Scope: "all", Owners: owners, OwnerSIDs: ownerSIDs}}})
			d.Close()
			res.Removed += r.Removed.Total()
			left := r.Leftover + len(r.RootErrors) + r.Kept.Foreign + r.Kept.OtherMedium
			res.Pending += left
			if left > 0 {
				continue
			}
		}
		qq, ok := quarantine()
		if !ok {
			res.Pending++
			continue
		}
		var rerr error
		if info.IsDir() {
			rerr = dir.RemoveDirExpect(qq, name, info.Identity)
		} else {
			// A file, or a link itself (never what it points to).
			rerr = dir.RemoveExpect(qq, name, info.Identity)
		}
		switch {
		case rerr == nil:
			res.Removed++
		case errors.Is(rerr, safefs.ErrSwapped):
			res.Swapped++
			res.Pending++
		default:
			res.Pending++
		}
	}
	return res
}

// RemoveEntry removes the non-directory entry name of dir if it is still
// the object want, which the caller judged (a link left at a root's name,
// say): through a quarantine where the public may change dir, so that a
// name swapped at the last moment removes nothing (RC2). The error wraps
// safefs.ErrSwapped when that happened.
func RemoveEntry(dir *safefs.Dir, name string, want safefs.Identity) error {
	q, err := quarantineFor(dir)
	if err != nil {
		return err
	}
	defer q.Close()
	return dir.RemoveExpect(q, name, want)
}

// quarantineFor opens a quarantine for removals in dir, or returns none
// (nil) when dir is closed to the public and removals there go by name.
func quarantineFor(dir *safefs.Dir) (*safefs.Quarantine, error) {
	if dir.ClosedToPublic() {
		return nil, nil
	}
	q, _, err := dir.OpenQuarantine()
	return q, err
}

// runExtra erases what the session-end steps listed (Config.Extra).
func runExtra(ctx context.Context, x Extra) ExtraResult {
	var r ExtraResult
	for _, n := range x.Names {
		r.Names = append(r.Names, RemoveNames(ctx, n.Dir, n.Names, n.Owners, n.OwnerSIDs))
	}
	for _, w := range x.Rewrites {
		r.Rewrites = append(r.Rewrites, w.Dir.ReplaceFile(w.Name, &w.Judged, w.Data, w.Perm, w.UID, w.GID))
	}
	return r
}
