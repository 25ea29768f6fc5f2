package safefs

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRC11_RemovedIsDecidedOnTheHandle: a folder deleted after it was
// opened is Removed; one renamed, or one whose name now leads to a new
// folder, is not.
func TestRC11_RemovedIsDecidedOnTheHandle(t *testing.T) {
	base := t.TempDir()
	opts := RootOptions{TrustedUIDs: []uint32{uint32(os.Getuid())}}
	open := func(name string) *Dir {
		t.Helper()
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		d, err := OpenRoot(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	live, moved, remade, gone := open("live"), open("moved"), open("remade"), open("gone")
	os.WriteFile(filepath.Join(base, "moved", "f"), nil, 0o644)
	os.Rename(filepath.Join(base, "moved"), filepath.Join(base, "elsewhere"))
	os.Rename(filepath.Join(base, "remade"), filepath.Join(base, "remade-old"))
	os.Mkdir(filepath.Join(base, "remade"), 0o755)
	os.Remove(filepath.Join(base, "gone"))
	os.Mkdir(filepath.Join(base, "gone"), 0o755) // a new folder at the name does not revive it
	for _, c := range []struct {
		name string
		d    *Dir
		want bool
	}{{"live", live, false}, {"moved", moved, false}, {"remade", remade, false}, {"gone", gone, true}} {
		if got := c.d.Removed(); got != c.want {
			t.Errorf("%s: Removed() = %v, want %v", c.name, got, c.want)
		}
	}
	// Reading it still works the same after the check.
	if es, err := moved.ReadEntries(10); err != nil || len(es) == 0 {
		t.Errorf("the moved folder cannot be read after the check: %v %v", es, err)
	}
}
