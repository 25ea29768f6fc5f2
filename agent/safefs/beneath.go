package safefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
)

// The walks beneath an open folder (OpenBeneath, MkdirBeneath) and the
// rewrite of a judged file (ReplaceFile) are written once, here: they are
// where a swapped name would redirect the privileged agent, so every OS
// runs the same checks in the same order. Each OS file gives only the
// primitives they stand on, listed in dirAPI's comments and below:
//
//   - (*Dir).OpenDir: open a child folder without following a link;
//   - (*Dir).Stat: stat a child without following it;
//   - sameMount: whether two folders are on one mount (Linux: the mount
//     ID; Windows: the volume);
//   - checkAncestor: whether a folder on the way may lead to a root (Linux:
//     owner and mode bits; Windows: the owner's SID);
//   - (*Dir).makeChild: make or open a child folder, and give a new one
//     to its account, through its handle only;
//   - (*Dir).createFile, (*Dir).openJudged and (*fileHandle).forWrite:
//     make a new file, or open an existing one as itself, without following
//     a link; then write exactly the handle that was checked.

// dirAPI is the whole method set of Dir. Each OS's file checks at compile
// time that its Dir has every method (var _ dirAPI = (*Dir)(nil)), and
// TestDirAPIIsTheWholeMethodSet that nothing is missing here, so a method
// added for one OS cannot be forgotten on another.
type dirAPI interface {
	// Handles and what they were opened on.
	Name() string
	Fd() int
	Info() Info
	WatchPath() string
	Close() error
	Reopen() (*Dir, error)
	Restat() (Info, error)

	// The primitives: one name at a time, never following a link.
	Stat(name string) (Info, error)
	OpenDir(name string) (*Dir, error)
	OpenDirExpect(name string, want Identity) (*Dir, error)
	OpenParent(want Identity) (*Dir, error)
	Unlink(name string) error
	RemoveDir(name string) error
	Rename(oldName string, dir *Dir, newName string) error
	ReadFile(name string, max int64) ([]byte, error)
	Streams(name string) ([]string, error)
	RemoveStream(name, stream string) error

	// Listing.
	Rewind() error
	ReadEntries(n int) ([]Entry, error)
	Tell() int64
	SeekTo(off int64) error

	// The walks of this file.
	OpenBeneath(rel string, opts RootOptions) (*Dir, error)
	MkdirBeneath(rel string, uid, gid uint32, opts RootOptions) (*Dir, error)
	ReplaceFile(name string, want *Identity, data []byte, perm uint32, uid, gid uint32) error

	// Mounts and media.
	Mount() (Mount, error)
	MountPoints() (map[string]bool, error)
	Where() (string, error)
	Removed() bool

	// Deleting through a quarantine, and the wipe's lock.
	OpenQuarantine() (*Quarantine, int, error)
	RemoveExpect(q *Quarantine, name string, want Identity) error
	RemoveDirExpect(q *Quarantine, name string, want Identity) error
	LockForWipe() (bool, error)
	WipeLocked(name string, info Info) bool
	ClosedToPublic() bool
	IsQuarantine(name string, info Info) bool
	Unlock() error
	FrozenWithoutKey(sessionKey cryptoerase.ID) bool

	// A session's encrypted folder (package cryptoerase): made fresh,
	// swapped in, given to its account; File for the ioctls.
	MkdirFresh(name string) (*Dir, error)
	Exchange(a, b string) error
	SetOwner(uid, gid uint32, perm fs.FileMode) error
	File() (*os.File, error)
	FolderHandle() (FolderHandle, error)
	OpenFolderHandle(h FolderHandle, want Identity) (*Dir, error)

	// The primitives the walks of this file stand on.
	makeChild(name string, uid, gid uint32, parentMade bool) (next *Dir, made bool, err error)
	createFile(name string) (*fileHandle, error)
	openJudged(name string) (*fileHandle, Info, error)
}

var (
	// ErrOtherMount means a folder is on another mount than the one it was
	// reached from (a USB key, a network share, a bind mount; on Windows
	// another volume).
	ErrOtherMount = errors.New("is on another mount")
	// ErrNotRegular means a name is not a regular file where one is
	// expected (a FIFO, a device, a folder).
	ErrNotRegular = errors.New("is not a regular file")
	// ErrTooLarge means a file is larger than the caller accepts.
	ErrTooLarge = errors.New("is too large")
)

// beneath checks that rel is a clean relative path that stays beneath the
// folder it is taken from (no "..", no drive, no root) and returns its
// components. Both separators are accepted on Windows, "/" elsewhere.
func beneath(op, rel string) ([]string, error) {
	rel = filepath.FromSlash(rel)
	sep := string(filepath.Separator)
	if rel == "" || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" || filepath.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, ".."+sep) {
		return nil, &PathError{Op: op, Path: rel, Err: ErrNotAbsolute}
	}
	return strings.Split(rel, sep), nil
}

// OpenBeneath opens the directory at the relative path rel beneath d, one
// component at a time, never following a link, never going up ("..") and
// never crossing into another mount (sameMount). The folders on the way
// must satisfy the same ownership rule as in OpenRoot.
func (d *Dir) OpenBeneath(rel string, opts RootOptions) (*Dir, error) {
	comps, err := beneath("open", rel)
	if err != nil {
		return nil, err
	}
	if len(comps) == 1 && comps[0] == "." {
		return d.Reopen()
	}
	cur := d
	walked := d.name
	for _, comp := range comps {
		if err := checkAncestor(cur.info, opts); err != nil {
			if cur != d {
				cur.Close()
			}
			return nil, &PathError{Op: "open", Path: walked, Err: err}
		}
		walked = filepath.Join(walked, comp)
		next, err := cur.OpenDir(comp)
		if cur != d {
			cur.Close()
		}
		if err != nil {
			return nil, &PathError{Op: "open", Path: walked, Err: errors.Unwrap(err)}
		}
		if !sameMount(d.info, next.info) {
			next.Close()
			return nil, &PathError{Op: "open", Path: walked, Err: ErrOtherMount}
		}
		next.name = walked
		cur = next
	}
	return cur, nil
}

// MkdirBeneath makes sure the folder rel exists beneath d, creating the
// missing components one at a time, never following a link, and opens it.
// A folder it makes is given to uid:gid with mode 0700 where those mean
// something (not on Windows, where it inherits its ACL from the parent).
//
// A folder it makes is changed only through its own handle, never by name
// (RC1, docs/design.md): d is usually a home the account can write, and
// between the mkdir and any later call the account can replace the new
// name by a hard link to a file outside (the systemd-tmpfiles
// CVE-2017-18078 pattern), which a chown by name would give away. So
// makeChild checks, through the handle, that the folder it opened is the
// one just made before giving it away; if it is not, nothing is changed
// and the error wraps ErrChanged. Every folder on the way must then pass
// the ownership rule of OpenRoot.
func (d *Dir) MkdirBeneath(rel string, uid, gid uint32, opts RootOptions) (*Dir, error) {
	comps, err := beneath("mkdir", rel)
	if err != nil {
		return nil, err
	}
	cur := d
	madeCur := false // cur is a folder made just now
	for _, comp := range comps {
		next, made, err := cur.makeChild(comp, uid, gid, madeCur)
		if cur != d {
			cur.Close()
		}
		if err != nil {
			return nil, err
		}
		madeCur = made
		if err := checkAncestor(next.info, opts); err != nil {
			next.Close()
			return nil, &PathError{Op: "mkdir", Path: comp, Err: err}
		}
		cur = next
	}
	return cur, nil
}

// errMadeReplaced is what MkdirBeneath says when the name of a folder it
// just made leads to something else: someone who can write the parent is
// racing the agent.
var errMadeReplaced = fmt.Errorf("%w: the folder just made was replaced before it could be given to the account (someone who can write the folder above is racing the agent); what is there now was left untouched: check that folder and who can write it", ErrChanged)

// ReplaceFile sets the content of the regular file name of d to data,
// owned by uid:gid with mode perm (on Windows the file keeps, or inherits
// from the folder, its ACL and owner: perm, uid and gid mean nothing
// there).
//
// It changes nothing by name (RC1, docs/design.md): d is usually a folder
// the account can write, where any name can be swapped between two system
// calls. With want nil the file must not exist: it is created exclusively
// and without following a link, so what appears at the name meanwhile is
// never replaced. Otherwise the entry must be the object want (the one the
// caller judged: same device, inode and birth time), a regular file owned
// by uid with no other name; it is opened without following a link,
// checked through that handle, and rewritten in place through it. Nothing
// is ever unlinked or renamed, so a library file moved onto the name,
// before or during the call, is neither deleted nor written: the check
// fails, the error wraps ErrChanged (or ErrNotRegular) and the file is
// left as it is.
func (d *Dir) ReplaceFile(name string, want *Identity, data []byte, perm uint32, uid, gid uint32) error {
	if err := checkName(name); err != nil {
		return &PathError{Op: "replace", Path: name, Err: err}
	}
	if want == nil {
		f, err := d.createFile(name)
		if err != nil {
			return &PathError{Op: "replace", Path: name, Err: err}
		}
		defer f.close()
		pause(RaceReplace)
		if err := f.fill(data, perm, uid, gid); err != nil {
			return &PathError{Op: "replace", Path: name, Err: err}
		}
		return nil
	}
	f, in, err := d.openJudged(name)
	if err != nil {
		return &PathError{Op: "replace", Path: name, Err: err}
	}
	defer f.close()
	if err := checkJudged(in, *want, uid); err != nil {
		return &PathError{Op: "replace", Path: name, Err: err}
	}
	pause(RaceReplace)
	w, err := f.forWrite(in)
	if err != nil {
		return &PathError{Op: "replace", Path: name, Err: err}
	}
	if w != f {
		defer w.close()
	}
	if err := w.fill(data, perm, uid, gid); err != nil {
		return &PathError{Op: "replace", Path: name, Err: err}
	}
	return nil
}

// checkJudged says whether in is the file a caller judged (want) and may
// be rewritten for uid: a regular file (no reparse point) of uid's, and its
// only name, so that writing it changes no other file. The owner is
// compared by uid where uids name owners; on Windows (in.Owner is a SID)
// the file keeps its own owner and uid means nothing.
func checkJudged(in Info, want Identity, uid uint32) error {
	switch {
	case in.ReparseTag != 0 || !in.Mode.IsRegular():
		return fmt.Errorf("%w (it is now %v): it was replaced since it was checked; left untouched", ErrNotRegular, in.Mode.Type())
	case in.Dev != want.Dev || in.Ino != want.Ino || (want.Btime != 0 && in.Btime != 0 && in.Btime != want.Btime):
		return fmt.Errorf("%w: another file took this name since it was checked (someone who can write the folder is racing the agent); left untouched", ErrChanged)
	case in.Owner == "" && in.UID != uid:
		return fmt.Errorf("%w: the file now belongs to uid %d, not %d; left untouched", ErrChanged, in.UID, uid)
	case in.Nlink != 1:
		return fmt.Errorf("%w: the file has %d names (hard links), and rewriting it would change the others; left untouched: remove the other names", ErrChanged, in.Nlink)
	}
	return nil
}
