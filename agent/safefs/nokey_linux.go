package safefs

import "github.com/ardoise-fr/ardoise/agent/cryptoerase"

// A folder of a session's encrypted root whose key has been removed is
// frozen: the kernel refuses, for every user, root included, to create,
// link or rename anything in a folder whose key is absent, and to rename
// anything out of it (ENOKEY: it would have to encrypt or decrypt a name);
// and even while the key is there, nothing from outside can be linked or
// renamed into an encrypted folder (EXDEV; FIFOs, sockets and device nodes
// excepted, which the kernel never encrypts and lets in while the key is
// there, not once it is gone). So every name in such a folder can only
// disappear: what a name held when the wipe judged it is what it holds
// when it is unlinked, as in a folder closed to the public, and removing
// by name cannot be raced into deleting something else. (A hard link from
// inside to a folder outside is allowed: it adds a name outside, to a file
// no one can read, and changes none inside.) Moving the entry into a
// quarantine first is not even possible there: the rename needs the key.
// TestNoKeyNamesCanOnlyDisappear and TestRaceNoKeyWipe in package wipe
// check all of this on the real kernel.
//
// The state is read from the kernel, never from a name: the folder's own
// policy must name the session's key, and the file system must report
// that key absent. The key must be the session's, which only the agent
// ever held and has destroyed: an account may encrypt an empty folder of
// its own with a key it knows, remove that key, and add it again at will.

// FrozenWithoutKey reports whether d is encrypted with the key sessionKey
// and that key is absent from its file system: then its names cannot
// change any more, and the removal of an entry of d by name is safe
// (RemoveExpect and RemoveDirExpect then need no quarantine, and
// ClosedToPublic is true). A zero key, a folder without encryption or with
// another key, a key still present or incompletely removed (its busy
// folders can still be changed), or an error reading any of it, all give
// false. A true answer is kept on the handle: a key that is gone cannot be
// added back by anyone.
func (d *Dir) FrozenWithoutKey(sessionKey cryptoerase.ID) bool {
	if d.frozen {
		return true
	}
	if sessionKey.IsZero() {
		return false
	}
	f, err := d.File()
	if err != nil {
		return false
	}
	defer f.Close()
	id, err := cryptoerase.PolicyID(f)
	if err != nil || id != sessionKey {
		return false
	}
	st, err := cryptoerase.KeyStatus(f, id)
	d.frozen = err == nil && st == cryptoerase.Absent
	return d.frozen
}
