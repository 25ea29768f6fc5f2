package safefs

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// fileStandardInfo is FILE_STANDARD_INFO.
type fileStandardInfo struct {
	AllocationSize int64
	EndOfFile      int64
	NumberOfLinks  uint32
	DeletePending  bool
	Directory      bool
}

// Removed reports whether the directory d holds was deleted since it was
// opened (its deletion is pending until the last handle closes, or done
// with POSIX semantics), read on the handle, never by name (threats.md
// R11). Windows deletes only an empty directory and creates nothing in one
// being deleted, so it holds nothing of the session's.
func (d *Dir) Removed() bool {
	var si fileStandardInfo
	if err := windows.GetFileInformationByHandleEx(d.h, windows.FileStandardInfo, (*byte)(unsafe.Pointer(&si)), uint32(unsafe.Sizeof(si))); err != nil {
		return false
	}
	return si.Directory && si.DeletePending
}
