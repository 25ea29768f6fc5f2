//go:build !windows

package userdirs

import "errors"

// accountSID: accounts are SIDs on Windows only.
func accountSID(string) (string, error) { return "", errors.ErrUnsupported }
