//go:build !windows

package wipe

import (
	"errors"
	"path"
	"syscall"
)

func errIsDir() error { return syscall.EISDIR }

func isNotEmpty(err error) bool {
	return errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST)
}

func pathMatch(pattern, name string) (bool, error) { return path.Match(pattern, name) }

// errReason says in plain French why an entry could not be removed; it is
// shown to the staff and, kindly worded, to the person.
func errReason(err error) string {
	switch {
	case errors.Is(err, syscall.EBUSY), errors.Is(err, syscall.ETXTBSY):
		return "encore utilisé"
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return "accès refusé"
	case errors.Is(err, syscall.EROFS):
		return "support en lecture seule"
	case errors.Is(err, syscall.EIO):
		return "erreur du disque"
	}
	return err.Error()
}
