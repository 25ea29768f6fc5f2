//go:build linux || darwin

package fstree

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Node is one entry of a declarative tree.
type Node interface {
	build(t testing.TB, path string)
}

// Dir is a directory with its entries, built in name order (so a Hardlink
// can name a file built before it).
type Dir map[string]Node

// File is a regular file with this content.
type File string

// Symlink is a symbolic link to this target.
type Symlink string

// Hardlink is a second name for an existing file: a path relative to the
// folder holding the link, or absolute.
type Hardlink string

// FIFO is a named pipe.
type FIFO struct{}

// Socket is a unix socket file with no server behind it.
type Socket struct{}

// Device is a character device node (making one needs root).
type Device struct{ Major, Minor uint32 }

// Owned builds Node and gives it to UID:GID without following a link
// (making it needs root). It stands for entries an attacker or another
// account created.
type Owned struct {
	UID, GID int
	Node     Node
}

func (d Dir) build(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(d))
	for n := range d {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d[n].build(t, filepath.Join(p, n))
	}
}

func (f File) build(t testing.TB, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s Symlink) build(t testing.TB, p string) {
	t.Helper()
	if err := os.Symlink(string(s), p); err != nil {
		t.Fatal(err)
	}
}

func (h Hardlink) build(t testing.TB, p string) {
	t.Helper()
	target := string(h)
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p), target)
	}
	if err := os.Link(target, p); err != nil {
		t.Fatal(err)
	}
}

func (FIFO) build(t testing.TB, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (Socket) build(t testing.TB, p string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
}

func (d Device) build(t testing.TB, p string) {
	t.Helper()
	dev := (d.Major&0xfff)<<8 | (d.Minor & 0xff) | (d.Minor&^0xff)<<12
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, int(dev)); err != nil {
		t.Fatal(err)
	}
}

func (o Owned) build(t testing.TB, p string) {
	t.Helper()
	o.Node.build(t, p)
	if err := os.Lchown(p, o.UID, o.GID); err != nil {
		t.Fatal(err)
	}
}

// Build creates tree under root (root itself is created if missing).
func Build(t testing.TB, root string, tree Dir) { t.Helper(); tree.build(t, root) }

// Sig is what must not change about an entry.
type Sig struct {
	Mode  fs.FileMode // type and permissions
	Ino   uint64
	Size  int64 // 0 for directories, whose size follows their entries
	UID   uint32
	GID   uint32
	Mtime time.Time // zero for directories
	Sum   [32]byte  // sha256 of a regular file's content
	Link  string    // a symbolic link's target
	// Nlink and Ctime change when a hard link is made or removed; they
	// are compared by AssertUnchanged only.
	Nlink uint64
	Ctime time.Time
}

// Snapshot maps paths relative to its directory ("." for the directory
// itself) to signatures.
type Snapshot map[string]Sig

// Take records every entry under dir (dir itself included), without
// following links; regular files are read and hashed.
func Take(t testing.TB, dir string) Snapshot {
	t.Helper()
	s := Snapshot{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		sig := Sig{Mode: fi.Mode(), Ino: uint64(st.Ino), Size: fi.Size(), UID: st.Uid, GID: st.Gid, Mtime: fi.ModTime(),
			Nlink: uint64(st.Nlink), Ctime: ctime(st)}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sig.Sum = sha256.Sum256(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			sig.Link, _ = os.Readlink(p)
		case fi.IsDir():
			sig.Size, sig.Mtime, sig.Ctime, sig.Nlink = 0, time.Time{}, time.Time{}, 0
		}
		rel, _ := filepath.Rel(dir, p)
		s[rel] = sig
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// AssertIntact fails the test if any entry of s is missing or changed in
// dir now (link count and ctime aside). Entries added since are allowed.
func (s Snapshot) AssertIntact(t testing.TB, dir string) {
	t.Helper()
	s.compare(t, dir, false, false)
}

// AssertSame is AssertIntact plus: nothing was added.
func (s Snapshot) AssertSame(t testing.TB, dir string) {
	t.Helper()
	s.compare(t, dir, true, false)
}

// AssertUnchanged is AssertSame plus: link counts and ctimes are the same
// too (nothing was linked, unlinked, chmod-ed or written).
func (s Snapshot) AssertUnchanged(t testing.TB, dir string) {
	t.Helper()
	s.compare(t, dir, true, true)
}

func (s Snapshot) compare(t testing.TB, dir string, exact, strict bool) {
	t.Helper()
	now := Take(t, dir)
	var problems []string
	for p, want := range s {
		got, ok := now[p]
		if ok && !strict {
			got.Nlink, got.Ctime = want.Nlink, want.Ctime
		}
		switch {
		case !ok:
			problems = append(problems, "missing: "+p)
		case got != want:
			problems = append(problems, fmt.Sprintf("changed: %q (%+v → %+v)", p, want, got))
		}
	}
	if exact {
		for p := range now {
			if _, ok := s[p]; !ok {
				problems = append(problems, fmt.Sprintf("added: %q", p))
			}
		}
	}
	sort.Strings(problems)
	if len(problems) > 30 {
		problems = append(problems[:30], fmt.Sprintf("… and %d more", len(problems)-30))
	}
	if len(problems) > 0 {
		t.Errorf("%s:\n  %s", dir, strings.Join(problems, "\n  "))
	}
}

// Entries lists the paths under dir, relative to it, sorted.
func Entries(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for p := range Take(t, dir) {
		if p != "." {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// SentinelTree is the content of the sentinel of threats.md §4.0: files
// and folders that attacks point links at.
func SentinelTree() Dir {
	return Dir{
		"passwd": File("root:x:0:0:root:/root:/bin/sh\n"),
		"f":      File("a file of the user's, outside every root"),
		"dir": Dir{
			"a.txt": File("a"), "b.txt": File("b"), "file.pdf": File("%PDF library"),
			"sub": Dir{"c.txt": File("c")},
		},
	}
}

// Sentinel builds the sentinel tree (SentinelTree plus extra) at dir,
// which must lie outside every root and on the same file system as the
// roots (otherwise hard-link attacks mean nothing), records it, and checks
// at the end of the test that nothing in it changed or was added. It
// returns dir.
func Sentinel(t testing.TB, dir string, extra Dir) string {
	t.Helper()
	tree := SentinelTree()
	for k, v := range extra {
		tree[k] = v
	}
	Build(t, dir, tree)
	snap := Take(t, dir)
	t.Cleanup(func() { snap.AssertSame(t, dir) })
	return dir
}
