//go:build unix

// Package fstree builds declarative file trees on real directories for tests
// and checks afterwards that nothing in them changed (restic's TestDir idea).
// It is imported only by _test.go files; a test in cmd/ardoise checks that
// no binary links it.
package fstree

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
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

// Dir is a directory with its entries.
type Dir map[string]Node

// File is a regular file with this content.
type File string

// Symlink is a symbolic link to this target.
type Symlink string

// Hardlink is a second name for an existing file (path relative to the
// tree's root or absolute).
type Hardlink string

// FIFO is a named pipe.
type FIFO struct{}

func (d Dir) build(t testing.TB, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(d))
	for n := range d {
		names = append(names, n)
	}
	sort.Strings(names) // hard links after their targets when named so
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

// Build creates tree under root.
func Build(t testing.TB, root string, tree Dir) { t.Helper(); tree.build(t, root) }

// Sig is what must not change about an entry.
type Sig struct {
	Mode  fs.FileMode
	Ino   uint64
	Size  int64
	UID   uint32
	GID   uint32
	Mtime time.Time
	Sum   [32]byte
	Link  string
}

// Snapshot maps paths relative to its directory to signatures.
type Snapshot map[string]Sig

// Take records every entry under dir, without following links; file
// contents are hashed.
func Take(t testing.TB, dir string) Snapshot {
	t.Helper()
	s := Snapshot{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		sig := Sig{Mode: fi.Mode(), Ino: st.Ino, Size: fi.Size(), UID: st.Uid, GID: st.Gid, Mtime: fi.ModTime()}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sig.Sum = sha256.Sum256(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			sig.Link, _ = os.Readlink(p)
		}
		if fi.IsDir() {
			sig.Size, sig.Mtime = 0, time.Time{} // change when entries come and go
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
// dir now. Entries added since are allowed (see AssertSame).
func (s Snapshot) AssertIntact(t testing.TB, dir string) {
	t.Helper()
	s.compare(t, dir, false)
}

// AssertSame is AssertIntact plus: nothing was added.
func (s Snapshot) AssertSame(t testing.TB, dir string) {
	t.Helper()
	s.compare(t, dir, true)
}

func (s Snapshot) compare(t testing.TB, dir string, exact bool) {
	t.Helper()
	now := Take(t, dir)
	var problems []string
	for p, want := range s {
		got, ok := now[p]
		switch {
		case !ok:
			problems = append(problems, "missing: "+p)
		case got != want:
			problems = append(problems, fmt.Sprintf("changed: %s (%+v → %+v)", p, want, got))
		}
	}
	if exact {
		for p := range now {
			if _, ok := s[p]; !ok {
				problems = append(problems, "added: "+p)
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

// Entries lists the paths under dir, relative to it.
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
