package cryptoerase_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	. "github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
)

func TestProbe(t *testing.T) {
	enc := cetest.NewLoopFS(t, 32)
	if err := Probe(openDir(t, enc.Mnt)); err != nil {
		t.Errorf("ext4 with encrypt: Probe = %v, want nil", err)
	}
	plain := cetest.NewPlainLoopFS(t, 32)
	err := Probe(openDir(t, plain.Mnt))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "tune2fs -O encrypt") {
		t.Errorf("ext4 without encrypt: Probe = %v, want ErrUnsupported naming tune2fs", err)
	}
	tmp := t.TempDir()
	cetest.Run(t, "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", tmp)
	t.Cleanup(func() { exec.Command("umount", tmp).Run() })
	if err := Probe(openDir(t, tmp)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("tmpfs: Probe = %v, want ErrUnsupported", err)
	}
}

const marker = "ARDOISE-PLAINTEXT-MARKER-7f3a"

// writeSession writes what a session would: documents with a known content
// under names holding a known word, in sub-folders.
func writeSession(t *testing.T, dir string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		sub := filepath.Join(dir, "avis-impot-"+marker, "page")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte(marker+" revenu fiscal de reference\n"), 200)
		if err := os.WriteFile(filepath.Join(sub, "releve-"+marker+"-"+string(rune('a'+i))+".pdf"), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func imageHolds(t *testing.T, image, s string) bool {
	t.Helper()
	b, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

// The raw disk, read after the key is removed and the device detached,
// holds neither the contents nor the names of the session's documents.
// The same documents written without encryption are found there: the
// search can fail.
func TestRemovedKeyLeavesNoPlaintextOnDisk(t *testing.T) {
	for _, encrypt := range []bool{false, true} {
		fs := cetest.NewLoopFS(t, 32)
		dir := filepath.Join(fs.Mnt, "Téléchargements")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		root := openDir(t, fs.Mnt)
		var id ID
		if encrypt {
			k, err := NewKey()
			if err != nil {
				t.Fatal(err)
			}
			if id, err = Add(root, k); err != nil {
				t.Fatal(err)
			}
			k.Destroy()
			setPolicy(t, dir, id)
		}
		writeSession(t, dir, 5)
		unix.Sync()
		if encrypt {
			if st, err := Remove(root, id); err != nil || st != Absent {
				t.Fatalf("Remove = %v, %v; want absent", st, err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil || len(ents) != 1 || strings.Contains(ents[0].Name(), marker) {
				t.Fatalf("after removal the folder lists %v (%v); want one encoded name", ents, err)
			}
			if _, err := os.Create(filepath.Join(dir, "new")); !errors.Is(err, syscall.ENOKEY) {
				t.Errorf("creating a file without the key: %v, want ENOKEY", err)
			}
		}
		root.Close()
		fs.Detach(t)
		if got := imageHolds(t, fs.Image, marker); got == encrypt {
			t.Errorf("encrypt=%v: raw image holds the marker: %v", encrypt, got)
		}
	}
}

// A file held open by a running program keeps the key incompletely removed
// (and readable, even by a new open by path) until the program ends and
// removal is asked again.
func TestBusyFileNeedsProgramEndAndSecondRemove(t *testing.T) {
	fs := cetest.NewLoopFS(t, 32)
	dir := filepath.Join(fs.Mnt, "scans")
	os.Mkdir(dir, 0o700)
	root := openDir(t, fs.Mnt)
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Destroy()
	id, err := Add(root, k)
	if err != nil {
		t.Fatal(err)
	}
	setPolicy(t, dir, id)
	doc := filepath.Join(dir, "scan.pdf")
	os.WriteFile(doc, []byte(marker), 0o644)
	holder := exec.Command("sh", "-c", "exec 3<\"$1\"; exec sleep 60", "sh", doc)
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	waitOpen(t, holder.Process.Pid, doc)
	if st, err := Remove(root, id); err != nil || st != IncompletelyRemoved {
		t.Fatalf("Remove with a busy file = %v, %v; want incompletely_removed", st, err)
	}
	if b, err := os.ReadFile(doc); err != nil || string(b) != marker {
		t.Errorf("busy file by path after the first removal: %q, %v (the kernel keeps it readable)", b, err)
	}
	holder.Process.Kill()
	holder.Wait()
	if st, _ := KeyStatus(root, id); st != IncompletelyRemoved {
		t.Errorf("status once the program ended, before a second removal: %v", st)
	}
	if st, err := Remove(root, id); err != nil || st != Absent {
		t.Fatalf("second Remove = %v, %v; want absent", st, err)
	}
	if _, err := os.ReadFile(doc); err == nil {
		t.Error("the document is still readable by its old name after the key was destroyed")
	}
}

// setPolicy encrypts dir and closes it at once: an open folder of the tree
// is a file in use, and would keep the key from being removed.
func setPolicy(t *testing.T, dir string, id ID) {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := SetPolicy(f, id); err != nil {
		t.Fatal(err)
	}
}

func waitOpen(t *testing.T, pid int, path string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if l, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", "3")); err == nil && l == path {
			return
		}
	}
	t.Fatalf("process %d never opened %s", pid, path)
}

// After a crash the agent no longer holds the key nor, maybe, its journal:
// the folder itself says which key to remove.
func TestPolicyIDFindsTheKeyAgain(t *testing.T) {
	fs := cetest.NewLoopFS(t, 32)
	dir := filepath.Join(fs.Mnt, "d")
	os.Mkdir(dir, 0o700)
	root := openDir(t, fs.Mnt)
	if _, err := PolicyID(openDir(t, dir)); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("PolicyID of a plain folder: %v", err)
	}
	k, _ := NewKey()
	id, err := Add(root, k)
	k.Destroy()
	if err != nil {
		t.Fatal(err)
	}
	setPolicy(t, dir, id)
	got, err := PolicyID(openDir(t, dir))
	if err != nil || got != id {
		t.Fatalf("PolicyID = %v, %v; want %v", got, err, id)
	}
	parsed, err := ParseID(id.String())
	if err != nil || parsed != id {
		t.Fatalf("ParseID(%s) = %v, %v", id, parsed, err)
	}
	if st, err := Remove(openDir(t, dir), parsed); err != nil || st != Absent {
		t.Fatalf("Remove by the folder's identifier = %v, %v", st, err)
	}
}

// A policy needs an empty folder, and a refused policy leaves the key in
// the keyring: the agent journals the identifier first so it can remove
// such an orphan.
func TestSetPolicyOnNonEmptyFolderLeavesAnOrphanKey(t *testing.T) {
	fs := cetest.NewLoopFS(t, 32)
	dir := filepath.Join(fs.Mnt, "guides")
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "guide.pdf"), []byte("x"), 0o644)
	root := openDir(t, fs.Mnt)
	k, _ := NewKey()
	defer k.Destroy()
	id, err := Add(root, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := SetPolicy(openDir(t, dir), id); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("SetPolicy on a non-empty folder: %v, want ErrNotEmpty", err)
	}
	if st, _ := KeyStatus(root, id); st != Present {
		t.Fatalf("key status after the refused policy: %v, want present", st)
	}
	if st, err := Remove(root, id); err != nil || st != Absent {
		t.Fatalf("Remove of the orphan = %v, %v", st, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "guide.pdf")); err != nil || string(b) != "x" {
		t.Errorf("the library file was changed: %q, %v", b, err)
	}
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
