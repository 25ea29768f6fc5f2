package safefs

import (
	"errors"
	"fmt"
)

// Removing an entry by name in a folder the public can write is a race the
// public can win: between the check of what the name holds and the unlink,
// the name can be swapped (renameat2 RENAME_EXCHANGE) for a library file,
// which the unlink would delete (RC2 in docs/design.md). Linux has no unlink
// by descriptor, so on Linux the decision is taken where the public cannot
// reach: the entry is first moved into a quarantine folder that only the
// agent can enter, on the same mount, and its identity is checked there;
// only then is it removed, and anything else is put back. On Windows the
// entry is opened by name, its handle checked, and the handle deleted: the
// object removed is the one checked, whatever the name holds by then.

// ErrSwapped means the entry at a name was not the one that had been
// judged: someone replaced it between the check and the removal. Nothing
// was removed; on Linux what had been moved out was put back.
var ErrSwapped = errors.New("was replaced by another entry after it was checked (a swap during the wipe)")

// ErrNoQuarantine means a removal was asked without a quarantine where one
// is needed: the removal fails rather than act by name.
var ErrNoQuarantine = errors.New("no quarantine folder to remove it safely")

// SwapError is ErrSwapped with where the displaced entry was put back.
type SwapError struct {
	// PutBackAs is the name the entry that was found instead got back in
	// its folder: the original name, or a free one when the original was
	// taken meanwhile; empty if it could not be put back and stays in the
	// quarantine (then Err says why).
	PutBackAs string
	Err       error
}

func (e *SwapError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("%v; what was found instead could not be put back: %v", ErrSwapped, e.Err)
	case e.PutBackAs != "":
		return fmt.Sprintf("%v; what was found instead was put back as %q", ErrSwapped, e.PutBackAs)
	}
	return ErrSwapped.Error()
}

func (e *SwapError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrSwapped, e.Err}
	}
	return []error{ErrSwapped}
}

// sameObject reports whether two identities name the same object: same
// device and inode, and the same birth time where the file system keeps
// one (a reused inode number is another object).
func sameObject(a, b Identity) bool {
	return a.Dev == b.Dev && a.Ino == b.Ino && a.Btime == b.Btime
}
