//go:build !windows

package safefs

import (
	"errors"
	"fmt"
)

// Streams returns no stream: alternate data streams are a Windows (NTFS)
// feature; Linux and macOS keep extended attributes instead, which only
// their owner or root can write and which go with the file when it is
// deleted.
func (d *Dir) Streams(name string) ([]string, error) { return nil, nil }

// RemoveStream fails: there are no streams here (see Streams).
func (d *Dir) RemoveStream(name, stream string) error {
	return &PathError{Op: "remove stream", Path: name, Err: fmt.Errorf("alternate data streams exist on Windows only: %w", errors.ErrUnsupported)}
}
