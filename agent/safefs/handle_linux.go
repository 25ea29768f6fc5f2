package safefs

import (
	"golang.org/x/sys/unix"
)

// FolderHandle names a folder to the kernel without holding it open: an
// open descriptor inside an encrypted tree keeps its key in use, and a
// handle does not. OpenFolderHandle finds the folder again wherever it was
// moved on the same file system (a person who moves Téléchargements away
// during the session does not take it out of the wipe's reach).
type FolderHandle struct {
	h  unix.FileHandle
	ok bool // the zero FolderHandle names nothing (and its h cannot be asked)
}

// FolderHandle returns d's kernel file handle.
func (d *Dir) FolderHandle() (FolderHandle, error) {
	h, _, err := unix.NameToHandleAt(d.fd, "", unix.AT_EMPTY_PATH)
	if err != nil {
		return FolderHandle{}, &PathError{Op: "name_to_handle_at", Path: d.name, Err: err}
	}
	return FolderHandle{h: h, ok: true}, nil
}

// Bytes is the handle as the kernel gave it, for a journal: its type and
// its opaque bytes (no name; the inode and its generation, on ext4).
func (h FolderHandle) Bytes() (typ int32, b []byte) {
	if !h.ok {
		return 0, nil
	}
	return h.h.Type(), h.h.Bytes()
}

// FolderHandleOf is the handle Bytes gave, read back from a journal.
func FolderHandleOf(typ int32, b []byte) FolderHandle {
	if len(b) == 0 {
		return FolderHandle{}
	}
	return FolderHandle{h: unix.NewFileHandle(typ, b), ok: true}
}

// OpenFolderHandle opens the folder h names, on d's file system, and
// checks that it is the object want. Root only (CAP_DAC_READ_SEARCH).
func (d *Dir) OpenFolderHandle(h FolderHandle, want Identity) (*Dir, error) {
	if !h.ok || h.h.Size() == 0 {
		return nil, &PathError{Op: "open_by_handle_at", Path: d.name, Err: unix.EINVAL}
	}
	fd, err := unix.OpenByHandleAt(d.fd, h.h, openDirFlags)
	if err != nil {
		return nil, &PathError{Op: "open_by_handle_at", Path: d.name, Err: err}
	}
	nd := &Dir{fd: fd, name: d.name}
	if nd.info, err = fstatFd(fd); err != nil {
		nd.Close()
		return nil, &PathError{Op: "open_by_handle_at", Path: d.name, Err: err}
	}
	if !sameObject(nd.info.Identity, want) {
		nd.Close()
		return nil, &PathError{Op: "open_by_handle_at", Path: d.name, Err: ErrChanged}
	}
	return nd, nil
}
