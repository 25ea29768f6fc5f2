package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows every open goes through NtCreateFile relative to an open
// directory handle (OBJECT_ATTRIBUTES.RootDirectory), one name at a time,
// with FILE_OPEN_REPARSE_POINT, so a junction or a symbolic link is opened
// as itself and never followed, and with OBJ_DONT_REPARSE, so that no
// reparse point is crossed on the way (the object manager's symbolic links
// of threats.md W2 included). A name swapped for a junction between two
// calls redirects nothing: the parent is the handle, not a path (W3).
// Deleting goes through the handle of what was opened and checked
// (FileDispositionInfoEx), never through a path, and never with
// MoveFileEx(MOVEFILE_DELAY_UNTIL_REBOOT), which stores a path (W8).

var _ dirAPI = (*Dir)(nil)

// Dir is an open directory handle. It stays valid when the directory is
// renamed or when its name is replaced by a junction.
type Dir struct {
	h    windows.Handle
	info Info
	name string // for messages only

	buf     []byte // directory records
	bufp    int    // next unread byte in buf; -1 when buf is empty
	restart bool   // the next read starts from the first entry
	off     int64  // records consumed, "." and ".." included
}

const (
	// Access for a directory that is listed and opened beneath. READ_CONTROL
	// reads the owner.
	dirAccess = windows.FILE_LIST_DIRECTORY | windows.FILE_TRAVERSE | windows.FILE_READ_ATTRIBUTES | windows.READ_CONTROL | windows.SYNCHRONIZE
	// Access for a stat: attribute and security reads, which no sharing
	// mode can deny, so a file held open by another program is still seen.
	statAccess = windows.FILE_READ_ATTRIBUTES | windows.READ_CONTROL | windows.SYNCHRONIZE
	// Access for a delete. FILE_WRITE_ATTRIBUTES lets the fallback clear
	// the read-only attribute where FileDispositionInfoEx is missing.
	deleteAccess = windows.DELETE | windows.FILE_READ_ATTRIBUTES | windows.FILE_WRITE_ATTRIBUTES | windows.SYNCHRONIZE

	shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE
	// FILE_OPEN_FOR_BACKUP_INTENT lets a service holding the backup and
	// restore privileges open an entry whose DACL denies it (W9).
	openOptions = windows.FILE_OPEN_REPARSE_POINT | windows.FILE_SYNCHRONOUS_IO_NONALERT | windows.FILE_OPEN_FOR_BACKUP_INTENT

	statusReparsePointEncountered = windows.NTStatus(0xC000050B)
	statusNotADirectory           = windows.NTStatus(0xC0000103)
	statusFileIsADirectory        = windows.NTStatus(0xC00000BA)

	// GetFinalPathNameByHandle flags.
	volumeNameDOS      = 0x0
	fileNameNormalized = 0x0

	// FileDispositionInfoEx flags.
	dispositionDelete                = 0x1
	dispositionPosixSemantics        = 0x2
	dispositionIgnoreReadonlyAttrbte = 0x10
)

// Owners trusted for the folders above a root, besides the caller's
// TrustedSIDs.
var builtinOwners = []string{
	"S-1-5-18",     // LocalSystem
	"S-1-5-32-544", // BUILTIN\Administrators
	"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", // NT SERVICE\TrustedInstaller
}

// ntOpen opens name relative to the directory root (or the NT path name
// when root is 0) without following any reparse point.
func ntOpen(root windows.Handle, name string, access, disposition, options uint32) (windows.Handle, error) {
	return ntOpenAttrs(root, name, windows.OBJ_DONT_REPARSE, access, disposition, options)
}

func ntOpenAttrs(root windows.Handle, name string, attrs, access, disposition, options uint32) (windows.Handle, error) {
	u16, err := syscall.UTF16FromString(name) // WTF-8: every name Windows can hold round-trips
	if err != nil {
		return 0, err
	}
	n := len(u16) - 1
	if n*2 > 0xFFFE {
		return 0, windows.ERROR_FILENAME_EXCED_RANGE
	}
	us := windows.NTUnicodeString{Length: uint16(n * 2), MaximumLength: uint16(n*2 + 2), Buffer: &u16[0]}
	oa := windows.OBJECT_ATTRIBUTES{RootDirectory: root, ObjectName: &us, Attributes: attrs}
	oa.Length = uint32(unsafe.Sizeof(oa))
	var h windows.Handle
	var iosb windows.IO_STATUS_BLOCK
	err = windows.NtCreateFile(&h, access, &oa, &iosb, nil, 0, shareAll, disposition, options|openOptions, 0, 0)
	return h, ntErr(err)
}

// ntErr turns an NTSTATUS into the error the callers test for: the link
// refusal into ErrSymlink, the rest into a Win32 error code, which
// errors.Is matches with fs.ErrNotExist and the like.
func ntErr(err error) error {
	st, ok := err.(windows.NTStatus)
	if !ok {
		return err
	}
	switch st {
	case statusReparsePointEncountered, windows.STATUS_STOPPED_ON_SYMLINK:
		return ErrSymlink
	case statusNotADirectory:
		return ErrNotDir
	}
	return st.Errno()
}

func closeHandle(h windows.Handle) { windows.CloseHandle(h) }

// OpenRoot opens the directory at the absolute path p (a drive letter path
// such as C:\Users\public\Downloads) one component at a time from the
// drive's root, never following a junction or link, and checks that every
// folder above it is owned by a built-in system account or a trusted SID.
// The last component may be owned by anyone; the caller decides.
func OpenRoot(p string, opts RootOptions) (*Dir, error) {
	vol := filepath.VolumeName(p)
	if len(vol) != 2 || vol[1] != ':' || filepath.Clean(p) != p || !filepath.IsAbs(p) {
		// Network shares, \\?\ and device paths are not roots.
		return nil, &PathError{Op: "open root", Path: p, Err: ErrNotAbsolute}
	}
	top := vol + `\`
	cur, err := openVolumeRoot(vol)
	if err != nil {
		return nil, &PathError{Op: "open root", Path: top, Err: err}
	}
	rest := strings.TrimPrefix(p[len(vol):], `\`)
	if rest == "" {
		return cur, nil
	}
	walked := top
	for _, comp := range strings.Split(rest, `\`) {
		if err := checkAncestor(cur.info, opts); err != nil {
			cur.Close()
			return nil, &PathError{Op: "open root", Path: cur.name, Err: err}
		}
		walked = filepath.Join(walked, comp)
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

// openVolumeRoot opens the root folder of the drive vol ("C:"). The drive
// letter is itself an object-manager link (\??\C: -> \Device\HarddiskVolumeN),
// which OBJ_DONT_REPARSE would refuse, so this one open follows it: drive
// letters are the administrators' (or, for a program run by a user, that
// user's own). The handle must then be the drive's root folder itself;
// every open below it refuses reparse points.
func openVolumeRoot(vol string) (*Dir, error) {
	h, err := ntOpenAttrs(0, `\??\`+vol+`\`, 0, dirAccess, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return nil, err
	}
	d := &Dir{h: h, name: vol + `\`, bufp: -1}
	if d.info, err = statHandle(h); err != nil {
		d.Close()
		return nil, err
	}
	if p, err := finalPath(h); err != nil || !strings.EqualFold(p, vol+`\`) || d.info.ReparseTag != 0 {
		d.Close()
		return nil, fmt.Errorf("%s\\ does not open the drive's root folder (it leads to %q): %w", vol, p, ErrSymlink)
	}
	return d, nil
}

// sameMount reports whether b is on the volume a is on (Info.Dev is the
// volume's serial number). Volume mount points are reparse points, which
// OpenDir never enters, so this is a second lock on the same door.
func sameMount(a, b Info) bool { return a.Dev == b.Dev }

// checkAncestor requires a trusted owner. Windows folders above a user's
// profile are protected by their ACLs rather than by a mode; the owner is
// who can change those ACLs.
func checkAncestor(info Info, opts RootOptions) error {
	if info.Owner == "" {
		return ErrUnsafeAncestor
	}
	for _, s := range builtinOwners {
		if info.Owner == s {
			return nil
		}
	}
	for _, s := range opts.TrustedSIDs {
		if strings.EqualFold(info.Owner, s) {
			return nil
		}
	}
	return ErrUnsafeAncestor
}

// Name returns the path the directory was opened with, for messages.
func (d *Dir) Name() string { return d.name }

// Fd returns the directory's handle. It stays owned by d.
func (d *Dir) Fd() int { return int(d.h) }

// Info returns what was known about the directory when it was opened.
func (d *Dir) Info() Info { return d.info }

// WatchPath returns the directory's current path, as Windows resolves the
// open handle. Windows has no name that stays bound to a handle, so a
// watch added on it would follow a junction swapped in meanwhile; the
// watcher therefore does not run on Windows yet (agent/watch), and the
// wipe's rescan, by handle, finds everything.
func (d *Dir) WatchPath() string {
	p, err := finalPath(d.h)
	if err != nil {
		return ""
	}
	return p
}

// Close releases the handle.
func (d *Dir) Close() error {
	if d == nil || d.h == 0 {
		return nil
	}
	err := windows.CloseHandle(d.h)
	d.h = 0
	return err
}

// Reopen returns a second handle on the same directory, with its own read
// position: an empty name relative to a handle opens that very object.
func (d *Dir) Reopen() (*Dir, error) {
	h, err := ntOpen(d.h, "", dirAccess, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return nil, &PathError{Op: "open", Path: d.name, Err: err}
	}
	nd := &Dir{h: h, name: d.name, bufp: -1}
	if nd.info, err = statHandle(h); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open", Path: d.name, Err: err}
	}
	return nd, nil
}

// Restat returns fresh information about the directory itself.
func (d *Dir) Restat() (Info, error) { return statHandle(d.h) }

// Stat returns information about the entry name in d, without following
// it if it is a link or a junction, and without opening its content (a
// cloud placeholder is not downloaded).
func (d *Dir) Stat(name string) (Info, error) {
	if err := checkName(name); err != nil {
		return Info{}, &PathError{Op: "stat", Path: name, Err: err}
	}
	h, err := ntOpen(d.h, name, statAccess, windows.FILE_OPEN, 0)
	if err != nil {
		return Info{}, &PathError{Op: "stat", Path: name, Err: err}
	}
	defer closeHandle(h)
	in, err := statHandle(h)
	if err != nil {
		return Info{}, &PathError{Op: "stat", Path: name, Err: err}
	}
	return in, nil
}

// OpenDir opens the child directory name of d. If name is a junction, a
// link, a mount point, a cloud placeholder folder or any other reparse
// point, it fails with ErrSymlink and keeps nothing open.
func (d *Dir) OpenDir(name string) (*Dir, error) {
	if err := checkName(name); err != nil {
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	h, err := ntOpen(d.h, name, dirAccess, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		if errors.Is(err, ErrNotDir) {
			if in, serr := d.Stat(name); serr == nil && in.ReparseTag != 0 {
				err = ErrSymlink
			}
		}
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	nd := &Dir{h: h, name: name, bufp: -1}
	if nd.info, err = statHandle(h); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open", Path: name, Err: err}
	}
	if nd.info.ReparseTag != 0 || nd.info.Mode&fs.ModeSymlink != 0 {
		nd.Close()
		return nil, &PathError{Op: "open", Path: name, Err: ErrSymlink}
	}
	return nd, nil
}

// OpenParent opens the folder holding d and checks that it is the object
// want. NT has no ".." relative to a handle: the parent is reached from
// the drive's root along the path Windows gives for d now, one name at a
// time with OBJ_DONT_REPARSE, so a junction planted anywhere on that path
// makes it fail, and the identity check catches a folder moved meanwhile.
func (d *Dir) OpenParent(want Identity) (*Dir, error) {
	p, err := finalPath(d.h)
	if err != nil {
		return nil, &PathError{Op: "open", Path: "..", Err: err}
	}
	parent := filepath.Dir(p)
	if parent == p {
		return nil, &PathError{Op: "open", Path: "..", Err: ErrChanged}
	}
	vol := filepath.VolumeName(parent)
	nd, err := openVolumeRoot(vol)
	if err != nil {
		return nil, &PathError{Op: "open", Path: "..", Err: err}
	}
	if rest := strings.Trim(parent[len(vol):], `\`); rest != "" {
		for _, comp := range strings.Split(rest, `\`) {
			next, err := nd.OpenDir(comp)
			nd.Close()
			if err != nil {
				return nil, &PathError{Op: "open", Path: "..", Err: err}
			}
			nd = next
		}
	}
	nd.name = ".."
	if nd.info.Dev != want.Dev || nd.info.Ino != want.Ino || nd.info.ReparseTag != 0 {
		nd.Close()
		return nil, &PathError{Op: "open", Path: "..", Err: ErrChanged}
	}
	return nd, nil
}

// Unlink removes the non-directory entry name from d: a file, or a link or
// junction itself (never what it points to). The entry is opened for
// deletion only, never for reading or writing, so nothing is written
// through a hard link and a cloud placeholder is not downloaded.
func (d *Dir) Unlink(name string) error { return d.unlinkHandle(name, nil) }

// unlinkHandle opens name, checks it is want when want is set, and deletes
// the handle: the object deleted is the one checked (R2).
func (d *Dir) unlinkHandle(name string, want *Identity) error {
	if err := checkName(name); err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	h, err := ntOpen(d.h, name, deleteAccess, windows.FILE_OPEN, 0)
	if err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	defer closeHandle(h)
	in, err := statHandle(h)
	if err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	if want != nil && !sameObject(in.Identity, *want) {
		return &PathError{Op: "unlink", Path: name, Err: &SwapError{PutBackAs: name}}
	}
	if in.IsDir() && in.ReparseTag == 0 {
		return &PathError{Op: "unlink", Path: name, Err: syscall.EISDIR}
	}
	pause(RaceUnlink)
	if err := deleteByHandle(h, in); err != nil {
		return &PathError{Op: "unlink", Path: name, Err: err}
	}
	return nil
}

// RemoveDir removes the empty directory name from d. A junction is not a
// directory here: Unlink removes it.
func (d *Dir) RemoveDir(name string) error { return d.removeDirHandle(name, nil) }

func (d *Dir) removeDirHandle(name string, want *Identity) error {
	if err := checkName(name); err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	h, err := ntOpen(d.h, name, deleteAccess, windows.FILE_OPEN, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	defer closeHandle(h)
	in, err := statHandle(h)
	if err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	if want != nil && !sameObject(in.Identity, *want) {
		return &PathError{Op: "remove", Path: name, Err: &SwapError{PutBackAs: name}}
	}
	if in.ReparseTag != 0 {
		return &PathError{Op: "remove", Path: name, Err: ErrNotDir}
	}
	pause(RaceRmdir)
	if err := deleteByHandle(h, in); err != nil {
		return &PathError{Op: "remove", Path: name, Err: err}
	}
	return nil
}

// deleteByHandle marks the open entry for deletion. POSIX semantics take
// the name away at once even if another program has the file open with
// FILE_SHARE_DELETE; the read-only attribute is ignored (W11). Where the
// Ex class is missing (before Windows 10 1709, and in Wine), the classic
// disposition is used after clearing the read-only attribute.
func deleteByHandle(h windows.Handle, in Info) error {
	flags := uint32(dispositionDelete | dispositionPosixSemantics | dispositionIgnoreReadonlyAttrbte)
	err := windows.SetFileInformationByHandle(h, windows.FileDispositionInfoEx, (*byte)(unsafe.Pointer(&flags)), 4)
	if err == nil {
		return nil
	}
	if !errors.Is(err, windows.ERROR_INVALID_PARAMETER) && !errors.Is(err, windows.ERROR_NOT_SUPPORTED) && !errors.Is(err, windows.ERROR_INVALID_FUNCTION) {
		return err
	}
	if in.Attributes&windows.FILE_ATTRIBUTE_READONLY != 0 {
		var bi fileBasicInfo
		if err := windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&bi)), uint32(unsafe.Sizeof(bi))); err != nil {
			return fmt.Errorf("read attributes: %w", err)
		}
		bi.FileAttributes &^= windows.FILE_ATTRIBUTE_READONLY
		if bi.FileAttributes == 0 {
			bi.FileAttributes = windows.FILE_ATTRIBUTE_NORMAL
		}
		bi.CreationTime, bi.LastAccessTime, bi.LastWriteTime, bi.ChangeTime = 0, 0, 0, 0 // 0: leave unchanged
		if err := windows.SetFileInformationByHandle(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&bi)), uint32(unsafe.Sizeof(bi))); err != nil {
			return fmt.Errorf("clear the read-only attribute: %w", err)
		}
	}
	del := uint32(1)
	return windows.SetFileInformationByHandle(h, windows.FileDispositionInfo, (*byte)(unsafe.Pointer(&del)), 1)
}

// Rename moves the entry oldName of d to newName in dir, failing instead
// of replacing an existing entry. The destination is named relative to
// dir's handle (FILE_RENAME_INFO.RootDirectory), never by path.
func (d *Dir) Rename(oldName string, dir *Dir, newName string) error {
	if err := checkName(oldName); err != nil {
		return &PathError{Op: "rename", Path: oldName, Err: err}
	}
	if err := checkName(newName); err != nil {
		return &PathError{Op: "rename", Path: newName, Err: err}
	}
	h, err := ntOpen(d.h, oldName, windows.DELETE|windows.SYNCHRONIZE, windows.FILE_OPEN, 0)
	if err != nil {
		return &PathError{Op: "rename", Path: oldName, Err: err}
	}
	defer closeHandle(h)
	if err := renameByHandle(h, dir.h, newName, false); err != nil {
		return &PathError{Op: "rename", Path: oldName, Err: err}
	}
	return nil
}

// renameByHandle gives the open entry h the name newName in the folder
// root. It calls NtSetInformationFile itself: the Win32 wrapper may turn a
// relative name into a path from the current folder.
func renameByHandle(h, root windows.Handle, newName string, replace bool) error {
	u16, err := syscall.UTF16FromString(newName)
	if err != nil {
		return err
	}
	n := len(u16) - 1
	// FILE_RENAME_INFORMATION: a flag padded to 8, the root handle, the
	// name's length in bytes, then the name.
	const nameOff = 8 + unsafe.Sizeof(windows.Handle(0)) + 4
	buf := make([]byte, nameOff+4+uintptr(n+1)*2)
	if replace {
		buf[0] = 1
	}
	*(*windows.Handle)(unsafe.Pointer(&buf[8])) = root
	*(*uint32)(unsafe.Pointer(&buf[8+unsafe.Sizeof(windows.Handle(0))])) = uint32(n * 2)
	copy(unsafe.Slice((*uint16)(unsafe.Pointer(&buf[nameOff])), n), u16[:n])
	var iosb windows.IO_STATUS_BLOCK
	return ntErr(windows.NtSetInformationFile(h, &iosb, &buf[0], uint32(len(buf)), windows.FileRenameInformation))
}

// Tell returns the read position after the last entry ReadEntries
// returned: how many records were consumed. SeekTo on a new handle of the
// same directory resumes from there.
func (d *Dir) Tell() int64 { return d.off }

// SeekTo sets the read position to one returned by Tell. Windows cannot
// seek in a directory: the listing starts again and skips that many
// records, which the walker only does when it climbs back past its budget
// of open handles.
func (d *Dir) SeekTo(off int64) error {
	if err := d.Rewind(); err != nil {
		return err
	}
	for d.off < off {
		if _, ok, err := d.nextRecord(); err != nil {
			return &PathError{Op: "seek", Path: d.name, Err: err}
		} else if !ok {
			break
		}
	}
	return nil
}

// makeChild is MkdirBeneath's step on Windows: FILE_OPEN_IF makes or
// opens the folder and returns its handle in one call, so nothing is done
// by name after it is made, and every check is on that handle. New
// folders inherit their ACL from the parent; uid, gid and parentMade mean
// nothing here, and made is always false (nothing is given away).
func (d *Dir) makeChild(comp string, uid, gid uint32, parentMade bool) (*Dir, bool, error) {
	if err := checkName(comp); err != nil {
		return nil, false, &PathError{Op: "mkdir", Path: comp, Err: err}
	}
	h, err := ntOpen(d.h, comp, dirAccess, windows.FILE_OPEN_IF, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return nil, false, &PathError{Op: "mkdir", Path: comp, Err: err}
	}
	next := &Dir{h: h, name: comp, bufp: -1}
	if next.info, err = statHandle(h); err != nil {
		next.Close()
		return nil, false, &PathError{Op: "mkdir", Path: comp, Err: err}
	}
	if next.info.ReparseTag != 0 {
		next.Close()
		return nil, false, &PathError{Op: "mkdir", Path: comp, Err: ErrSymlink}
	}
	return next, false, nil
}

// fileHandle is an open file ReplaceFile writes: a handle.
type fileHandle struct{ h windows.Handle }

func (f *fileHandle) close() { closeHandle(f.h) }

// replaceAccess writes the file and reads what checkJudged needs.
const replaceAccess = windows.GENERIC_WRITE | windows.FILE_READ_ATTRIBUTES | windows.READ_CONTROL | windows.SYNCHRONIZE

// createFile makes the file name, which must not exist: FILE_CREATE, so
// what appears at the name meanwhile is never replaced.
func (d *Dir) createFile(name string) (*fileHandle, error) {
	h, err := ntOpen(d.h, name, replaceAccess, windows.FILE_CREATE, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return nil, err
	}
	return &fileHandle{h: h}, nil
}

// openJudged opens the entry name as itself (a reparse point is opened,
// not followed) with the access to rewrite it, and stats that handle.
func (d *Dir) openJudged(name string) (*fileHandle, Info, error) {
	h, err := ntOpen(d.h, name, replaceAccess, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return nil, Info{}, err
	}
	in, err := statHandle(h)
	if err != nil {
		closeHandle(h)
		return nil, Info{}, err
	}
	return &fileHandle{h: h}, in, nil
}

// forWrite returns f: the handle that was checked was opened for writing.
func (f *fileHandle) forWrite(Info) (*fileHandle, error) { return f, nil }

// fill makes the file hold exactly data and flushes it. A new handle is at
// offset 0: SetEndOfFile there empties the file. perm, uid and gid mean
// nothing on Windows: the ACL, and so the owner's rights, are inherited
// from the folder when the file is made, and an existing file keeps its
// own.
func (f *fileHandle) fill(data []byte, perm, uid, gid uint32) error {
	err := windows.SetEndOfFile(f.h)
	if err == nil {
		err = writeAll(f.h, data)
	}
	if err == nil {
		err = windows.FlushFileBuffers(f.h)
	}
	return err
}

func writeAll(h windows.Handle, data []byte) error {
	for len(data) > 0 {
		chunk := data
		if len(chunk) > 1<<30 {
			chunk = chunk[:1<<30]
		}
		var n uint32
		if err := windows.WriteFile(h, chunk, &n, nil); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// Rewind makes the next ReadEntries start again from the first entry.
func (d *Dir) Rewind() error {
	d.bufp, d.off, d.restart = -1, 0, true
	return nil
}

// ReadEntries returns up to n entries of d (all remaining ones if n <= 0),
// without "." and "..". At the end of the directory it returns io.EOF.
// Memory use is bounded by n, whatever the size of the directory.
func (d *Dir) ReadEntries(n int) ([]Entry, error) {
	var out []Entry
	for n <= 0 || len(out) < n {
		rec, ok, err := d.nextRecord()
		if err != nil {
			return out, &PathError{Op: "read", Path: d.name, Err: err}
		}
		if !ok {
			if len(out) == 0 {
				return nil, io.EOF
			}
			return out, nil
		}
		if rec.name == "." || rec.name == ".." || rec.name == "" {
			continue
		}
		e := Entry{Name: rec.name, TypeKnown: true}
		switch {
		case rec.attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
			// A hint only: callers stat before acting.
			e.Type = fs.ModeSymlink
		case rec.attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
			e.Type = fs.ModeDir
		}
		out = append(out, e)
	}
	return out, nil
}

type dirRecord struct {
	name  string
	attrs uint32
}

// nextRecord returns the next record of the listing; ok is false at the
// end.
func (d *Dir) nextRecord() (dirRecord, bool, error) {
	if d.bufp < 0 {
		if d.buf == nil {
			d.buf = make([]byte, 64<<10)
		}
		class := uint32(windows.FileIdBothDirectoryInfo)
		if d.restart {
			class = windows.FileIdBothDirectoryRestartInfo
		}
		err := windows.GetFileInformationByHandleEx(d.h, class, &d.buf[0], uint32(len(d.buf)))
		if errors.Is(err, windows.ERROR_NO_MORE_FILES) {
			return dirRecord{}, false, nil
		}
		if err != nil {
			return dirRecord{}, false, err
		}
		d.restart = false
		d.bufp = 0
	}
	const nameOff = unsafe.Offsetof(fileIDBothDirInfo{}.FileName)
	if d.bufp+int(nameOff) > len(d.buf) {
		return dirRecord{}, false, errors.New("short directory record")
	}
	e := (*fileIDBothDirInfo)(unsafe.Pointer(&d.buf[d.bufp]))
	end := d.bufp + int(nameOff) + int(e.FileNameLength)
	if end > len(d.buf) || e.FileNameLength%2 != 0 {
		return dirRecord{}, false, errors.New("bad directory record length")
	}
	u16 := unsafe.Slice((*uint16)(unsafe.Pointer(&d.buf[d.bufp+int(nameOff)])), e.FileNameLength/2)
	rec := dirRecord{name: syscall.UTF16ToString(u16), attrs: e.FileAttributes}
	if e.NextEntryOffset == 0 {
		d.bufp = -1
	} else {
		d.bufp += int(e.NextEntryOffset)
	}
	d.off++
	return rec, true, nil
}

// checkName refuses anything that is not a single file name, so that a
// caller cannot be tricked into resolving a path. ':' is refused too: it
// would name an alternate data stream.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "\\/:\x00") {
		return errors.New("is not a single file name")
	}
	return nil
}

// FILE_ID_BOTH_DIR_INFO.
type fileIDBothDirInfo struct {
	NextEntryOffset uint32
	FileIndex       uint32
	CreationTime    int64
	LastAccessTime  int64
	LastWriteTime   int64
	ChangeTime      int64
	EndOfFile       int64
	AllocationSize  int64
	FileAttributes  uint32
	FileNameLength  uint32
	EaSize          uint32
	ShortNameLength int8
	ShortName       [12]uint16
	FileID          int64
	FileName        [1]uint16
}

// FILE_BASIC_INFO.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}

// FILE_ID_INFO.
type fileIDInfo struct {
	VolumeSerialNumber uint64
	FileID             [16]byte
}

// statHandle reads what the walker needs from an open handle: identity
// (volume serial and 128-bit file ID, folded to 64 bits), type, reparse
// tag, owner, links, size, change time.
func statHandle(h windows.Handle) (Info, error) {
	var bh windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &bh); err != nil {
		return Info{}, err
	}
	var bi fileBasicInfo
	if err := windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&bi)), uint32(unsafe.Sizeof(bi))); err != nil {
		return Info{}, err
	}
	var tag struct{ Attributes, ReparseTag uint32 }
	if err := windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo, (*byte)(unsafe.Pointer(&tag)), uint32(unsafe.Sizeof(tag))); err != nil {
		return Info{}, err
	}
	in := Info{
		Identity: Identity{
			Dev: uint64(bh.VolumeSerialNumber),
			Ino: uint64(bh.FileIndexHigh)<<32 | uint64(bh.FileIndexLow),
			// Not the creation time: anyone who may write a file's
			// attributes can set it (SetFileTime), which would make a
			// pre-existing file look new. NTFS and ReFS file IDs carry a
			// sequence number, so a reused ID is already another ID.
			Btime: 1,
		},
		Nlink:      uint64(bh.NumberOfLinks),
		Size:       int64(bh.FileSizeHigh)<<32 | int64(bh.FileSizeLow),
		Ctime:      filetimeNanos(bi.ChangeTime),
		Attributes: tag.Attributes,
		UID:        NobodyUID,
		GID:        NobodyUID,
	}
	if tag.Attributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		in.ReparseTag = tag.ReparseTag
	}
	// ReFS file IDs need 128 bits; NTFS's fit in the 64 above.
	var id fileIDInfo
	if windows.GetFileInformationByHandleEx(h, windows.FileIdInfo, (*byte)(unsafe.Pointer(&id)), uint32(unsafe.Sizeof(id))) == nil {
		in.Dev = id.VolumeSerialNumber
		lo := *(*uint64)(unsafe.Pointer(&id.FileID[0]))
		hi := *(*uint64)(unsafe.Pointer(&id.FileID[8]))
		in.Ino = lo ^ hi*0x9E3779B97F4A7C15
	}
	in.Mode = 0o666
	if tag.Attributes&windows.FILE_ATTRIBUTE_READONLY != 0 {
		in.Mode = 0o444
	}
	switch ClassifyReparse(in.ReparseTag) {
	case ReparseLink:
		in.Mode |= fs.ModeSymlink
	case ReparseCloud, ReparseOther:
		in.Mode |= fs.ModeIrregular
	default:
		if tag.Attributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
			in.Mode |= fs.ModeDir | 0o111
		}
	}
	// An owner that cannot be read is nobody's: no session's, no trusted
	// account's (fail closed).
	in.Owner = OwnerUnknown
	if sd, err := windows.GetSecurityInfo(h, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION); err == nil {
		if o, _, err := sd.Owner(); err == nil && o != nil {
			in.Owner = o.String()
			for _, s := range builtinOwners[:1] {
				if in.Owner == s {
					in.UID, in.GID = 0, 0
				}
			}
		}
	}
	return in, nil
}

// filetimeNanos turns a FILETIME count (100 ns since 1601) into
// nanoseconds since 1970; 0 stays 0.
func filetimeNanos(ft int64) int64 {
	if ft == 0 {
		return 0
	}
	return (ft - 116444736000000000) * 100
}

// finalPath returns the path Windows resolves for the open handle h, in
// the \\?\C:\… form turned into C:\….
func finalPath(h windows.Handle) (string, error) {
	buf := make([]uint16, 512)
	for {
		n, err := windows.GetFinalPathNameByHandle(h, &buf[0], uint32(len(buf)), volumeNameDOS|fileNameNormalized)
		if err != nil {
			return "", fmt.Errorf("find the folder's path: %w", err)
		}
		if int(n) < len(buf) {
			p := syscall.UTF16ToString(buf[:n])
			p = strings.TrimPrefix(p, `\\?\`)
			if strings.HasPrefix(p, `UNC\`) {
				return "", fmt.Errorf("the folder %s is on a network share", p)
			}
			return p, nil
		}
		buf = make([]uint16, n)
	}
}

// ReadFile reads the regular file name in d, at most max bytes, without
// following a link or a junction and without downloading a cloud
// placeholder.
func (d *Dir) ReadFile(name string, max int64) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	h, err := ntOpen(d.h, name, windows.GENERIC_READ|windows.SYNCHRONIZE, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: err}
	}
	defer closeHandle(h)
	in, err := statHandle(h)
	if err != nil {
		return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: err}
	}
	switch {
	case in.Mode&fs.ModeSymlink != 0:
		return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: ErrSymlink}
	case !in.Mode.IsRegular():
		return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: ErrNotRegular}
	case in.Size > max:
		return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: ErrTooLarge}
	}
	var data []byte
	chunk := make([]byte, 64<<10)
	for {
		var n uint32
		err := windows.ReadFile(h, chunk, &n, nil)
		if err != nil && !errors.Is(err, windows.ERROR_HANDLE_EOF) {
			return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: err}
		}
		if n == 0 {
			break
		}
		data = append(data, chunk[:n]...)
		if int64(len(data)) > max {
			return nil, &PathError{Op: "read", Path: filepath.Join(d.name, name), Err: ErrTooLarge}
		}
	}
	return data, nil
}

// Streams returns the names of the named data streams of the entry name
// in d, or of d itself when name is "." (Guide.pdf:notes, Desktop:cache;
// threats.md W10). The main stream is not listed. The entry is opened
// for its attributes only: nothing is read, no placeholder downloaded.
func (d *Dir) Streams(name string) ([]string, error) {
	h, done, err := d.openForStreams(name, statAccess)
	if err != nil {
		return nil, &PathError{Op: "list streams", Path: name, Err: err}
	}
	defer done()
	buf := make([]byte, 4<<10)
	for {
		err := windows.GetFileInformationByHandleEx(h, windows.FileStreamInfo, &buf[0], uint32(len(buf)))
		if err == nil {
			break
		}
		if errors.Is(err, windows.ERROR_HANDLE_EOF) {
			return nil, nil // no stream at all: a folder without named streams
		}
		if !errors.Is(err, windows.ERROR_MORE_DATA) || len(buf) >= 1<<20 {
			if errors.Is(err, windows.ERROR_INVALID_PARAMETER) || errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, windows.ERROR_INVALID_FUNCTION) {
				return nil, nil // a file system without streams (FAT)
			}
			return nil, &PathError{Op: "list streams", Path: name, Err: err}
		}
		buf = make([]byte, 2*len(buf))
	}
	// FILE_STREAM_INFO: next u32, name length u32, size i64, allocation
	// i64, then the name, ":name:$DATA" ("::$DATA" for the main stream).
	var out []string
	for off := 0; off+24 <= len(buf); {
		next := *(*uint32)(unsafe.Pointer(&buf[off]))
		nlen := int(*(*uint32)(unsafe.Pointer(&buf[off+4])))
		if nlen == 0 || off+24+nlen > len(buf) || nlen%2 != 0 {
			break
		}
		u16 := unsafe.Slice((*uint16)(unsafe.Pointer(&buf[off+24])), nlen/2)
		if s, ok := streamName(syscall.UTF16ToString(u16)); ok {
			out = append(out, s)
		}
		if next == 0 {
			break
		}
		off += int(next)
	}
	return out, nil
}

// RemoveStream deletes the named data stream stream of the entry name in
// d (or of d itself for "."), leaving the entry and its main stream: the
// stream is opened relative to the entry's handle (":stream"), never by a
// path, and deleted by handle.
func (d *Dir) RemoveStream(name, stream string) error {
	if stream == "" || strings.ContainsAny(stream, "\\/:\x00") {
		return &PathError{Op: "remove stream", Path: name, Err: errors.New("is not a stream name")}
	}
	h, done, err := d.openForStreams(name, statAccess)
	if err != nil {
		return &PathError{Op: "remove stream", Path: name, Err: err}
	}
	defer done()
	sh, err := ntOpen(h, ":"+stream, deleteAccess, windows.FILE_OPEN, windows.FILE_NON_DIRECTORY_FILE)
	if err != nil {
		return &PathError{Op: "remove stream", Path: name + ":" + stream, Err: err}
	}
	defer closeHandle(sh)
	in, err := statHandle(sh)
	if err != nil {
		return &PathError{Op: "remove stream", Path: name + ":" + stream, Err: err}
	}
	if err := deleteByHandle(sh, in); err != nil {
		return &PathError{Op: "remove stream", Path: name + ":" + stream, Err: err}
	}
	return nil
}

func (d *Dir) openForStreams(name string, access uint32) (windows.Handle, func(), error) {
	if name == "." {
		return d.h, func() {}, nil
	}
	if err := checkName(name); err != nil {
		return 0, nil, err
	}
	h, err := ntOpen(d.h, name, access, windows.FILE_OPEN, 0)
	if err != nil {
		return 0, nil, err
	}
	return h, func() { closeHandle(h) }, nil
}

// streamName turns ":name:$DATA" into "name"; the main stream ("::$DATA")
// and other stream types are not named data streams.
func streamName(s string) (string, bool) {
	if !strings.HasPrefix(s, ":") || !strings.HasSuffix(s, ":$DATA") || len(s) <= len("::$DATA") {
		return "", false
	}
	return s[1 : len(s)-len(":$DATA")], true
}
