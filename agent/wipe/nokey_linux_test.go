package wipe

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
	"github.com/ardoise-fr/ardoise/agent/fstree"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/unix"
)

// The end of a session whose documents live in an encrypted root: the
// agent removes the session key (status absent), then reopens the root and
// runs this wiper on a tree it can no longer read. Names are encoded
// ciphertext, files cannot be opened, and no one can create or rename
// anything in it (ENOKEY); unlink and rmdir work. These tests run on a
// real ext4 with the "encrypt" feature on a loop device, as root, with a
// real kiosk account.

// noKeyWorld is a kiosk home on its own encrypted-capable file system:
// home/Téléchargements is the session's encrypted root, made empty by
// root at session start and given to the account; home/Guide.pdf and
// home/Bureau are the library's, next to it.
type noKeyWorld struct {
	t    *testing.T
	fs   *cetest.LoopFS
	uid  int
	home string
	root string // home/Téléchargements
	key  cryptoerase.ID
	set  *baseline.Set
	lib  fstree.Snapshot
}

func newNoKeyWorld(t *testing.T) *noKeyWorld {
	t.Helper()
	fs := cetest.NewLoopFS(t, 64)
	uid, home := raceAccountIn(t, fs.Mnt)
	w := &noKeyWorld{t: t, fs: fs, uid: uid, home: home, root: filepath.Join(home, "Téléchargements")}
	// The library's files, root's, next to the root.
	mustDo(t, os.WriteFile(filepath.Join(home, "Guide.pdf"), []byte("le guide de la médiathèque"), 0o644))
	fstree.Build(t, filepath.Join(home, "Bureau"), fstree.Dir{
		"Formulaires.pdf": fstree.File("formulaires"),
		"aide":            fstree.Dir{"lisez-moi.txt": fstree.File("aide")},
	})
	return w
}

// start is the session start: a fresh, empty, root-made folder gets the
// policy and is given to the account, and the baseline is taken while it
// is empty, as the agent does.
func (w *noKeyWorld) start() {
	w.t.Helper()
	mustDo(w.t, os.Mkdir(w.root, 0o755))
	w.key = cetest.Encrypt(w.t, w.root)
	mustDo(w.t, os.Chown(w.root, w.uid, w.uid))
	d := w.openRoot()
	set, err := baseline.Take(context.Background(), []*safefs.Dir{d})
	mustDo(w.t, err)
	d.Close()
	w.set = set
	w.lib = fstree.Take(w.t, filepath.Join(w.home, "Bureau"))
}

func (w *noKeyWorld) openRoot() *safefs.Dir {
	w.t.Helper()
	d, err := safefs.OpenRoot(w.root, safefs.RootOptions{TrustedUIDs: []uint32{uint32(w.uid)}})
	mustDo(w.t, err)
	return d
}

// asKiosk runs a shell script as the account, in its home.
func (w *noKeyWorld) asKiosk(script string) (string, error) {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(w.uid), Gid: uint32(w.uid)}}
	cmd.Dir = w.home
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fill is the session: the account saves documents, folders, links, a
// fifo, and a hard link of one of its documents outside the tree.
func (w *noKeyWorld) fill() {
	w.t.Helper()
	out, err := w.asKiosk(`set -e
cd Téléchargements
echo "avis d'impôt de la personne" > avis-impot.pdf
echo a > a.txt
echo b > b.txt
mkdir -p dossier-caf/sous
echo c > dossier-caf/attestation.pdf
echo d > dossier-caf/sous/releve.pdf
ln -s ../Guide.pdf lien-guide
ln -s /etc/passwd dossier-caf/lien-passwd
mkfifo tube
ln avis-impot.pdf ../lien-dehors.pdf
`)
	if err != nil {
		w.t.Fatalf("the session's files, made by the account: %v\n%s", err, out)
	}
}

// end is the session end: the key is removed until absent (nothing holds
// the tree: the test's shells have ended), and the root reopened.
func (w *noKeyWorld) end() *safefs.Dir {
	w.t.Helper()
	w.fs.RemoveKey(w.t, w.key)
	return w.openRoot()
}

func (w *noKeyWorld) wipe(d *safefs.Dir, closeRoot bool, hooks Hooks) Result {
	return Run(context.Background(), Config{Baseline: w.set, Hooks: hooks, Roots: []Root{{
		Dir: d, Scope: "session", Owners: []uint32{uint32(w.uid)}, CloseDuringWipe: closeRoot, SessionKey: w.key,
	}}})
}

// assertOutsideIntact checks what is not the session's: the library's
// files, and the hard-linked name outside the tree, which stays and cannot
// be read any more.
func (w *noKeyWorld) assertOutsideIntact() {
	w.t.Helper()
	w.lib.AssertIntact(w.t, filepath.Join(w.home, "Bureau"))
	if b, err := os.ReadFile(filepath.Join(w.home, "Guide.pdf")); err != nil || string(b) != "le guide de la médiathèque" {
		w.t.Errorf("the library's Guide.pdf next to the root: %q, %v", b, err)
	}
	outside := filepath.Join(w.home, "lien-dehors.pdf")
	if _, err := os.Lstat(outside); err != nil {
		w.t.Errorf("the hard link outside the tree was removed: %v", err)
	}
	if _, err := os.ReadFile(outside); !errors.Is(err, syscall.ENOKEY) {
		w.t.Errorf("reading the hard link outside the tree after the key's removal: %v, want ENOKEY", err)
	}
}

func (w *noKeyWorld) assertRootEmpty() {
	w.t.Helper()
	ents, err := os.ReadDir(w.root)
	if err != nil {
		w.t.Fatalf("the root folder itself must stay (empty, encrypted with a dead key): %v", err)
	}
	if len(ents) != 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		w.t.Errorf("left in the no-key root: %v", names)
	}
	if id, err := cryptoerase.PolicyID(mustOpen(w.t, w.root)); err != nil || id != w.key {
		w.t.Errorf("the root's policy after the wipe: %v, %v; want the session's key %v", id, err, w.key)
	}
}

func mustOpen(t *testing.T, p string) *os.File {
	t.Helper()
	f, err := os.Open(p)
	mustDo(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestNoKeyTreeWiped: the whole session, then the wipe of the no-key tree,
// with the root closed to the public during the wipe (Téléchargements) and
// left open (a root the agent cannot close, or a home). Everything inside
// goes, the counts are right, the wipe is verified, nothing outside is
// touched, and the root folder itself stays, empty.
func TestNoKeyTreeWiped(t *testing.T) {
	for _, closeRoot := range []bool{true, false} {
		name := "root left open"
		if closeRoot {
			name = "root closed during the wipe"
		}
		t.Run(name, func(t *testing.T) {
			w := newNoKeyWorld(t)
			w.start()
			w.fill()
			d := w.end()
			defer d.Close()
			ents, err := os.ReadDir(w.root)
			mustDo(t, err)
			for _, e := range ents {
				if strings.Contains(e.Name(), "avis") || strings.Contains(e.Name(), "dossier") {
					t.Fatalf("after the key's removal the root lists a plaintext name %q: the key is still there", e.Name())
				}
			}
			res := w.wipe(d, closeRoot, Hooks{})
			if !res.Verified || res.Leftover != 0 || len(res.RootErrors) != 0 {
				t.Fatalf("wipe of the no-key tree not verified: leftover %d, pending %+v, root errors %+v", res.Leftover, res.Pending, res.RootErrors)
			}
			want := Removed{Files: 5, Dirs: 2, Links: 2, Other: 1}
			got := res.Removed
			got.Bytes = 0
			if got != want {
				t.Errorf("removed %+v, want %+v", res.Removed, want)
			}
			if res.Kept != (Kept{}) || len(res.Security) != 0 {
				t.Errorf("kept %+v, security %+v; want nothing", res.Kept, res.Security)
			}
			w.assertRootEmpty()
			w.assertOutsideIntact()
			if closeRoot {
				var st unix.Stat_t
				mustDo(t, unix.Lstat(w.root, &st))
				if int(st.Uid) != w.uid || st.Mode&0o777 != 0o755 {
					t.Errorf("the root after the wipe: owner %d mode %o, want %d 755", st.Uid, st.Mode&0o777, w.uid)
				}
			}
		})
	}
}
