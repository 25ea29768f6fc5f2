package wipe

import (
	"errors"
	"path"
	"syscall"

	"golang.org/x/sys/windows"
)

// safefs on Windows refuses to unlink a folder with the same EISDIR the
// rest of the package expects.
func errIsDir() error { return syscall.EISDIR }

func isNotEmpty(err error) bool {
	return errors.Is(err, windows.ERROR_DIR_NOT_EMPTY) || errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS)
}

func pathMatch(pattern, name string) (bool, error) { return path.Match(pattern, name) }

// errReason says in plain French why an entry could not be removed. On
// Windows a file another program holds open without FILE_SHARE_DELETE
// (Word with cv.docx, threats.md W8) fails with a sharing violation: it is
// "still in use", retried, then kept on the pending list for the next
// start, never left to MoveFileEx at reboot.
func errReason(err error) string {
	switch {
	case errors.Is(err, windows.ERROR_SHARING_VIOLATION), errors.Is(err, windows.ERROR_LOCK_VIOLATION),
		errors.Is(err, windows.ERROR_USER_MAPPED_FILE), errors.Is(err, windows.ERROR_BUSY):
		return "encore utilisé"
	case errors.Is(err, windows.ERROR_ACCESS_DENIED), errors.Is(err, windows.ERROR_PRIVILEGE_NOT_HELD):
		return "accès refusé"
	case errors.Is(err, windows.ERROR_WRITE_PROTECT):
		return "support en lecture seule"
	case errors.Is(err, windows.ERROR_CRC), errors.Is(err, windows.ERROR_IO_DEVICE), errors.Is(err, windows.ERROR_FILE_CORRUPT):
		return "erreur du disque"
	}
	return err.Error()
}
