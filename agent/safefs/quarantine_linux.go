package safefs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Quarantine is a folder that only the agent can enter, on the same mount
// as the root it serves, where each entry is moved before it is judged a
// last time and removed (R2). It holds at most one entry at a time, under
// that entry's own name, so that what an interrupted wipe left there can be
// put back where the wipe will judge it again.
//
// Its place is the nearest folder at or above the root, on the same mount,
// that the public cannot change: owned by the agent's user and writable by
// nobody else, or sticky (/tmp). There the quarantine is made fresh, under
// a random name, and removed at Close; since the public can neither rename
// nor remove an entry of that folder, neither step acts on a name the
// public controls. When no such folder exists on the mount (a home that is
// a mount of its own, owned by its user), the quarantine is a folder at the
// top of the mount, made once and kept: removing it would be an act by name
// in a folder the public can write.
type Quarantine struct {
	dir        *Dir
	place      *Dir
	name       string // in place
	persistent bool
}

// quarantinePrefix starts the names of the quarantines, followed by the
// root's identity: a folder of that name owned by the agent's user, mode
// 0700, is this root's quarantine, or one an interrupted wipe left.
const quarantinePrefix = ".ardoise-wipe-"

// Where says where the quarantine is, for logs.
func (q *Quarantine) Where() string {
	if q == nil || q.place == nil {
		return ""
	}
	return path.Join(q.place.name, q.name)
}

// OpenQuarantine makes (or, where it is kept, opens) the quarantine for
// root d. What an interrupted wipe of d left in a quarantine is first moved
// back into d, where the wipe judges it like any other entry; recovered
// counts those entries. The quarantine's name carries d's identity, so
// that what is recovered goes back to the root it came from, never into
// another account's folder.
func (d *Dir) OpenQuarantine() (q *Quarantine, recovered int, err error) {
	euid := uint32(unix.Geteuid())
	place, persistent, err := d.quarantinePlace(euid)
	if err != nil {
		return nil, 0, &PathError{Op: "quarantine", Path: d.name, Err: err}
	}
	q = &Quarantine{place: place, persistent: persistent}
	tag := quarantinePrefix + fmt.Sprintf("%x-%x-%x", d.info.Dev, d.info.Ino, uint64(d.info.Btime))
	fail := func(err error) (*Quarantine, int, error) {
		where := q.Where()
		q.Close()
		return nil, recovered, &PathError{Op: "quarantine", Path: where, Err: err}
	}
	var reuse string
	if recovered, reuse, err = place.recoverLeftovers(d, tag, euid, persistent); err != nil {
		return fail(err)
	}
	if reuse != "" {
		// A kept quarantine of this root, found by the recovery.
		q.name = reuse
		if q.dir, err = place.openOwnQuarantine(q.name, euid, d.info.MntID); err == nil {
			return q, recovered, nil
		}
	}
	for try := 0; try < 8; try++ {
		// A kept quarantine is first made under the root's tag alone; a
		// fresh one, or a kept one whose name someone else took in a
		// folder the public can write, gets a random name besides.
		q.name = tag
		if !persistent || try > 0 {
			var b [8]byte
			if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
				return fail(err)
			}
			q.name = tag + "-" + hex.EncodeToString(b[:])
		}
		err := unix.Mkdirat(place.fd, q.name, 0o700)
		if errors.Is(err, unix.EEXIST) {
			continue // another's, or a leftover the recovery could not use
		}
		if err != nil {
			return fail(err)
		}
		if q.dir, err = place.openOwnQuarantine(q.name, euid, d.info.MntID); err != nil {
			// Swapped right after the mkdir: try another name.
			continue
		}
		return q, recovered, nil
	}
	return fail(errors.New("no name could be had for a quarantine folder there (eight tries); an administrator should look at what fills that folder"))
}

// openOwnQuarantine opens the folder name of d and checks that it is a
// quarantine: a folder of the agent's user, mode 0700, on mount mnt, not
// another mount's root.
func (d *Dir) openOwnQuarantine(name string, euid uint32, mnt uint64) (*Dir, error) {
	qd, err := d.OpenDir(name)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, fs.ErrNotExist
		}
		return nil, err
	}
	in := qd.info
	if in.UID != euid || in.Mode.Perm() != 0o700 || in.Mode&(fs.ModeSticky|fs.ModeSetgid|fs.ModeSetuid) != 0 || in.MountRoot || (mnt != 0 && in.MntID != mnt) {
		qd.Close()
		return nil, fmt.Errorf("%q is not a quarantine folder of this agent (owner %d, mode %v)", name, in.UID, in.Mode)
	}
	return qd, nil
}

// quarantinePlace climbs from d to the nearest folder on d's mount that the
// public cannot change. Climbing by ".." of a handle follows the kernel's
// tree, not names; and the folder chosen is judged on its own handle, so a
// user who moves folders meanwhile can only make the climb end elsewhere,
// never at a place that fails the rule.
func (d *Dir) quarantinePlace(euid uint32) (place *Dir, persistent bool, err error) {
	cur, err := d.Reopen()
	if err != nil {
		return nil, false, err
	}
	for depth := 0; ; depth++ {
		if quarantinePlaceOK(cur.info, euid) {
			return cur, false, nil
		}
		up, err := unix.Openat(cur.fd, "..", openDirFlags, 0)
		if err != nil {
			cur.Close()
			return nil, false, fmt.Errorf("open the folder above %s: %w", cur.name, err)
		}
		parent := &Dir{fd: up, name: path.Dir(cur.name)}
		if parent.info, err = fstatFd(up); err != nil {
			parent.Close()
			cur.Close()
			return nil, false, err
		}
		top := sameObject(parent.info.Identity, cur.info.Identity) || cur.info.MountRoot ||
			(d.info.MntID != 0 && parent.info.MntID != d.info.MntID) || depth > 255
		if top {
			// No folder of this mount is closed to the public: keep one
			// quarantine at the top of the mount.
			parent.Close()
			return cur, true, nil
		}
		cur.Close()
		cur = parent
	}
}

// quarantinePlaceOK says whether no one but the agent's user can rename or
// remove an entry of the agent's user in a folder: it is closed to the
// public, or it is the agent's user's and sticky (/tmp), where others may
// add entries but not touch the agent's.
func quarantinePlaceOK(in Info, euid uint32) bool {
	return closedToPublic(in, euid) || (in.UID == euid && in.Mode&fs.ModeSticky != 0)
}

// recoverLeftovers moves into root what interrupted wipes of root left in
// its quarantines in d (the names starting with tag), and removes the fresh
// ones; a kept one (persistent) stays, and the first is returned for reuse.
func (d *Dir) recoverLeftovers(root *Dir, tag string, euid uint32, persistent bool) (moved int, reuse string, err error) {
	scan, err := d.Reopen()
	if err != nil {
		return 0, "", err
	}
	defer scan.Close()
	var names []string
	for {
		ents, err := scan.ReadEntries(256)
		for _, e := range ents {
			if (e.Name == tag || strings.HasPrefix(e.Name, tag+"-")) && (!e.TypeKnown || e.Type.IsDir()) {
				names = append(names, e.Name)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, "", err
		}
	}
	for _, name := range names {
		qd, err := d.openOwnQuarantine(name, euid, root.info.MntID)
		if err != nil {
			continue // not ours: a folder of that name made by someone else
		}
		n, err := qd.moveAllInto(root)
		qd.Close()
		moved += n
		if err != nil {
			return moved, "", err
		}
		if persistent {
			// Removing it would be an act by name where the public writes.
			if reuse == "" {
				reuse = name
			}
			continue
		}
		if err := unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR); err != nil && !errors.Is(err, unix.ENOENT) {
			return moved, "", &PathError{Op: "remove", Path: name, Err: err}
		}
	}
	return moved, reuse, nil
}

// moveAllInto moves every entry of the quarantine q into dst, under its own
// name or a free one.
func (q *Dir) moveAllInto(dst *Dir) (int, error) {
	if err := q.Rewind(); err != nil {
		return 0, err
	}
	var names []string
	for {
		ents, err := q.ReadEntries(256)
		for _, e := range ents {
			names = append(names, e.Name)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	for i, name := range names {
		if _, err := putBack(q, name, dst, name); err != nil {
			return i, err
		}
	}
	return len(names), nil
}

// Close removes a fresh quarantine (it is empty unless something could not
// be put back, and then it stays for the next wipe to recover) and
// releases the handles.
func (q *Quarantine) Close() error {
	if q == nil {
		return nil
	}
	var err error
	if q.dir != nil && !q.persistent {
		if e := unix.Unlinkat(q.place.fd, q.name, unix.AT_REMOVEDIR); e != nil && !errors.Is(e, unix.ENOENT) {
			err = &PathError{Op: "remove quarantine", Path: q.Where(), Err: e}
		}
	}
	q.dir.Close()
	q.place.Close()
	q.dir, q.place = nil, nil
	return err
}

// RemoveExpect removes the non-directory entry name of d if it is the
// object want, through the quarantine q: the entry is moved into q, its
// identity checked there, out of the public's reach, and only then
// unlinked. If another object had taken the name, it is put back and the
// error wraps ErrSwapped. Like Unlink, it never opens the entry.
func (d *Dir) RemoveExpect(q *Quarantine, name string, want Identity) error {
	return d.removeVia(q, name, want, false)
}

// RemoveDirExpect is RemoveExpect for an empty directory: one that is not
// empty once in the quarantine (someone added to it through a handle) is
// put back, and the error says it is not empty.
func (d *Dir) RemoveDirExpect(q *Quarantine, name string, want Identity) error {
	return d.removeVia(q, name, want, true)
}

func (d *Dir) removeVia(q *Quarantine, name string, want Identity, dir bool) error {
	op, race, flags := "unlink", RaceUnlink, 0
	if dir {
		op, race, flags = "remove", RaceRmdir, unix.AT_REMOVEDIR
	}
	if err := checkName(name); err != nil {
		return &PathError{Op: op, Path: name, Err: err}
	}
	if d.byNameSafe() {
		// Only the agent can change this folder's names (its owner's mode
		// is checked on the handle, and only that owner can change it), or
		// no one can (its key is gone, FrozenWithoutKey): the entry
		// checked is the entry the name still holds.
		pause(race)
		if err := unix.Unlinkat(d.fd, name, flags); err != nil {
			return &PathError{Op: op, Path: name, Err: err}
		}
		return nil
	}
	if q == nil || q.dir == nil {
		return &PathError{Op: op, Path: name, Err: ErrNoQuarantine}
	}
	pause(race)
	// The quarantine holds nothing else, so the entry keeps its name there.
	if err := unix.Renameat2(d.fd, name, q.dir.fd, name, unix.RENAME_NOREPLACE); err != nil {
		return &PathError{Op: op, Path: name, Err: err}
	}
	var sx unix.Statx_t
	if err := unix.Statx(q.dir.fd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, statxMask, &sx); err != nil {
		_, perr := putBack(q.dir, name, d, name)
		return &PathError{Op: op, Path: name, Err: errors.Join(err, perr)}
	}
	if got := fromStatx(&sx); !sameObject(got.Identity, want) {
		as, perr := putBack(q.dir, name, d, name)
		return &PathError{Op: op, Path: name, Err: &SwapError{PutBackAs: as, Err: perr}}
	}
	if err := unix.Unlinkat(q.dir.fd, name, flags); err != nil {
		// Not empty, immutable…: it is the session's but stays; back where
		// it was, for the next pass and the report.
		_, perr := putBack(q.dir, name, d, name)
		return &PathError{Op: op, Path: name, Err: errors.Join(err, perr)}
	}
	return nil
}

// putBack moves the entry name of q into dst as want, or, if that name has
// been taken meanwhile, under a free name beside it ("Guide (2).pdf"), and
// returns the name it got.
func putBack(q *Dir, name string, dst *Dir, want string) (string, error) {
	try := want
	for n := 2; ; n++ {
		err := unix.Renameat2(q.fd, name, dst.fd, try, unix.RENAME_NOREPLACE)
		if err == nil {
			return try, nil
		}
		if !errors.Is(err, unix.EEXIST) || n > 100 {
			return "", &PathError{Op: "put back", Path: want, Err: err}
		}
		try = numbered(want, n)
	}
}

// numbered returns "stem (n).ext", within the 255 bytes of a name.
func numbered(name string, n int) string {
	ext := path.Ext(name)
	if len(ext) > 32 || ext == name {
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	suffix := fmt.Sprintf(" (%d)", n)
	if max := 255 - len(suffix) - len(ext); len(stem) > max {
		stem = stem[:max]
	}
	return stem + suffix + ext
}
