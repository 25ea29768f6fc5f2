package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// MkdirFresh never opens a folder that was already there, and Exchange
// swaps two names in one step, each keeping its object.
func TestMkdirFreshAndExchange(t *testing.T) {
	base := t.TempDir()
	d, err := OpenRoot(base, RootOptions{TrustedUIDs: []uint32{uint32(os.Geteuid())}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	os.Mkdir(filepath.Join(base, "old"), 0o755)
	os.WriteFile(filepath.Join(base, "old", "guide.pdf"), []byte("x"), 0o644)
	if _, err := d.MkdirFresh("old"); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("MkdirFresh on an existing folder: %v, want EEXIST", err)
	}
	nd, err := d.MkdirFresh(".new")
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	if nd.Info().Mode.Perm() != 0o700 {
		t.Errorf("mode %v", nd.Info().Mode)
	}
	old, _ := d.Stat("old")
	if err := d.Exchange(".new", "old"); err != nil {
		t.Fatal(err)
	}
	at, _ := d.Stat("old")
	moved, _ := d.Stat(".new")
	if at.Identity != nd.Info().Identity || moved.Identity != old.Identity {
		t.Fatalf("after Exchange old=%v .new=%v; want %v and %v", at.Identity, moved.Identity, nd.Info().Identity, old.Identity)
	}
	if _, err := os.Stat(filepath.Join(base, ".new", "guide.pdf")); err != nil {
		t.Errorf("the old folder's file did not move with it: %v", err)
	}
	if err := nd.SetOwner(uint32(os.Geteuid()), uint32(os.Getegid()), 0o750); err != nil || nd.Info().Mode.Perm() != 0o750 {
		t.Errorf("SetOwner: %v, mode %v", err, nd.Info().Mode)
	}
	f, err := nd.File()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := nd.Restat(); err != nil {
		t.Errorf("closing the File closed the Dir: %v", err)
	}
}

// A folder's kernel handle finds it again after it was moved, without a
// descriptor held meanwhile; a handle is refused for another object.
// handleOfNewFolder makes base/Téléchargements in a scratch root d,
// and returns its identity and kernel handle (the folder is not held
// open). Root only: open_by_handle_at needs CAP_DAC_READ_SEARCH.
func handleOfNewFolder(t *testing.T) (d *Dir, base string, want Identity, h FolderHandle) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("open_by_handle_at needs root (CAP_DAC_READ_SEARCH)")
	}
	base = t.TempDir()
	d, err := OpenRoot(base, RootOptions{TrustedUIDs: []uint32{uint32(os.Geteuid())}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	os.Mkdir(filepath.Join(base, "Téléchargements"), 0o755)
	sub, err := d.OpenDir("Téléchargements")
	if err != nil {
		t.Fatal(err)
	}
	want = sub.Info().Identity
	h, err = sub.FolderHandle()
	sub.Close()
	if err != nil {
		t.Fatal(err)
	}
	return d, base, want, h
}

func TestFolderHandleFollowsAMove(t *testing.T) {
	d, base, want, h := handleOfNewFolder(t)
	os.Rename(filepath.Join(base, "Téléchargements"), filepath.Join(base, "ailleurs"))
	os.Mkdir(filepath.Join(base, "Téléchargements"), 0o755)
	moved, err := d.OpenFolderHandle(h, want)
	if err != nil {
		t.Fatalf("OpenFolderHandle after a move: %v", err)
	}
	in, _ := d.Stat("ailleurs")
	if moved.Info().Identity != in.Identity {
		t.Errorf("the handle opened %+v, want the moved folder %+v", moved.Info().Identity, in.Identity)
	}
	moved.Close()
	other, _ := d.Stat("Téléchargements")
	if _, err := d.OpenFolderHandle(h, other.Identity); !errors.Is(err, ErrChanged) {
		t.Errorf("a handle checked against another object: %v, want ErrChanged", err)
	}
}

// TestFolderHandleFromItsBytes: the handle read back from a journal (its
// bytes) finds the folder moved away, as after a crash; a folder deleted
// since is not found, even if a new one took its inode number.
func TestFolderHandleFromItsBytes(t *testing.T) {
	d, base, want, h := handleOfNewFolder(t)
	typ, b := h.Bytes()
	if len(b) == 0 {
		t.Fatal("no bytes")
	}
	journaled := FolderHandleOf(typ, append([]byte(nil), b...))
	os.Rename(filepath.Join(base, "Téléchargements"), filepath.Join(base, "ailleurs"))
	moved, err := d.OpenFolderHandle(journaled, want)
	if err != nil {
		t.Fatalf("the journaled handle after a move: %v", err)
	}
	moved.Close()
	os.Remove(filepath.Join(base, "ailleurs"))
	for range 20 { // a new folder may get the same inode number: not the same folder
		os.Mkdir(filepath.Join(base, "ailleurs"), 0o755)
		if nd, err := d.OpenFolderHandle(journaled, want); err == nil {
			nd.Close()
			t.Fatal("a deleted folder's handle opened another folder")
		}
		os.Remove(filepath.Join(base, "ailleurs"))
	}
	if _, err := d.OpenFolderHandle(FolderHandleOf(0, nil), want); err == nil {
		t.Error("an empty handle opened something")
	}
}
