package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
)

// TestFrozenWithoutKeyIsReadFromTheKernel: a folder is frozen only when
// its own policy names the session's key and the file system reports that
// key absent. A plain folder, a folder whose key is still there or only
// incompletely removed (a file of it held open), a folder encrypted with
// another key that is gone too (an account's own key, which it may add
// again), and a zero key, are not; removal by name without a quarantine
// is refused there, and allowed in the frozen one.
func TestFrozenWithoutKeyIsReadFromTheKernel(t *testing.T) {
	fs := cetest.NewLoopFS(t, 32)
	mk := func(name string) string {
		t.Helper()
		p := filepath.Join(fs.Mnt, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fill := func(p string) {
		t.Helper()
		for _, n := range []string{"a", "b"} {
			if err := os.WriteFile(filepath.Join(p, n), []byte(n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Another account's folder: not closed to the public, so that
		// only being frozen can allow a removal by name.
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	open := func(p string) *Dir {
		t.Helper()
		d, err := OpenRoot(p, RootOptions{TrustedUIDs: []uint32{65534}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	plain := mk("plain")
	fill(plain)
	session := mk("session")
	key := cetest.Encrypt(t, session)
	fill(session)
	other := mk("other")
	otherKey := cetest.Encrypt(t, other)
	fill(other)

	check := func(when string, d *Dir, k cryptoerase.ID, want bool) {
		t.Helper()
		if got := d.FrozenWithoutKey(k); got != want {
			t.Errorf("%s: FrozenWithoutKey(%v) on %s = %v, want %v", when, k, d.Name(), got, want)
		}
		if got := d.ClosedToPublic(); got != want {
			t.Errorf("%s: ClosedToPublic on %s = %v, want %v", when, d.Name(), got, want)
		}
		st, err := d.Stat("a")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		err = d.RemoveExpect(nil, "a", st.Identity)
		if want && err != nil {
			t.Errorf("%s: removal by name in the frozen %s: %v", when, d.Name(), err)
		}
		if !want && !errors.Is(err, ErrNoQuarantine) {
			t.Errorf("%s: removal without a quarantine in %s: %v, want ErrNoQuarantine", when, d.Name(), err)
		}
	}
	// Handles on the session's folder are closed before the key is removed,
	// as the agent does: an open folder keeps its key in use.
	d := open(session)
	check("key there", d, key, false)
	d.Close()
	check("plain folder", open(plain), key, false)

	// A file held open: the key is only incompletely removed.
	busy, err := os.Open(filepath.Join(session, "b"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.Open(fs.Mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if st, err := cryptoerase.Remove(root, key); err != nil || st != cryptoerase.IncompletelyRemoved {
		t.Fatalf("Remove with a busy file = %v, %v; want incompletely removed", st, err)
	}
	d = open(session)
	check("key incompletely removed", d, key, false)
	d.Close()
	busy.Close()

	fs.RemoveKey(t, key)
	fs.RemoveKey(t, otherKey)
	// Names are encoded now: the files are found by listing.
	d = open(session)
	names, err := d.ReadEntries(16)
	if err != nil && len(names) == 0 {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Fatalf("the no-key folder lists %v, want its two entries (nothing was removed before)", names)
	}
	if got := d.FrozenWithoutKey(cryptoerase.ID{}); got {
		t.Error("FrozenWithoutKey with a zero key = true")
	}
	if got := d.FrozenWithoutKey(otherKey); got {
		t.Error("FrozenWithoutKey with another folder's key = true")
	}
	if !d.FrozenWithoutKey(key) || !d.ClosedToPublic() {
		t.Error("the session's folder, key absent, is not frozen")
	}
	st, err := d.Stat(names[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveExpect(nil, names[0].Name, st.Identity); err != nil {
		t.Errorf("removal by name in the frozen folder: %v", err)
	}
	// Another key, absent too: not the session's, not frozen for it.
	od := open(other)
	if od.FrozenWithoutKey(key) {
		t.Error("a folder encrypted with another (absent) key is frozen for the session's key")
	}
	if !od.FrozenWithoutKey(otherKey) {
		t.Error("a folder encrypted with its own absent key is not frozen for it")
	}
}
