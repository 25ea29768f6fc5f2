// Package cetest makes real encrypted file systems for the tests of the
// packages that work on a session's encrypted folders (the wiper, the
// agent): an ext4 image with the "encrypt" feature on a loop device, and a
// session key added to it. It is imported by tests only.
package cetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"golang.org/x/sys/unix"
)

// LoopFS is a real ext4 file system on a loop device, made for one test.
type LoopFS struct {
	Image, Dev, Mnt string
	mounted         bool
}

// NewLoopFS makes an ext4 image of sizeMB with the "encrypt" feature (and,
// for a benchmark of many small files, inodes enough for them) and mounts
// it. Root only: without root the kernel part cannot be tested, and the
// test says so and is skipped.
func NewLoopFS(t testing.TB, sizeMB int) *LoopFS { return newLoopFS(t, sizeMB, true) }

// NewPlainLoopFS is NewLoopFS without the "encrypt" feature: the file
// system of a computer where no folder can be encrypted.
func NewPlainLoopFS(t testing.TB, sizeMB int) *LoopFS { return newLoopFS(t, sizeMB, false) }

func newLoopFS(t testing.TB, sizeMB int, encrypt bool) *LoopFS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes and mounts a real ext4 file system on a loop device")
	}
	for _, p := range []string{"mkfs.ext4", "losetup", "mount", "umount"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s (e2fsprogs, util-linux, mount): %v", p, err)
		}
	}
	dir, err := os.MkdirTemp("", "ardoise-loopfs-")
	if err != nil {
		t.Fatal(err)
	}
	// Every account may reach the mount point, as /home on a kiosk.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fs := &LoopFS{Image: filepath.Join(dir, "fs.img"), Mnt: filepath.Join(dir, "mnt")}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f, err := os.Create(fs.Image)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(sizeMB) << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	args := []string{"-q", "-F", "-E", "nodiscard,lazy_itable_init=0", "-i", "4096"}
	if encrypt {
		args = append(args, "-O", "encrypt")
	}
	Run(t, "mkfs.ext4", append(args, fs.Image)...)
	fs.Dev = strings.TrimSpace(Run(t, "losetup", "--find", "--show", fs.Image))
	t.Cleanup(func() { fs.Detach(t) })
	if err := os.Mkdir(fs.Mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	Run(t, "mount", "-t", "ext4", fs.Dev, fs.Mnt)
	fs.mounted = true
	return fs
}

// Detach unmounts the file system and frees the loop device, so that the
// image can be read as a disk taken out of the computer would be. A
// program just ended (a service stopped) may hold the mount for a moment:
// it is tried again for 5 s.
func (fs *LoopFS) Detach(t testing.TB) {
	t.Helper()
	if fs.mounted {
		unix.Sync()
		var out []byte
		var err error
		for i := 0; i < 50; i++ {
			if out, err = exec.Command("umount", fs.Mnt).CombinedOutput(); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("umount %s: %v: %s (something still holds the file system)", fs.Mnt, err, out)
			exec.Command("umount", "-l", fs.Mnt).Run()
		}
		fs.mounted = false
	}
	if fs.Dev != "" {
		Run(t, "losetup", "-d", fs.Dev)
		fs.Dev = ""
	}
}

// Run runs a command and fails the test with its output if it fails.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Encrypt does what a session start does to the empty folder dir: a fresh
// key is added to the file system's keyring and its bytes destroyed, and
// dir gets the policy. It returns the key's identifier, which the test
// removes with cryptoerase.Remove at the session's end; the key is
// removed at cleanup too, if still there (unmounting would as well).
func Encrypt(t testing.TB, dir string) cryptoerase.ID {
	t.Helper()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	k, err := cryptoerase.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := cryptoerase.Add(d, k)
	k.Destroy()
	if err != nil {
		t.Fatal(err)
	}
	if err := cryptoerase.SetPolicy(d, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// RemoveKey does what a session end does: the key is removed for all
// users, and must be absent (nothing of the tree may be held open by then).
// The request goes through the mount point, outside the tree: a handle on
// an encrypted folder would itself keep the key in use.
func (fs *LoopFS) RemoveKey(t testing.TB, id cryptoerase.ID) {
	t.Helper()
	d, err := os.Open(fs.Mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := cryptoerase.Remove(d, id)
	if err == nil && st == cryptoerase.IncompletelyRemoved {
		st, err = cryptoerase.Remove(d, id)
	}
	if err != nil || st != cryptoerase.Absent {
		t.Fatalf("removing the session key: status %v, %v; want absent", st, err)
	}
}
