package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

var _ dirAPI = (*Dir)(nil)

// Dir is an open directory handle. It stays valid when the directory is
// renamed or when its name is replaced by a link: the handle keeps pointing at
// the directory that was opened.
type Dir struct {
	fd   int
	info Info
	name string // for messages only

	buf  []byte // getdents buffer
	bufp int    // next unread byte in buf
	bufn int    // bytes in buf
	off  int64  // directory offset after the last entry returned

	frozen bool // encrypted with a key now absent: see FrozenWithoutKey
}

const (
	openDirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NONBLOCK
	statxMask    = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_NLINK | unix.STATX_UID | unix.STATX_GID |
		unix.STATX_INO | unix.STATX_SIZE | unix.STATX_CTIME | unix.STATX_BTIME | unix.STATX_MNT_ID
)

// OpenRoot opens the directory at the absolute path p one component at a
// time from "/", never following a symbolic link, and checks that every
// folder above it is owned by root or a trusted user and is not writable by
// others unless sticky (the sshd StrictModes rule). The last component itself
// may be owned by anyone; the caller decides whether it is acceptable.
func OpenRoot(p string, opts RootOptions) (*Dir, error) {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return nil, &PathError{Op: "open root", Path: p, Err: ErrNotAbsolute}
	}
	fd, err := unix.Open("/", openDirFlags, 0)
	if err != nil {
		return nil, &PathError{Op: "open root", Path: "/", Err: err}
	}
	cur := &Dir{fd: fd, name: "/"}
	if cur.info, err = fstatFd(fd); err != nil {
		cur.Close()
		return nil, &PathError{Op: "open root", Path: "/", Err: err}
	}
	if p == "/" {
		return cur, nil
	}
	walked := ""
	for _, comp := range strings.Split(p[1:], "/") {
		if err := checkAncestor(cur.info, opts); err != nil {
			cur.Close()
			return nil, &PathError{Op: "open root", Path: cur.name, Err: err}
		}
		walked += "/" + comp
		next, err := cur.OpenDir(comp)
		cur.Close()
		if err != nil {
			return nil, &PathError{Op: "open root", Path: walked, Err: errors.Unwrap(err)}
		}
		next.name = walked
		cur = next
	}
	return cur, nil
}

// sameMount reports whether b is on the mount a is on: by the kernel's
// mount ID, which tells a bind mount of the same device apart and keeps a
// btrfs subvolume (another st_dev, the same mount) in. When the kernel
// does not say (before Linux 5.8), nothing is refused here; OpenRoot's
// callers check the medium (CheckMedium).
func sameMount(a, b Info) bool {
	return a.MntID == 0 || b.MntID == 0 || a.MntID == b.MntID
}

// checkAncestor is OpenRoot's rule for a folder above a root: owned by
// root or a trusted user, and not writable by others unless sticky.
func checkAncestor(info Info, opts RootOptions) error {
	if !opts.trusts(info.UID) {
		return ErrUnsafeAncestor
	}
	if info.Mode.Perm()&0o022 != 0 && info.Mode&fs.ModeSticky == 0 {
		return ErrUnsafeAncestor
	}
	return nil
}

// Name returns the path the directory was opened with, for messages. It may
// no longer lead to the directory.
func (d *Dir) Name() string { return d.name }

// Fd returns the directory's file descriptor. It stays owned by d.
func (d *Dir) Fd() int { return d.fd }

// Info returns what was known about the directory when it was opened.
func (d *Dir) Info() Info { return d.info }

// WatchPath returns a path that names this very directory for as long as d is
// open, whatever happens to its name: the /proc/self/fd magic link. Adding an
// inotify watch on it watches the directory that was opened, not whatever its
// name leads to now (threats.md P7, D7).
func (d *Dir) WatchPath() string { return "/proc/self/fd/" + strconv.Itoa(d.fd) }

// Close releases the handle.
func (d *Dir) Close() error {
	if d == nil || d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// Reopen returns a second handle on the same directory, with its own read
// position.
func (d *Dir) Reopen() (*Dir, error) {
	fd, err := unix.Openat(d.fd, ".", openDirFlags, 0)
	if err != nil {
		return nil, &PathError{Op: "open", Path: d.name, Err: err}
	}
	nd := &Dir{fd: fd, name: d.name}
	if nd.info, err = fstatFd(fd); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open", Path: d.name, Err: err}
	}
	return nd, nil
}

// Restat returns fresh information about the directory itself.
func (d *Dir) Restat() (Info, error) { return fstatFd(d.fd) }

// Stat returns information about the entry name in d, without following it
// if it is a link.
func (d *Dir) Stat(name string) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, &PathError{Op: "stat", Path: name, Err: err}
	}
	var sx unix.Statx_t
	if err := unix.Statx(d.fd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, statxMask, &sx); err != nil {
		return Info{}, &PathError{Op: "stat", Path: name, Err: err}
	}
	return fromStatx(&sx), nil
}

// OpenDir opens the child directory name of d without following a link. If
// name is, or has just become, a link or anything but a directory, it fails
// with an error wrapping ErrSymlink or ErrNotDir and opens nothing. The child
// is opened with O_NONBLOCK, so a FIFO swapped in cannot block it.
func (d *Dir) OpenDir(name string) (*Dir, error) {
	if err := checkName(name); err != nil {
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	fd, err := unix.Openat(d.fd, name, openDirFlags, 0)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, &PathError{Op: "open", Path: name, Err: ErrSymlink}
	case errors.Is(err, unix.ENOTDIR):
		// With O_DIRECTORY, Linux answers ENOTDIR for a symbolic link too.
		if in, serr := d.Stat(name); serr == nil && in.Mode&fs.ModeSymlink != 0 {
			return nil, &PathError{Op: "open", Path: name, Err: ErrSymlink}
		}
		return nil, &PathError{Op: "open", Path: name, Err: ErrNotDir}
	case err != nil:
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	nd := &Dir{fd: fd, name: name}
	if nd.info, err = fstatFd(fd); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	return nd, nil
}

// OpenParent opens ".." of d and checks that it is the object want. It is how
// a walker with a bounded number of open handles climbs back up a deep tree.
func (d *Dir) OpenParent(want Identity) (*Dir, error) {
	fd, err := unix.Openat(d.fd, "..", openDirFlags, 0)
	if err != nil {
		return nil, &PathError{Op: "open", Path: "..", Err: err}
	}
	nd := &Dir{fd: fd, name: ".."}
	if nd.info, err = fstatFd(fd); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open", Path: "..", Err: err}
	}
	if nd.info.Dev != want.Dev || nd.info.Ino != want.Ino {
		nd.Close()
		return nil, &PathError{Op: "open", Path: "..", Err: ErrChanged}
	}
	return nd, nil
}

// Unlink removes the non-directory entry name from d. It never opens the
// entry, so nothing is written through a hard link and nothing blocks on a
// FIFO or touches a device.
func (d *Dir) Unlink(name string) error {
	if err := checkName(name); err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	if err := unix.Unlinkat(d.fd, name, 0); err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	return nil
}

// RemoveDir removes the empty directory name from d.
func (d *Dir) RemoveDir(name string) error {
	if err := checkName(name); err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	if err := unix.Unlinkat(d.fd, name, unix.AT_REMOVEDIR); err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	return nil
}

// Rename moves the entry oldName of d to newName in dir, failing instead of
// replacing an existing entry.
func (d *Dir) Rename(oldName string, dir *Dir, newName string) error {
	if err := checkName(oldName); err != nil {
		return &PathError{Op: "rename", Path: oldName, Err: err}
	}
	if err := checkName(newName); err != nil {
		return &PathError{Op: "rename", Path: newName, Err: err}
	}
	if err := unix.Renameat2(d.fd, oldName, dir.fd, newName, unix.RENAME_NOREPLACE); err != nil {
		return &PathError{Op: "rename", Path: oldName, Err: err}
	}
	return nil
}

// Tell returns the read position after the last entry ReadEntries
// returned. SeekTo on a new handle of the same directory resumes from there.
func (d *Dir) Tell() int64 { return d.off }

// SeekTo sets the read position to one returned by Tell.
func (d *Dir) SeekTo(off int64) error {
	d.bufp, d.bufn = 0, 0
	if _, err := unix.Seek(d.fd, off, io.SeekStart); err != nil {
		return &PathError{Op: "seek", Path: d.name, Err: err}
	}
	d.off = off
	return nil
}

// makeChild is MkdirBeneath's step on Linux: mkdirat, then open the name
// without following a link and, if the folder is new, check through its
// descriptor that it is the one just made before giving it to uid:gid
// (giveMade). parentMade says d itself was made by the step before: its
// vanishing at once is the same race.
func (d *Dir) makeChild(comp string, uid, gid uint32, parentMade bool) (*Dir, bool, error) {
	before := coarseNow()
	err := unix.Mkdirat(d.fd, comp, 0o700)
	created := err == nil
	if err != nil && !errors.Is(err, unix.EEXIST) {
		if parentMade && errors.Is(err, unix.ENOENT) {
			// The folder made one step above was removed at once.
			err = fmt.Errorf("%w: %w", errMadeReplaced, err)
		}
		return nil, false, &PathError{Op: "mkdir", Path: comp, Err: err}
	}
	if created {
		pause(RaceMkdir)
	}
	next, err := d.OpenDir(comp)
	if err != nil {
		if created {
			err = &PathError{Op: "mkdir", Path: comp, Err: fmt.Errorf("%w: %w", errMadeReplaced, err)}
		}
		return nil, false, err
	}
	if created {
		if err := next.giveMade(before, uid, gid); err != nil {
			next.Close()
			return nil, false, &PathError{Op: "mkdir", Path: comp, Err: err}
		}
	}
	return next, created, nil
}

// giveMade checks that nd is the folder MkdirBeneath has just made, then
// gives it to uid:gid with mode 0700, through the descriptor. The folder
// is owned by the agent and mode 0700 until then, so nobody else could
// have put anything in it; a folder that is not fresh, not the agent's,
// not empty or born before the mkdirat is someone else's, and is left as
// it is.
func (nd *Dir) giveMade(before int64, uid, gid uint32) error {
	in := nd.info
	switch {
	case !in.IsDir(), in.UID != uint32(unix.Geteuid()), in.Mode.Perm()&^0o700 != 0,
		in.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0,
		// Btrfs says 1 for every folder; anything above 2 has subfolders.
		in.Nlink > 2,
		in.Btime != 0 && in.Btime < before-btimeSlack:
		return errMadeReplaced
	}
	probe, err := nd.Reopen()
	if err != nil {
		return err
	}
	ents, err := probe.ReadEntries(1)
	probe.Close()
	switch {
	case len(ents) > 0:
		return errMadeReplaced
	case errors.Is(err, unix.ENOENT):
		// Removed from its name since it was opened.
		return fmt.Errorf("%w: %w", errMadeReplaced, err)
	case err != nil && !errors.Is(err, io.EOF):
		return err
	}
	if err := unix.Fchown(nd.fd, int(uid), int(gid)); err != nil {
		return fmt.Errorf("give the new folder to uid %d: %w", uid, err)
	}
	// The umask may have narrowed the mode: set it exactly.
	if err := unix.Fchmod(nd.fd, 0o700); err != nil {
		return fmt.Errorf("set the new folder's mode: %w", err)
	}
	if nd.info, err = fstatFd(nd.fd); err != nil {
		return err
	}
	return nil
}

// btimeSlack covers file systems that store birth times coarsely (FAT's
// are in 2 s steps): an object born that little before the mkdirat was
// made by root an instant earlier, and is as fresh as ours.
const btimeSlack = 2e9

// coarseNow is the clock the kernel stamps new inodes with (the coarse
// real-time clock): a birth time earlier than coarseNow read before a
// mkdirat belongs to an older object.
func coarseNow() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME_COARSE, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// fileHandle is an open file ReplaceFile writes: a descriptor.
type fileHandle struct{ fd int }

func (f *fileHandle) close() { unix.Close(f.fd) }

// createFile makes the file name, which must not exist: O_EXCL and
// O_NOFOLLOW, so what appears at the name meanwhile is never replaced.
func (d *Dir) createFile(name string) (*fileHandle, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_NOCTTY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	return &fileHandle{fd: fd}, nil
}

// openJudged opens the entry name as itself, for checking: O_PATH opens
// nothing for reading or writing, so a FIFO or a device swapped in is not
// woken, and a link is opened as itself.
func (d *Dir) openJudged(name string) (*fileHandle, Info, error) {
	pfd, err := unix.Openat(d.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, Info{}, err
	}
	in, err := fstatFd(pfd)
	if err != nil {
		unix.Close(pfd)
		return nil, Info{}, err
	}
	return &fileHandle{fd: pfd}, in, nil
}

// forWrite reopens the O_PATH descriptor f for writing through its magic
// link, which names that very file whatever the name leads to by now, and
// checks that it is still the object in.
func (f *fileHandle) forWrite(in Info) (*fileHandle, error) {
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(f.fd), unix.O_WRONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reopen through /proc/self/fd (is /proc mounted?): %w", err)
	}
	if again, err := fstatFd(fd); err != nil || again.Dev != in.Dev || again.Ino != in.Ino {
		unix.Close(fd)
		return nil, ErrChanged
	}
	return &fileHandle{fd: fd}, nil
}

// fill makes the file hold exactly data, owned by uid:gid with mode perm.
func (f *fileHandle) fill(data []byte, perm, uid, gid uint32) error {
	return fillFd(f.fd, data, perm, uid, gid)
}

// fillFd makes the open file fd hold exactly data, owned by uid:gid with
// mode perm, and flushes it.
func fillFd(fd int, data []byte, perm, uid, gid uint32) error {
	if err := unix.Ftruncate(fd, 0); err != nil {
		return err
	}
	for off := 0; off < len(data); {
		n, err := unix.Pwrite(fd, data[off:], int64(off))
		if err != nil {
			return err
		}
		off += n
	}
	if err := unix.Fchown(fd, int(uid), int(gid)); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, perm&0o777); err != nil {
		return err
	}
	return unix.Fsync(fd)
}

// Rewind makes the next ReadEntries start again from the first entry.
func (d *Dir) Rewind() error {
	d.bufp, d.bufn, d.off = 0, 0, 0
	if _, err := unix.Seek(d.fd, 0, io.SeekStart); err != nil {
		return &PathError{Op: "rewind", Path: d.name, Err: err}
	}
	return nil
}

// ReadEntries returns up to n entries of d (all remaining ones if n <= 0),
// without "." and "..". At the end of the directory it returns io.EOF.
// Memory use is bounded by n, whatever the size of the directory.
func (d *Dir) ReadEntries(n int) ([]Entry, error) {
	if d.buf == nil {
		d.buf = make([]byte, 32<<10)
	}
	var out []Entry
	for n <= 0 || len(out) < n {
		if d.bufp >= d.bufn {
			m, err := unix.Getdents(d.fd, d.buf)
			if err != nil {
				return out, &PathError{Op: "read", Path: d.name, Err: err}
			}
			if m <= 0 {
				if len(out) == 0 {
					return nil, io.EOF
				}
				return out, nil
			}
			d.bufp, d.bufn = 0, m
		}
		// struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
		rec := d.buf[d.bufp:d.bufn]
		if len(rec) < 19 {
			return out, &PathError{Op: "read", Path: d.name, Err: errors.New("short directory record")}
		}
		reclen := int(*(*uint16)(unsafe.Pointer(&rec[16])))
		if reclen < 19 || reclen > len(rec) {
			return out, &PathError{Op: "read", Path: d.name, Err: errors.New("bad directory record length")}
		}
		typ := rec[18]
		d.off = *(*int64)(unsafe.Pointer(&rec[8]))
		nameBytes := rec[19:reclen]
		if i := indexByte(nameBytes, 0); i >= 0 {
			nameBytes = nameBytes[:i]
		}
		d.bufp += reclen
		name := string(nameBytes)
		if name == "." || name == ".." || name == "" {
			continue
		}
		e := Entry{Name: name, TypeKnown: typ != unix.DT_UNKNOWN}
		switch typ {
		case unix.DT_DIR:
			e.Type = fs.ModeDir
		case unix.DT_LNK:
			e.Type = fs.ModeSymlink
		case unix.DT_FIFO:
			e.Type = fs.ModeNamedPipe
		case unix.DT_SOCK:
			e.Type = fs.ModeSocket
		case unix.DT_CHR:
			e.Type = fs.ModeDevice | fs.ModeCharDevice
		case unix.DT_BLK:
			e.Type = fs.ModeDevice
		}
		out = append(out, e)
	}
	return out, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// checkName refuses anything that is not a single path component, so that a
// caller cannot be tricked into resolving a path.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.IndexByte(name, '/') >= 0 || strings.IndexByte(name, 0) >= 0 {
		return errors.New("is not a single file name")
	}
	return nil
}

func fstatFd(fd int) (Info, error) {
	var sx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, statxMask, &sx); err != nil {
		return Info{}, err
	}
	return fromStatx(&sx), nil
}

func fromStatx(sx *unix.Statx_t) Info {
	in := Info{
		Identity: Identity{
			Dev: unix.Mkdev(sx.Dev_major, sx.Dev_minor),
			Ino: sx.Ino,
		},
		UID:   sx.Uid,
		GID:   sx.Gid,
		Nlink: uint64(sx.Nlink),
		Size:  int64(sx.Size),
		Ctime: sx.Ctime.Sec*1e9 + int64(sx.Ctime.Nsec),
		Mode:  modeFromUnix(uint32(sx.Mode)),
	}
	if sx.Mask&unix.STATX_BTIME != 0 {
		in.Btime = sx.Btime.Sec*1e9 + int64(sx.Btime.Nsec)
	}
	if sx.Mask&unix.STATX_MNT_ID != 0 {
		in.MntID = sx.Mnt_id
	}
	if sx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 && sx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		in.MountRoot = true
	}
	return in
}

func modeFromUnix(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// ReadFile reads the regular file name in d, at most max bytes, without
// following a link and without blocking on a FIFO: a file in a folder the
// user can write to is read as the user left it, never as what it points
// to.
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		if err == unix.ELOOP {
			err = ErrSymlink
		}
		return nil, &PathError{Op: "read", Path: d.name + "/" + name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &PathError{Op: "read", Path: d.name + "/" + name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, &PathError{Op: "read", Path: d.name + "/" + name, Err: ErrNotRegular}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &PathError{Op: "read", Path: d.name + "/" + name, Err: err}
	}
	if int64(len(data)) > max {
		return nil, &PathError{Op: "read", Path: d.name + "/" + name, Err: ErrTooLarge}
	}
	return data, nil
}

// MkdirFresh makes the folder name in d (mode 0700, owned by the agent)
// and opens it, checking that what the name holds is the folder just made:
// owned by the agent, 0700, empty, born after the mkdirat. It fails if name
// exists. d is usually a home the account can write, and between mkdirat
// and open the account could put another folder at the name (RC1); then
// the error wraps ErrChanged and nothing is changed.
func (d *Dir) MkdirFresh(name string) (*Dir, error) {
	if err := checkName(name); err != nil {
		return nil, &PathError{Op: "mkdir", Path: name, Err: err}
	}
	before := coarseNow()
	if err := unix.Mkdirat(d.fd, name, 0o700); err != nil {
		return nil, &PathError{Op: "mkdir", Path: name, Err: err}
	}
	pause(RaceMkdir)
	nd, err := d.OpenDir(name)
	if err != nil {
		return nil, err
	}
	in := nd.info
	fresh := in.IsDir() && in.UID == uint32(unix.Geteuid()) && in.Mode.Perm()&^0o700 == 0 &&
		in.Mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == 0 && in.Nlink <= 2 &&
		(in.Btime == 0 || in.Btime >= before-btimeSlack)
	if fresh {
		ents, rerr := nd.ReadEntries(1)
		fresh = len(ents) == 0 && (rerr == nil || errors.Is(rerr, io.EOF))
		nd.Rewind()
	}
	if !fresh {
		nd.Close()
		return nil, &PathError{Op: "mkdir", Path: name, Err: errMadeReplaced}
	}
	nd.name = path.Join(d.name, name)
	return nd, nil
}

// Exchange swaps the entries a and b of d atomically (renameat2 with
// RENAME_EXCHANGE): at every instant each name holds one of the two.
func (d *Dir) Exchange(a, b string) error {
	if err := checkName(a); err != nil {
		return &PathError{Op: "exchange", Path: a, Err: err}
	}
	if err := checkName(b); err != nil {
		return &PathError{Op: "exchange", Path: b, Err: err}
	}
	if err := unix.Renameat2(d.fd, a, d.fd, b, unix.RENAME_EXCHANGE); err != nil {
		return &PathError{Op: "exchange", Path: a, Err: err}
	}
	return nil
}

// SetOwner gives the directory d itself to uid:gid with the permission
// bits perm, through its handle (never by name).
func (d *Dir) SetOwner(uid, gid uint32, perm fs.FileMode) error {
	if err := unix.Fchown(d.fd, int(uid), int(gid)); err != nil {
		return &PathError{Op: "chown", Path: d.name, Err: err}
	}
	if err := unix.Fchmod(d.fd, uint32(perm.Perm())); err != nil {
		return &PathError{Op: "chmod", Path: d.name, Err: err}
	}
	var err error
	d.info, err = fstatFd(d.fd)
	return err
}

// File returns a new *os.File on the same directory, for the ioctls of
// other packages; the caller closes it, and d stays open.
func (d *Dir) File() (*os.File, error) {
	fd, err := unix.FcntlInt(uintptr(d.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, &PathError{Op: "dup", Path: d.name, Err: err}
	}
	return os.NewFile(uintptr(fd), d.name), nil
}
