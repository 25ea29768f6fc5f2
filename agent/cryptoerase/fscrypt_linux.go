package cryptoerase

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// addKeyHeader is the size of struct fscrypt_add_key_arg, which the kernel
// expects to be followed by the raw key.
const addKeyHeader = int(unsafe.Sizeof(unix.FscryptAddKeyArg{}))

func ioctl(f *os.File, req uint, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno error
	if err := rc.Control(func(fd uintptr) {
		for {
			_, _, e := unix.Syscall(unix.SYS_IOCTL, fd, uintptr(req), uintptr(arg))
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				errno = e
			}
			return
		}
	}); err != nil {
		return err
	}
	return errno
}

// unsupported turns the errors of a file system without fscrypt into
// ErrUnsupported, with what an administrator can do.
func unsupported(err error) error {
	switch {
	case errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("%w: the file system does not have the \"encrypt\" feature (ext4: tune2fs -O encrypt on its device; it cannot be removed again, and GRUB older than 2.04 cannot boot from it)", ErrUnsupported)
	case errors.Is(err, unix.ENOTTY):
		return fmt.Errorf("%w: this kind of file system cannot encrypt folders (btrfs, tmpfs, network and FAT file systems cannot; ext4 with the \"encrypt\" feature can)", ErrUnsupported)
	}
	return nil
}

func identifierSpec(id ID) unix.FscryptKeySpecifier {
	spec := unix.FscryptKeySpecifier{Type: unix.FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER}
	copy(spec.U[:], id[:])
	return spec
}

// Probe reports whether the file system holding f can encrypt folders: nil,
// or an error wrapping ErrUnsupported that says why and what to do. It
// changes nothing.
func Probe(f *os.File) error {
	// Asking the status of a key that cannot exist is answered by a file
	// system with fscrypt enabled, and refused by any other one.
	_, err := KeyStatus(f, ID{})
	return err
}

// Add puts k in the keyring of the file system holding f and returns the
// identifier the kernel derived from it. Only root (or the adder) can
// remove it again; Remove does, for all users.
func Add(f *os.File, k *Key) (ID, error) {
	if k == nil || k.page == nil {
		return ID{}, errors.New("cryptoerase: the session key was already destroyed")
	}
	arg := (*unix.FscryptAddKeyArg)(unsafe.Pointer(&k.page[0]))
	*arg = unix.FscryptAddKeyArg{Key_spec: unix.FscryptKeySpecifier{Type: unix.FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER}, Raw_size: KeySize}
	err := ioctl(f, unix.FS_IOC_ADD_ENCRYPTION_KEY, unsafe.Pointer(arg))
	var id ID
	copy(id[:], arg.Key_spec.U[:len(id)])
	clear(k.page[:addKeyHeader])
	if err != nil {
		if u := unsupported(err); u != nil {
			return ID{}, u
		}
		return ID{}, fmt.Errorf("cryptoerase: adding the session key to the file system: %w", err)
	}
	return id, nil
}

// SetPolicy encrypts the empty folder dir with the key id (AES-256-XTS for
// contents, AES-256-CTS for names, names padded to 32 bytes): everything
// created beneath it from now on is encrypted with that key.
func SetPolicy(dir *os.File, id ID) error {
	pol := unix.FscryptPolicyV2{
		Version:                   unix.FSCRYPT_POLICY_V2,
		Contents_encryption_mode:  unix.FSCRYPT_MODE_AES_256_XTS,
		Filenames_encryption_mode: unix.FSCRYPT_MODE_AES_256_CTS,
		Flags:                     unix.FSCRYPT_POLICY_FLAGS_PAD_32,
		Master_key_identifier:     id,
	}
	err := ioctl(dir, unix.FS_IOC_SET_ENCRYPTION_POLICY, unsafe.Pointer(&pol))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.ENOTEMPTY):
		return fmt.Errorf("cryptoerase: encrypting %s: %w (only a new, empty folder can be encrypted)", dir.Name(), ErrNotEmpty)
	}
	if u := unsupported(err); u != nil {
		return u
	}
	return fmt.Errorf("cryptoerase: encrypting %s: %w", dir.Name(), err)
}

// PolicyID returns the identifier of the key a folder is encrypted with, so
// that an agent restarted after a crash can remove a key it no longer holds.
func PolicyID(dir *os.File) (ID, error) {
	arg := unix.FscryptGetPolicyExArg{Size: uint64(len(unix.FscryptGetPolicyExArg{}.Policy))}
	err := ioctl(dir, unix.FS_IOC_GET_ENCRYPTION_POLICY_EX, unsafe.Pointer(&arg))
	switch {
	case errors.Is(err, unix.ENODATA):
		return ID{}, ErrNotEncrypted
	case err != nil:
		if u := unsupported(err); u != nil {
			return ID{}, u
		}
		return ID{}, fmt.Errorf("cryptoerase: reading the encryption of %s: %w", dir.Name(), err)
	}
	if arg.Policy[0] != unix.FSCRYPT_POLICY_V2 {
		return ID{}, fmt.Errorf("cryptoerase: %s is encrypted with an fscrypt v%d policy, not one of Ardoise's", dir.Name(), arg.Policy[0]+1)
	}
	pol := (*unix.FscryptPolicyV2)(unsafe.Pointer(&arg.Policy[0]))
	return ID(pol.Master_key_identifier), nil
}

// KeyStatus says where the key id stands in the keyring of the file system
// holding f.
func KeyStatus(f *os.File, id ID) (Status, error) {
	arg := unix.FscryptGetKeyStatusArg{Key_spec: identifierSpec(id)}
	if err := ioctl(f, unix.FS_IOC_GET_ENCRYPTION_KEY_STATUS, unsafe.Pointer(&arg)); err != nil {
		if u := unsupported(err); u != nil {
			return 0, u
		}
		return 0, fmt.Errorf("cryptoerase: reading the status of key %s: %w", id, err)
	}
	switch arg.Status {
	case unix.FSCRYPT_KEY_STATUS_ABSENT:
		return Absent, nil
	case unix.FSCRYPT_KEY_STATUS_PRESENT:
		return Present, nil
	case unix.FSCRYPT_KEY_STATUS_INCOMPLETELY_REMOVED:
		return IncompletelyRemoved, nil
	}
	return Status(arg.Status), fmt.Errorf("cryptoerase: key %s has unknown status %d", id, arg.Status)
}

// Remove takes the key id out of the keyring of the file system holding f,
// for every user who added it, and returns its status afterwards. Absent
// means the documents are unreadable; IncompletelyRemoved means files
// unlocked with it are still open or are some program's current folder:
// end those programs and call Remove again (the kernel needs the second
// call even once they are gone).
func Remove(f *os.File, id ID) (Status, error) {
	arg := unix.FscryptRemoveKeyArg{Key_spec: identifierSpec(id)}
	err := ioctl(f, unix.FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS, unsafe.Pointer(&arg))
	if err != nil && !errors.Is(err, unix.ENOKEY) {
		if u := unsupported(err); u != nil {
			return 0, u
		}
		return 0, fmt.Errorf("cryptoerase: removing key %s: %w", id, err)
	}
	return KeyStatus(f, id)
}
