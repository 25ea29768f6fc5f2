package cryptoerase

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Key is a session's master key. Its bytes live in a page of their own that
// the kernel keeps out of swap and, with memfd_secret, out of its own direct
// map; they are never copied into the Go heap. Destroy wipes them.
type Key struct {
	page   []byte // the mapping: room for FS_IOC_ADD_ENCRYPTION_KEY's header, then the key
	secret bool   // memfd_secret (else an mlocked anonymous page)
}

// NewKey makes a fresh random key.
func NewKey() (*Key, error) {
	size := os.Getpagesize()
	k := &Key{}
	if fd, err := unix.MemfdSecret(0); err == nil {
		if err = unix.Ftruncate(fd, int64(size)); err == nil {
			k.page, err = unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		}
		unix.Close(fd)
		k.secret = err == nil
	}
	if k.page == nil {
		// memfd_secret is off on some kernels (secretmem.enable=0):
		// an anonymous page locked in memory keeps the key out of swap.
		p, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return nil, fmt.Errorf("cryptoerase: reserving memory for the session key: %w", err)
		}
		if err := unix.Mlock(p); err != nil {
			unix.Munmap(p)
			return nil, fmt.Errorf("cryptoerase: locking the session key in memory (raise the agent's memlock limit): %w", err)
		}
		_ = unix.Madvise(p, unix.MADV_DONTDUMP)
		k.page = p
	}
	if err := fillRandom(k.raw()); err != nil {
		k.Destroy()
		return nil, err
	}
	return k, nil
}

// raw is the key's bytes, placed right after room for the ioctl's header so
// that the kernel's argument (header followed by the key) is built in the
// protected page itself.
func (k *Key) raw() []byte { return k.page[addKeyHeader : addKeyHeader+KeySize] }

func fillRandom(b []byte) error {
	for len(b) > 0 {
		n, err := unix.Getrandom(b, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("cryptoerase: reading random bytes for the session key: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// Secret reports whether the key lives in memfd_secret memory (invisible
// even to the kernel's direct map) rather than in a locked page.
func (k *Key) Secret() bool { return k != nil && k.secret }

// Destroy wipes the key's bytes and releases their page. The key stays in
// any keyring it was added to: Remove takes it out of there.
func (k *Key) Destroy() {
	if k == nil || k.page == nil {
		return
	}
	clear(k.page)
	unix.Munmap(k.page)
	k.page = nil
}
