package safefs

// On Windows an entry is deleted through a handle opened on it, after that
// handle's identity is checked: the object deleted is the object checked,
// whatever its name leads to by then, so no quarantine folder is needed
// (R2). The type keeps the wipe's code the same on every system.
type Quarantine struct{}

// OpenQuarantine has nothing to make on Windows.
func (d *Dir) OpenQuarantine() (*Quarantine, int, error) { return &Quarantine{}, 0, nil }

// Close has nothing to remove on Windows.
func (q *Quarantine) Close() error { return nil }

// Where is empty on Windows.
func (q *Quarantine) Where() string { return "" }

// RemoveExpect deletes the non-directory entry name of d if the handle
// opened on it is the object want; otherwise nothing is deleted and the
// error wraps ErrSwapped.
func (d *Dir) RemoveExpect(q *Quarantine, name string, want Identity) error {
	return d.unlinkHandle(name, &want)
}

// RemoveDirExpect is RemoveExpect for an empty directory.
func (d *Dir) RemoveDirExpect(q *Quarantine, name string, want Identity) error {
	return d.removeDirHandle(name, &want)
}

// LockForWipe changes nothing on Windows, where deletion is by handle.
func (d *Dir) LockForWipe() (bool, error) { return false, nil }

// WipeLocked is false on Windows: no folder is ever locked there.
func (d *Dir) WipeLocked(name string, info Info) bool { return false }

// ClosedToPublic is true on Windows: deletion by handle needs no
// quarantine, whoever can change the folder.
func (d *Dir) ClosedToPublic() bool { return true }

// IsQuarantine is false on Windows, where there is none.
func (d *Dir) IsQuarantine(name string, info Info) bool { return false }

// Unlock has nothing to undo here.
func (d *Dir) Unlock() error { return nil }
