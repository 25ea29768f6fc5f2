package cryptoerase

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loopFS is a real ext4 file system on a loop device, made for one test.
type loopFS struct {
	image, dev, mnt string
	mounted         bool
}

// newLoopFS makes an ext4 image of sizeMB, with the "encrypt" feature when
// encrypt is set, and mounts it. Root only: without root the real kernel
// part cannot be tested, and the test says so.
func newLoopFS(t testing.TB, sizeMB int, encrypt bool) *loopFS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test makes and mounts a real ext4 file system on a loop device")
	}
	for _, p := range []string{"mkfs.ext4", "losetup", "mount", "umount"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("needs %s (e2fsprogs, util-linux, mount): %v", p, err)
		}
	}
	dir := t.TempDir()
	fs := &loopFS{image: filepath.Join(dir, "fs.img"), mnt: filepath.Join(dir, "mnt")}
	args := []string{"-q", "-F", "-E", "nodiscard,lazy_itable_init=0"}
	if encrypt {
		args = append(args, "-O", "encrypt")
	}
	f, err := os.Create(fs.image)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(sizeMB) << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	run(t, "mkfs.ext4", append(args, fs.image)...)
	fs.dev = strings.TrimSpace(run(t, "losetup", "--find", "--show", fs.image))
	t.Cleanup(func() { fs.detach(t) })
	if err := os.Mkdir(fs.mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "mount", "-t", "ext4", fs.dev, fs.mnt)
	fs.mounted = true
	return fs
}

// detach unmounts the file system and frees the loop device, so that the
// image can be read as a disk taken out of the computer would be.
func (fs *loopFS) detach(t testing.TB) {
	t.Helper()
	if fs.mounted {
		run(t, "umount", fs.mnt)
		fs.mounted = false
	}
	if fs.dev != "" {
		run(t, "losetup", "-d", fs.dev)
		fs.dev = ""
	}
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func openDir(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
