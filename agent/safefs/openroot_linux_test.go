package safefs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRootRefusesLinks(t *testing.T) {
	base := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(base, "home/Downloads/sub"), 0o755))
	must(t, os.MkdirAll(filepath.Join(base, "elsewhere"), 0o755))
	must(t, os.Symlink(filepath.Join(base, "elsewhere"), filepath.Join(base, "home/link")))
	must(t, os.Symlink("Downloads", filepath.Join(base, "home/rel")))

	d, err := OpenRoot(filepath.Join(base, "home/Downloads"), RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range []string{"home/link", "home/rel", "home/link/x"} {
		if _, err := OpenRoot(filepath.Join(base, p), RootOptions{}); !errors.Is(err, ErrSymlink) {
			t.Errorf("OpenRoot(%s) = %v, want ErrSymlink", p, err)
		}
	}
	if _, err := OpenRoot("relative/path", RootOptions{}); !errors.Is(err, ErrNotAbsolute) {
		t.Errorf("relative path: %v", err)
	}
	if _, err := d.OpenBeneath("../elsewhere", RootOptions{}); err == nil {
		t.Error("OpenBeneath climbed out with ..")
	}
	sub, err := d.OpenBeneath("sub", RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sub.Close()
}

func TestOpenRootRefusesUnsafeAncestors(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	must(t, os.MkdirAll(filepath.Join(open, "Downloads"), 0o755))
	must(t, os.Chmod(open, 0o777)) // writable by everyone, not sticky
	if _, err := OpenRoot(filepath.Join(open, "Downloads"), RootOptions{TrustedUIDs: []uint32{uint32(os.Getuid())}}); !errors.Is(err, ErrUnsafeAncestor) {
		t.Errorf("root under a world-writable folder: %v, want ErrUnsafeAncestor", err)
	}
	must(t, os.Chmod(open, 0o777|os.ModeSticky)) // sticky, like /tmp: acceptable
	d, err := OpenRoot(filepath.Join(open, "Downloads"), RootOptions{TrustedUIDs: []uint32{uint32(os.Getuid())}})
	if err != nil {
		t.Fatalf("root under a sticky folder refused: %v", err)
	}
	d.Close()
}

func TestDirOperationsNeverFollowLinks(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	must(t, os.MkdirAll(filepath.Join(root, "dir"), 0o755))
	must(t, os.MkdirAll(outside, 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "keep"), []byte("x"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(root, "link")))
	d, err := OpenRoot(root, RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.OpenDir("link"); !errors.Is(err, ErrSymlink) {
		t.Errorf("OpenDir(link) = %v, want ErrSymlink", err)
	}
	in, err := d.Stat("link")
	if err != nil || in.Mode&os.ModeSymlink == 0 {
		t.Errorf("Stat(link) followed the link: %v %v", in.Mode, err)
	}
	sub, err := d.OpenDir("dir")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenDirExpect("dir", Identity{Dev: sub.Info().Dev, Ino: sub.Info().Ino + 1}); !errors.Is(err, ErrChanged) {
		t.Errorf("OpenDirExpect with a wrong identity: %v, want ErrChanged", err)
	}
	parent, err := sub.OpenParent(d.Info().Identity)
	if err != nil {
		t.Fatalf("OpenParent: %v", err)
	}
	parent.Close()
	sub.Close()
	for _, bad := range []string{"", ".", "..", "a/b", "link/keep"} {
		if err := d.Unlink(bad); err == nil {
			t.Errorf("Unlink(%q) accepted a name that is not a single component", bad)
		}
	}
	must(t, d.Unlink("link"))
	if _, err := os.Stat(filepath.Join(outside, "keep")); err != nil {
		t.Errorf("the link's target was touched: %v", err)
	}
	entries, err := d.ReadEntries(0)
	if err != nil || len(entries) != 1 || entries[0].Name != "dir" || entries[0].Type != os.ModeDir {
		t.Errorf("ReadEntries = %+v, %v", entries, err)
	}
	if _, err := d.ReadEntries(0); err != io.EOF {
		t.Errorf("second ReadEntries = %v, want io.EOF", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
