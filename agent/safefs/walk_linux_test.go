package safefs

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// makeDeep creates depth nested directories named "d" under root, with a
// file in each, using handles so that no path gets too long.
func makeDeep(t *testing.T, root string, depth int) {
	t.Helper()
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < depth; i++ {
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := unix.Openat(fd, "f", unix.O_CREAT|unix.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(f)
		nfd, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(fd)
		fd = nfd
	}
	unix.Close(fd)
}

func TestWalkDeepTreeWithFewHandles(t *testing.T) {
	root := t.TempDir()
	const depth = 3000
	makeDeep(t, root, depth)
	d, err := OpenRoot(root, RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var files, dirs, left, maxOpen int
	w := &Walker{
		MaxOpen: 4,
		Visit: func(e *WalkEntry) (Action, error) {
			if e.Info.IsDir() {
				dirs++
				return Descend, nil
			}
			files++
			return Skip, e.Parent.Unlink(e.Name)
		},
		Leave: func(e *WalkEntry) error {
			left++
			return e.Parent.RemoveDir(e.Name)
		},
		OnOpen: func(n int) { maxOpen = max(maxOpen, n) },
	}
	if err := w.Walk(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if files != depth || dirs != depth || left != depth {
		t.Errorf("visited %d files, %d dirs, left %d; want %d each", files, dirs, left, depth)
	}
	if maxOpen > 5 {
		t.Errorf("held up to %d handles with MaxOpen 4", maxOpen)
	}
	es, _ := os.ReadDir(root)
	if len(es) != 0 {
		t.Errorf("tree not removed: %v", es)
	}
}

func TestWalkNamesRelativePaths(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "a/b"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "a/b/c.txt"), nil, 0o644))
	must(t, os.Symlink("/etc", filepath.Join(root, "a/l")))
	d, err := OpenRoot(root, RootOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var seen []string
	w := &Walker{Visit: func(e *WalkEntry) (Action, error) {
		seen = append(seen, e.Rel())
		if e.Info.IsDir() {
			return Descend, nil
		}
		return Skip, nil
	}}
	if err := w.Walk(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	slices.Sort(seen)
	got := strings.Join(seen, ",")
	if got != "a,a/b,a/b/c.txt,a/l" {
		t.Errorf("visited %s", got)
	}
}
