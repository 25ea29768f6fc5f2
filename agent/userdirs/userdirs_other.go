//go:build !linux && !windows && !darwin

package userdirs

import (
	"errors"
	"fmt"
	"os/user"
	"runtime"
)

func accountFromOS(u *user.User) (User, error) { return numericAccount(u) }

var errUnsupported = fmt.Errorf("user folders on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func tempLocation(User) (base, anchor, rel string, err error) {
	return "", "", "", errUnsupported
}

func userFolder(User, Source, string) (hint, error) { return hint{}, errUnsupported }
