package safefs

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/windows"
)

// Mount describes the volume d is on: ID and Dev are the volume serial
// number, Point the volume's root (C:\), Source the same as Point (what a
// policy's allow list names), FSType what Windows calls the file system
// (NTFS, ReFS, FAT32, exFAT).
func (d *Dir) Mount() (Mount, error) {
	p, err := finalPath(d.h)
	if err != nil {
		return Mount{}, err
	}
	u16, err := syscall.UTF16FromString(p)
	if err != nil {
		return Mount{}, err
	}
	vol := make([]uint16, windows.MAX_PATH+1)
	if err := windows.GetVolumePathName(&u16[0], &vol[0], uint32(len(vol))); err != nil {
		return Mount{}, fmt.Errorf("find the volume of %s: %w", p, err)
	}
	fsName := make([]uint16, windows.MAX_PATH+1)
	var serial uint32
	if err := windows.GetVolumeInformationByHandle(d.h, nil, 0, &serial, nil, nil, &fsName[0], uint32(len(fsName))); err != nil {
		return Mount{}, fmt.Errorf("read the volume of %s: %w", p, err)
	}
	point := syscall.UTF16ToString(vol)
	return Mount{ID: d.info.Dev, Dev: d.info.Dev, Point: point, Source: point, FSType: syscall.UTF16ToString(fsName), Root: `\`}, nil
}

// removableMedium reports whether Windows says the volume m is a
// removable, optical or network drive.
func removableMedium(m Mount) bool {
	u16, err := syscall.UTF16PtrFromString(m.Point)
	if err != nil {
		return true
	}
	switch windows.GetDriveType(u16) {
	case windows.DRIVE_REMOVABLE, windows.DRIVE_REMOTE, windows.DRIVE_CDROM, windows.DRIVE_UNKNOWN, windows.DRIVE_NO_ROOT_DIR:
		return true
	}
	return false
}

// Where returns the directory's current path.
func (d *Dir) Where() (string, error) {
	p, err := finalPath(d.h)
	if err != nil {
		return "", &PathError{Op: "locate", Path: d.name, Err: err}
	}
	return p, nil
}

// MountPoints returns no boundary on Windows: volume mount points and
// junctions are reparse points, which OpenDir refuses to enter, so a walk
// never reaches another volume.
func (d *Dir) MountPoints() (map[string]bool, error) { return map[string]bool{}, nil }
