// Package cryptoerase makes a session's documents unreadable for ever by
// encrypting the folders they land in with a key made for that session only,
// held in memory that never reaches swap, and destroyed at the session's end.
//
// Deleting a file does not destroy its blocks on an SSD: no per-file wipe can
// promise that a document is unrecoverable. Once the key is gone from the
// kernel, every block written under it is noise wherever the disk keeps it,
// and the ciphertext tree is then deleted with the ordinary wiper.
//
// On Linux this is fscrypt v2 (ext4 with the "encrypt" feature), driven with
// the kernel's ioctls from pure Go. Elsewhere every call reports
// ErrUnsupported: Windows and macOS offer no per-folder, per-session key of
// their own (EFS keys of a kiosk account can be recovered offline;
// BitLocker and FileVault are per volume), and Ardoise does not pretend.
//
// The package knows nothing of sessions or policies: it adds, applies and
// removes keys, and says whether a file system can hold them. What is
// journaled, when, and what is reported belongs to the agent.
package cryptoerase

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the size of a session key in bytes (the kernel's maximum, as
// AES-256-XTS needs).
const KeySize = 64

// ErrUnsupported is wrapped by the errors of a file system or a system that
// cannot encrypt a folder; the error's text says which and what to do.
var ErrUnsupported = errors.New("per-session encryption is not available here")

// ErrNotEncrypted is returned by PolicyID for a folder without a policy.
var ErrNotEncrypted = errors.New("folder is not encrypted")

// ErrNotEmpty is wrapped by SetPolicy on a folder that already holds
// entries: a policy can only be set on an empty folder.
var ErrNotEmpty = errors.New("folder is not empty")

// ID identifies a key in a file system's keyring. It is derived from the key
// by the kernel and reveals nothing of it: it may be journaled.
type ID [16]byte

// String is the identifier in hexadecimal, as journaled.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports the zero identifier (no key).
func (id ID) IsZero() bool { return id == ID{} }

// ParseID reads an identifier written by String.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(id) {
		return ID{}, fmt.Errorf("key identifier %q: want %d hexadecimal bytes", s, len(id))
	}
	copy(id[:], b)
	return id, nil
}

// Status is where a key stands in a file system's keyring.
type Status int

const (
	// Absent: the key is not in the keyring; files encrypted with it
	// cannot be read.
	Absent Status = iota + 1
	// Present: the key is in the keyring.
	Present
	// IncompletelyRemoved: removal was asked but files unlocked with the
	// key are still in use; they stay readable until their programs end
	// and removal is asked again.
	IncompletelyRemoved
)

func (s Status) String() string {
	switch s {
	case Absent:
		return "absent"
	case Present:
		return "present"
	case IncompletelyRemoved:
		return "incompletely_removed"
	}
	return fmt.Sprintf("status(%d)", int(s))
}
