package baseline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/fstree"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/unix"
)

// TestB5_InodeReuse: a baseline entry deleted during the session and a new
// file given the same inode number are told apart by birth time; without
// birth times the entry is a doubt (kept and reported) unless its ctime is
// the recorded one and older than the baseline.
func TestB5_InodeReuse(t *testing.T) {
	s := newSet()
	s.taken = 1000
	s.roots = []rootID{{ok: true}}
	mustDo(t, s.add(Record{ID: safefs.Identity{Dev: 5, Ino: 1234, Btime: 100}, Ctime: 100, Name: "a"}))
	mustDo(t, s.add(Record{ID: safefs.Identity{Dev: 5, Ino: 99}, Ctime: 500, Name: "b"})) // no birth time
	s.finish()
	info := func(dev, ino uint64, btime, ctime int64) safefs.Info {
		return safefs.Info{Identity: safefs.Identity{Dev: dev, Ino: ino, Btime: btime}, Ctime: ctime}
	}
	for _, c := range []struct {
		name string
		in   safefs.Info
		want Verdict
	}{
		{"same object", info(5, 1234, 100, 100), Existing},
		{"same object, modified", info(5, 1234, 100, 2000), Existing},
		{"reused inode, later birth time", info(5, 1234, 200, 1500), New},
		{"other device", info(6, 1234, 100, 100), New},
		{"unknown inode", info(5, 7, 1, 1), New},
		{"no birth time, same old ctime", info(5, 99, 0, 500), Existing},
		{"no birth time, ctime changed", info(5, 99, 0, 1500), Doubt},
		{"no birth time on one side", info(5, 1234, 0, 100), Doubt},
	} {
		if got, _ := s.Classify(c.in); got != c.want {
			t.Errorf("%s: Classify(%+v) = %v, want %v", c.name, c.in, got, c.want)
		}
	}
	// By identity alone, a missing birth time is always a doubt.
	if v, _ := s.Lookup(safefs.Identity{Dev: 5, Ino: 99}); v != Doubt {
		t.Errorf("Lookup without birth times = %v, want doubt", v)
	}
	if !s.Contains(safefs.Identity{Dev: 5, Ino: 1234, Btime: 100}) || s.Contains(safefs.Identity{Dev: 5, Ino: 1234, Btime: 200}) {
		t.Error("Contains disagrees with Lookup")
	}
	// Before: stamped before the baseline walk started.
	if !s.Before(info(9, 9, 999, 5000)) || s.Before(info(9, 9, 1000, 1)) || !s.Before(info(9, 9, 0, 10)) || s.Before(info(9, 9, 0, 0)) {
		t.Error("Before misjudges birth times and ctimes")
	}
	var empty *Set
	if v, _ := empty.Classify(info(5, 1234, 100, 100)); v != New || empty.Len() != 0 || empty.HadName(safefs.Identity{}, "a") || empty.Before(info(1, 1, 1, 1)) {
		t.Error("a nil baseline is not empty")
	}
}

func TestNamesAndOrigins(t *testing.T) {
	root := t.TempDir()
	fstree.Build(t, root, fstree.Dir{
		"Desktop": fstree.Dir{
			"Guide.pdf": fstree.File("guide"),
			"Guides":    fstree.Dir{"deep": fstree.Dir{"x.pdf": fstree.File("x")}},
			"h":         fstree.Hardlink("Guide.pdf"),
			"a\xfe":     fstree.File("hostile but pre-existing"),
		},
	})
	d := openRoot(t, root)
	s, err := Take(context.Background(), []*safefs.Dir{d})
	mustDo(t, err)
	desk, err := d.OpenDir("Desktop")
	mustDo(t, err)
	defer desk.Close()
	guide, err := desk.Stat("Guide.pdf")
	mustDo(t, err)
	if !s.At(guide.Identity, desk.Info().Identity, "Guide.pdf") || !s.At(guide.Identity, desk.Info().Identity, "h") {
		t.Error("At does not know both names of a hard-linked file")
	}
	if s.At(guide.Identity, desk.Info().Identity, "Guide.pdf.tmp") || s.At(guide.Identity, d.Info().Identity, "Guide.pdf") {
		t.Error("At accepts a place where the file was not")
	}
	if !s.HadName(desk.Info().Identity, "a\xfe") || s.HadName(desk.Info().Identity, "a\xff") || s.HadName(d.Info().Identity, "Guide.pdf") {
		t.Error("HadName is wrong about raw names or folders")
	}
	x, err := desk.OpenBeneath("Guides/deep", safefs.RootOptions{})
	mustDo(t, err)
	defer x.Close()
	xi, err := x.Stat("x.pdf")
	mustDo(t, err)
	v, r := s.Classify(xi)
	if v != Existing || r.Name != "x.pdf" {
		t.Fatalf("x.pdf: %v %+v", v, r)
	}
	chain, ok := s.Origin(r)
	if !ok || len(chain) != 3 || chain[0].Name != "Desktop" || chain[1].Name != "Guides" || chain[2].Name != "deep" {
		t.Errorf("Origin(x.pdf) = %+v, %v; want Desktop/Guides/deep", chain, ok)
	}
	if chain, ok := s.Origin(Record{Root: 0, Parent: d.Info().Identity, Name: "Desktop"}); !ok || len(chain) != 0 {
		t.Errorf("Origin of a root entry = %+v, %v", chain, ok)
	}
	if _, ok := s.Origin(Record{Root: 0, Parent: safefs.Identity{Dev: 1, Ino: 1}}); ok {
		t.Error("Origin followed a chain that does not exist")
	}
}

func TestTakeWriteRead(t *testing.T) {
	root := t.TempDir()
	fstree.Build(t, root, fstree.Dir{
		"a":         fstree.Dir{"b": fstree.Dir{"c.txt": fstree.File("c")}, "d.txt": fstree.File("d")},
		"e\xff\n.x": fstree.File("hostile name"),
		"l":         fstree.Symlink("/etc"),
		"p":         fstree.FIFO{},
	})
	d := openRoot(t, root)
	s, err := Take(context.Background(), []*safefs.Dir{nil, d})
	mustDo(t, err)
	if s.Len() != 7 { // a, a/b, a/b/c.txt, a/d.txt, e…, l (the link, not /etc's content), p
		t.Fatalf("baseline has %d entries, want 7", s.Len())
	}
	if id, ok := s.RootID(1); !ok || id != d.Info().Identity {
		t.Errorf("RootID(1) = %+v, %v", id, ok)
	}
	if _, ok := s.RootID(0); ok {
		t.Error("a refused root has an identity")
	}
	f := filepath.Join(t.TempDir(), "baseline")
	mustDo(t, s.WriteFile(f))
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Errorf("baseline file mode %v, want 0600", fi.Mode().Perm())
	}
	if es, _ := os.ReadDir(filepath.Dir(f)); len(es) != 1 {
		t.Errorf("temporary files left beside the baseline: %v", es)
	}
	r, err := ReadFile(f)
	mustDo(t, err)
	if r.Len() != s.Len() || r.taken != s.taken || len(r.roots) != 2 {
		t.Fatalf("read %d entries (taken %d), wrote %d (taken %d)", r.Len(), r.taken, s.Len(), s.taken)
	}
	for i := range s.recs {
		want := s.record(&s.recs[i])
		if v, got := r.Lookup(want.ID); v != Existing || got.ID != want.ID {
			t.Errorf("record %+v lost: %v %+v", want, v, got)
		}
		if !r.At(want.ID, want.Parent, want.Name) || !r.HadName(want.Parent, want.Name) {
			t.Errorf("name %q lost", want.Name)
		}
		if got := r.record(&r.recs[i]); got != want {
			t.Errorf("record %d: read %+v, wrote %+v", i, got, want)
		}
	}
	// Every truncation and every flipped byte is detected.
	data, err := os.ReadFile(f)
	mustDo(t, err)
	for i := 0; i < len(data); i += 3 {
		if _, err := parse(data[:i]); err == nil {
			t.Fatalf("truncated at %d: accepted", i)
		}
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x40
		if _, err := parse(bad); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
	}
	mustDo(t, os.WriteFile(f, data[:len(data)-1], 0o600))
	if _, err := ReadFile(f); !errors.Is(err, ErrCorrupt) {
		t.Errorf("torn file: %v, want ErrCorrupt", err)
	}
}

// TestReadFileRefusesConsistentLies: a file with a valid checksum but
// records out of order, a root index out of range or a path as a name is
// still refused (someone who can write the state directory can also
// recompute the checksum; the checks keep the wipe's lookups sound).
func TestReadFileRefusesConsistentLies(t *testing.T) {
	mk := func(edit func(s *Set)) []byte {
		s := newSet()
		s.roots = []rootID{{ok: true}}
		mustDo(t, s.add(Record{ID: safefs.Identity{Dev: 1, Ino: 1}, Name: "a"}))
		mustDo(t, s.add(Record{ID: safefs.Identity{Dev: 1, Ino: 2}, Name: "b"}))
		s.finish()
		edit(s)
		var b bytesBuffer
		mustDo(t, s.writeTo(&b))
		return b.data
	}
	if _, err := parse(mk(func(*Set) {})); err != nil {
		t.Fatalf("a sound file is refused: %v", err)
	}
	for name, edit := range map[string]func(*Set){
		"out of order": func(s *Set) { s.recs[0], s.recs[1] = s.recs[1], s.recs[0] },
		"duplicate":    func(s *Set) { s.recs[1] = s.recs[0] },
		"bad root":     func(s *Set) { s.recs[0].root = 3 },
		"path as name": func(s *Set) { s.names[s.recs[0].nameOff] = '/' },
		"refused root": func(s *Set) { s.roots[0].ok = false },
	} {
		if _, err := parse(mk(edit)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

type bytesBuffer struct{ data []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) { b.data = append(b.data, p...); return len(p), nil }

// TestTakeToleratesChanges: entries created and deleted, and folders
// renamed, while the baseline is taken never make it fail with anything
// but the bounded "changed while recorded" error, and the entries that
// did not move are all recorded.
func TestTakeToleratesChanges(t *testing.T) {
	root := t.TempDir()
	stable := fstree.Dir{}
	for i := range 50 {
		stable[fmt.Sprintf("d%02d", i)] = fstree.Dir{"keep.pdf": fstree.File("library")}
	}
	fstree.Build(t, root, fstree.Dir{"stable": stable, "churn": fstree.Dir{}, "moving": fstree.Dir{"x": fstree.File("x")}})
	d := openRoot(t, root)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			p := filepath.Join(root, "churn", fmt.Sprint(i%100))
			os.WriteFile(p, nil, 0o644)
			os.Remove(filepath.Join(root, "churn", fmt.Sprint((i+50)%100)))
		}
	}()
	go func() {
		defer wg.Done()
		for !stop.Load() {
			os.Rename(filepath.Join(root, "moving"), filepath.Join(root, "stable", "moving"))
			os.Rename(filepath.Join(root, "stable", "moving"), filepath.Join(root, "moving"))
		}
	}()
	ok := 0
	for range 30 {
		s, err := Take(context.Background(), []*safefs.Dir{d})
		if errors.Is(err, errUnstable) || errors.Is(err, safefs.ErrTreeChanged) {
			continue
		}
		mustDo(t, err)
		ok++
		n := 0
		for i := range s.recs {
			if s.name(&s.recs[i]) == "keep.pdf" {
				n++
			}
		}
		if n != 50 {
			t.Errorf("recorded %d of the 50 files that did not move", n)
		}
	}
	stop.Store(true)
	wg.Wait()
	if ok == 0 {
		t.Error("no baseline could be taken while files came and went")
	}
}

// TestTakeStaysOnItsMount: a mount inside a root is recorded as a mount
// point at most, never entered (M1 for the baseline).
func TestTakeStaysOnItsMount(t *testing.T) {
	if !fstree.InMountNamespace(t) {
		return
	}
	root := t.TempDir()
	fstree.Build(t, root, fstree.Dir{"Partage": fstree.Dir{}, "a.txt": fstree.File("a")})
	if err := mountTmpfs(t, filepath.Join(root, "Partage")); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	fstree.Build(t, filepath.Join(root, "Partage"), fstree.Dir{"libdoc.txt": fstree.File("share"), "sub": fstree.Dir{"y": fstree.File("y")}})
	d := openRoot(t, root)
	s, err := Take(context.Background(), []*safefs.Dir{d})
	mustDo(t, err)
	for i := range s.recs {
		if n := s.name(&s.recs[i]); n == "libdoc.txt" || n == "sub" || n == "y" {
			t.Errorf("the baseline entered the mount: %q", n)
		}
	}
	if s.Len() != 1 {
		t.Errorf("baseline has %d entries, want 1 (a.txt)", s.Len())
	}
}

func openRoot(t testing.TB, p string) *safefs.Dir {
	t.Helper()
	trusted := []uint32{uint32(os.Getuid())}
	if fstree.InUserNamespace() {
		trusted = append(trusted, 65534) // the real root, seen from the namespace
	}
	d, err := safefs.OpenRoot(p, safefs.RootOptions{TrustedUIDs: trusted})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mountTmpfs(t *testing.T, dir string) error {
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		return err
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return nil
}
