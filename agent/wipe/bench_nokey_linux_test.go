package wipe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/unix"
)

// The end of a 20,000-file session (issue 14): in an encrypted root, the
// key is removed (the documents are unreadable from that moment: the
// figure that matters), then the no-key tree is deleted by the wiper;
// against the plain wipe of the same tree unencrypted, and rm -rf of it.
// All three run on the same kind of file system, a fresh ext4 with the
// "encrypt" feature on a loop device, so that only the encryption
// differs. Run them in one 'go test -bench' invocation (root).

// makeTree20k writes 20,000 small files in 400 folders under dir.
func makeTree20k(b *testing.B, dir string) { makeTreeN(b, dir, 400) }

// makeTreeN writes folders×50 small files in that many folders under dir.
func makeTreeN(b *testing.B, dir string, folders int) {
	b.Helper()
	for d := 0; d < folders; d++ {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := 0; f < 50; f++ {
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%02d.txt", f)), []byte("small file"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// sessionTree20k makes root (a new folder, encrypted with a fresh key when
// encrypt is set, as a session start does) and fills it with the
// session's 20,000 files, the account's. The files are written back to
// the disk before the clock starts: a session's documents were mostly
// written long before its end.
func sessionTree20k(b *testing.B, root string, encrypt bool) cryptoerase.ID {
	b.Helper()
	if err := os.Mkdir(root, 0o755); err != nil {
		b.Fatal(err)
	}
	var id cryptoerase.ID
	if encrypt {
		id = cetest.Encrypt(b, root)
	}
	makeTree20k(b, root)
	chownTree(b, root)
	unix.Sync()
	return id
}

func benchLoopFS(b *testing.B) *cetest.LoopFS { return benchLoopFSOf(b, 512) }

func benchLoopFSOf(b *testing.B, sizeMB int) *cetest.LoopFS {
	if os.Geteuid() != 0 {
		b.Skip("needs root, as the agent: a real encrypted file system on a loop device, the tree another account's")
	}
	return cetest.NewLoopFS(b, sizeMB)
}

func wipe20k(b *testing.B, d *safefs.Dir, key cryptoerase.ID, closeRoot bool) {
	b.Helper()
	empty, err := baseline.Take(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	res := Run(context.Background(), Config{Roots: []Root{{Dir: d, Scope: "session", Owners: []uint32{benchUID}, CloseDuringWipe: closeRoot, SessionKey: key}}, Baseline: empty})
	if !res.Verified || res.Removed.Files != 20000 || res.Removed.Dirs != 400 {
		b.Fatalf("wipe: %+v", res)
	}
}

func benchEndEncrypted(b *testing.B, closeRoot bool) {
	fs := benchLoopFS(b)
	mnt, err := os.Open(fs.Mnt)
	if err != nil {
		b.Fatal(err)
	}
	defer mnt.Close()
	var unreadable time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(fs.Mnt, fmt.Sprint(i))
		key := sessionTree20k(b, root, true)
		b.StartTimer()
		start := time.Now()
		// The session end: nothing holds the tree (the programs are
		// ended); remove the key until absent.
		removeKeyUntilAbsent(b, mnt, key)
		unreadable += time.Since(start)
		d, err := safefs.OpenRoot(root, safefs.RootOptions{TrustedUIDs: []uint32{benchUID}})
		if err != nil {
			b.Fatal(err)
		}
		wipe20k(b, d, key, closeRoot)
		b.StopTimer()
		d.Close()
		os.Remove(root) // the dead root, which the next session start replaces
		b.StartTimer()
	}
	b.ReportMetric(float64(unreadable.Milliseconds())/float64(b.N), "ms-to-unreadable")
}

// BenchmarkEnd20kEncrypted is the end of a session in an encrypted root
// (Téléchargements, closed to the public during the wipe): key removal,
// then deletion of the no-key tree. ms-to-unreadable is the key removal
// alone: from then on no document of the session can be read.
func BenchmarkEnd20kEncrypted(b *testing.B) { benchEndEncrypted(b, true) }

// BenchmarkEnd20kEncryptedOpenRoot is the same with the root left open (a
// root the agent cannot close): every entry lying directly in it is
// removed by name because its names are frozen (safefs.FrozenWithoutKey).
func BenchmarkEnd20kEncryptedOpenRoot(b *testing.B) { benchEndEncrypted(b, false) }

// BenchmarkEnd20kPlain is the reference: the plain wipe of the same tree,
// unencrypted, on the same kind of file system; the documents are
// unreadable only once the last one is unlinked (and on an SSD, not even
// then).
func BenchmarkEnd20kPlain(b *testing.B) {
	fs := benchLoopFS(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(fs.Mnt, fmt.Sprint(i))
		sessionTree20k(b, root, false)
		b.StartTimer()
		d, err := safefs.OpenRoot(root, safefs.RootOptions{TrustedUIDs: []uint32{benchUID}})
		if err != nil {
			b.Fatal(err)
		}
		wipe20k(b, d, cryptoerase.ID{}, true)
		b.StopTimer()
		d.Close()
		os.Remove(root)
		b.StartTimer()
	}
}

// BenchmarkEnd20kRmRf is the reference: rm -rf of the same tree,
// unencrypted, on the same kind of file system.
func BenchmarkEnd20kRmRf(b *testing.B) {
	fs := benchLoopFS(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(fs.Mnt, fmt.Sprint(i))
		sessionTree20k(b, root, false)
		b.StartTimer()
		if out, err := exec.Command("rm", "-rf", root).CombinedOutput(); err != nil {
			b.Fatalf("rm -rf: %v %s", err, out)
		}
	}
}

// BenchmarkUnreadable100k is the key removal alone for a session of
// 100,000 files in 2,000 folders, all in the kernel's caches as at the end
// of a session: the time until its documents are unreadable, against
// ms-to-unreadable of BenchmarkEnd20kEncrypted, for how it grows with the
// size. The tree is deleted outside the clock.
func BenchmarkUnreadable100k(b *testing.B) {
	fs := benchLoopFSOf(b, 1536)
	mnt, err := os.Open(fs.Mnt)
	if err != nil {
		b.Fatal(err)
	}
	defer mnt.Close()
	var unreadable time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		root := filepath.Join(fs.Mnt, fmt.Sprint(i))
		if err := os.Mkdir(root, 0o755); err != nil {
			b.Fatal(err)
		}
		key := cetest.Encrypt(b, root)
		makeTreeN(b, root, 2000)
		chownTree(b, root)
		unix.Sync()
		b.StartTimer()
		start := time.Now()
		removeKeyUntilAbsent(b, mnt, key)
		unreadable += time.Since(start)
		b.StopTimer()
		if out, err := exec.Command("rm", "-rf", root).CombinedOutput(); err != nil {
			b.Fatalf("rm -rf: %v %s", err, out)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(unreadable.Milliseconds())/float64(b.N), "ms-to-unreadable")
}

// removeKeyUntilAbsent is what a session end does to the key, through the
// mount point's descriptor mnt (outside the tree): removed, and again
// once if files were still being evicted, until the kernel says absent.
func removeKeyUntilAbsent(b *testing.B, mnt *os.File, key cryptoerase.ID) {
	st, err := cryptoerase.Remove(mnt, key)
	if err == nil && st != cryptoerase.Absent {
		st, err = cryptoerase.Remove(mnt, key)
	}
	if err != nil || st != cryptoerase.Absent {
		b.Fatalf("key removal: %v, %v", st, err)
	}
}
