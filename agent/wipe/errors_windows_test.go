package wipe

import (
	"fmt"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/windows"
)

// W8: a file held open by another program is reported as still in use
// (retried, then pending), not as an unknown error; the other reasons a
// delete fails on Windows get their plain words too.
func TestW8_WindowsReasons(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("wipe: %w", &safefs.PathError{Op: "unlink", Path: "cv.docx", Err: err})
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{windows.ERROR_SHARING_VIOLATION, "encore utilisé"},
		{windows.ERROR_LOCK_VIOLATION, "encore utilisé"},
		{windows.ERROR_USER_MAPPED_FILE, "encore utilisé"},
		{windows.ERROR_ACCESS_DENIED, "accès refusé"},
		{windows.ERROR_WRITE_PROTECT, "support en lecture seule"},
		{windows.ERROR_CRC, "erreur du disque"},
	} {
		if got := errReason(wrap(c.err)); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
	if !isNotEmpty(wrap(windows.ERROR_DIR_NOT_EMPTY)) || isNotEmpty(wrap(windows.ERROR_ACCESS_DENIED)) {
		t.Error("isNotEmpty")
	}
}
