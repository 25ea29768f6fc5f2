package wipe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
			// Closing the no-key root to the public (mark, owner, mode:
			// safefs.LockForWipe) works without the key: seen while its
			// entries are removed.
			// So does closing each session folder before it is listed,
			// whether the root is closed or not.
			closed, nested, nestedClosed := 0, 0, 0
			lockedNow := func(p string) bool {
				var st unix.Stat_t
				if unix.Lstat(p, &st) != nil || st.Uid != 0 || st.Mode&0o777 != 0o700 {
					return false
				}
				_, err := unix.Lgetxattr(p, "trusted.ardoise.wipe", make([]byte, 64))
				return err == nil
			}
			hooks := Hooks{BeforeUnlink: func(rel string) {
				if lockedNow(w.root) {
					closed++
				}
				if strings.Contains(rel, "/") {
					nested++
					if lockedNow(filepath.Dir(filepath.Join(w.root, rel))) {
						nestedClosed++
					}
				}
			}}
			res := w.wipe(d, closeRoot, hooks)
			if closeRoot && closed == 0 {
				t.Error("the no-key root was not closed to the public while its entries were removed")
			}
			if nested != 3 || nestedClosed != nested {
				t.Errorf("%d of the %d entries in session folders were removed with their folder closed to the public; want all 3", nestedClosed, nested)
			}
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

// probeOp builds one system call for a probe: "op\x1earg\x1earg…"; ops are
// joined by "\x1d"; the probe prints one line per op: "ok" or the errno's
// name.
func probeOp(op string, args ...string) string {
	return strings.Join(append([]string{op}, args...), "\x1e")
}

// doProbeOp makes one probe system call, as whoever runs it.
func doProbeOp(spec string) string {
	f := strings.Split(spec, "\x1e")
	var err error
	switch f[0] {
	case "create":
		var fd int
		if fd, err = unix.Open(f[1], unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, 0o644); err == nil {
			unix.Close(fd)
		}
	case "mkdir":
		err = unix.Mkdir(f[1], 0o755)
	case "mkfifo":
		err = unix.Mkfifo(f[1], 0o644)
	case "symlink":
		err = unix.Symlink(f[1], f[2])
	case "link":
		err = unix.Linkat(unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], 0)
	case "rename":
		err = unix.Renameat2(unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], 0)
	case "exchange":
		err = unix.Renameat2(unix.AT_FDCWD, f[1], unix.AT_FDCWD, f[2], unix.RENAME_EXCHANGE)
	default:
		return "unknown op " + f[0]
	}
	var errno unix.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

// TestNoKeyProbe is the probe's body when the test binary is started by
// probeAs; otherwise it does nothing.
func TestNoKeyProbe(t *testing.T) {
	spec := os.Getenv("ARDOISE_NOKEY_PROBE")
	if spec == "" {
		t.Skip("the probe process of the no-key tests")
	}
	for _, op := range strings.Split(spec, "\x1d") {
		os.Stdout.WriteString(doProbeOp(op) + "\n")
	}
	os.Exit(0)
}

// probeAs makes the ops as the account, in a process of its own, and
// returns each one's outcome.
func (w *noKeyWorld) probeAs(ops ...string) []string {
	w.t.Helper()
	bin := filepath.Join(filepath.Dir(w.home), "probe.test")
	if _, err := os.Stat(bin); err != nil {
		data, err := os.ReadFile(os.Args[0])
		mustDo(w.t, err)
		mustDo(w.t, os.WriteFile(bin, data, 0o755))
	}
	cmd := exec.Command(bin, "-test.run=^TestNoKeyProbe$")
	cmd.Env = append(os.Environ(), "ARDOISE_NOKEY_PROBE="+strings.Join(ops, "\x1d"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(w.uid), Gid: uint32(w.uid)}}
	cmd.Dir = "/"
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("probe as the account: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != len(ops) {
		w.t.Fatalf("probe printed %q for %d ops", out, len(ops))
	}
	return got
}

// names lists the raw names of a folder, as root sees them.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	mustDo(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

type probeCase struct {
	what, op, want string
	root           bool // made by root, not the account
}

func (w *noKeyWorld) check(cases []probeCase) {
	w.t.Helper()
	var ops []string
	for _, c := range cases {
		if !c.root {
			ops = append(ops, c.op)
		}
	}
	got := w.probeAs(ops...)
	k := 0
	for _, c := range cases {
		var res string
		if c.root {
			res = doProbeOp(c.op)
		} else {
			res, k = got[k], k+1
		}
		who := "the account"
		if c.root {
			who = "root"
		}
		if res != c.want {
			w.t.Errorf("%s: %s: %s, want %s", who, c.what, res, c.want)
		}
	}
}

// TestNoKeyNamesCanOnlyDisappear checks, on the real kernel, the claim the
// wipe's by-name removal in a no-key tree rests on
// (safefs.Dir.FrozenWithoutKey). While the key is there, nothing from
// outside can be linked or renamed into the encrypted folder (EXDEV), by
// the account or by root; the kernel's one exception, a FIFO, socket or
// device node (it never encrypts those), is shown too: such an entry can
// enter while the key is present, and the wipe judges it like any other.
// Once the key is absent, the account and root alike can neither create,
// link, rename nor exchange anything inside the tree, nor move anything
// in or out (ENOKEY): names there can only disappear.
func TestNoKeyNamesCanOnlyDisappear(t *testing.T) {
	w := newNoKeyWorld(t)
	w.start()
	w.fill()
	dl, home := w.root, w.home
	guide := filepath.Join(home, "Guide.pdf")
	out, err := w.asKiosk("echo mine > own.txt && mkdir dossier-dehors && mkfifo tube-dehors && mkfifo tube-dehors2")
	if err != nil {
		t.Fatalf("%v %s", err, out)
	}
	own := filepath.Join(home, "own.txt")
	w.check([]probeCase{
		{what: "hard link of its own file from outside into the encrypted folder", op: probeOp("link", own, filepath.Join(dl, "x")), want: "EXDEV"},
		{what: "rename of its own file from outside into the encrypted folder", op: probeOp("rename", own, filepath.Join(dl, "x")), want: "EXDEV"},
		{what: "exchange of a session file with the library's Guide.pdf", op: probeOp("exchange", filepath.Join(dl, "a.txt"), guide), want: "EXDEV"},
		{what: "exchange of a session folder with a folder of its own outside", op: probeOp("exchange", filepath.Join(dl, "dossier-caf"), filepath.Join(home, "dossier-dehors")), want: "EXDEV"},
		{what: "hard link of the library's Guide.pdf into the encrypted folder", op: probeOp("link", guide, filepath.Join(dl, "guide")), want: "EXDEV", root: true},
		{what: "rename of the library's Guide.pdf into the encrypted folder", op: probeOp("rename", guide, filepath.Join(dl, "guide")), want: "EXDEV", root: true},
		{what: "rename of a FIFO from outside into the encrypted folder (the kernel's exception: never encrypted)", op: probeOp("rename", filepath.Join(home, "tube-dehors"), filepath.Join(dl, "tube-entre")), want: "ok"},
	})

	w.fs.RemoveKey(t, w.key)
	top := names(t, dl)
	var files []string
	var sub string
	for _, n := range top {
		var st unix.Stat_t
		mustDo(t, unix.Lstat(filepath.Join(dl, n), &st))
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			files = append(files, n)
		case unix.S_IFDIR:
			sub = n
		}
	}
	if len(files) != 3 || sub == "" || len(top) != 7 {
		t.Fatalf("no-key root lists %q; want 7 encoded names, three files and a folder among them", top)
	}
	inSub := names(t, filepath.Join(dl, sub))
	file := files[0]
	f1, f2 := filepath.Join(dl, files[0]), filepath.Join(dl, files[1])
	var subFile string
	for _, n := range inSub {
		var st unix.Stat_t
		mustDo(t, unix.Lstat(filepath.Join(dl, sub, n), &st))
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			subFile = filepath.Join(dl, sub, n)
		}
	}
	if subFile == "" {
		t.Fatalf("no file among %q", inSub)
	}
	var cases []probeCase
	for _, root := range []bool{false, true} {
		// Targets outside of each actor's own, so that a name the other
		// made cannot decide the outcome (a rename onto another link of
		// the same file does nothing and succeeds).
		out := filepath.Join(home, "sorti-compte")
		if root {
			out = filepath.Join(home, "sorti-root")
		}
		cases = append(cases,
			probeCase{what: "create a file", op: probeOp("create", filepath.Join(dl, "nouveau")), want: "ENOKEY", root: root},
			probeCase{what: "create a file in a sub-folder", op: probeOp("create", filepath.Join(dl, sub, "nouveau")), want: "ENOKEY", root: root},
			probeCase{what: "make a folder", op: probeOp("mkdir", filepath.Join(dl, "nouveau")), want: "ENOKEY", root: root},
			probeCase{what: "make a FIFO", op: probeOp("mkfifo", filepath.Join(dl, "nouveau")), want: "ENOKEY", root: root},
			probeCase{what: "make a symbolic link", op: probeOp("symlink", guide, filepath.Join(dl, "nouveau")), want: "ENOKEY", root: root},
			probeCase{what: "hard link of an entry inside, under a new name", op: probeOp("link", f1, filepath.Join(dl, "copie")), want: "ENOKEY", root: root},
			probeCase{what: "rename an entry over another one", op: probeOp("rename", f1, f2), want: "ENOKEY", root: root},
			probeCase{what: "exchange two entries", op: probeOp("exchange", f1, f2), want: "ENOKEY", root: root},
			probeCase{what: "move an entry of a sub-folder up", op: probeOp("rename", subFile, filepath.Join(dl, file)), want: "ENOKEY", root: root},
			probeCase{what: "exchange an entry with the library's Guide.pdf", op: probeOp("exchange", f1, guide), want: "ENOKEY", root: root},
			probeCase{what: "move an entry out of the tree", op: probeOp("rename", f1, out), want: "ENOKEY", root: root},
			// A new name outside, for a file that stays unreadable: the
			// tree's names do not change (checked below).
			probeCase{what: "link an entry out of the tree (allowed: adds a name outside, to a file that cannot be read)", op: probeOp("link", f1, out+"-lien"), want: "ok", root: root},
			probeCase{what: "rename its own file from outside into the tree", op: probeOp("rename", own, filepath.Join(dl, "x")), want: "ENOKEY", root: root},
			probeCase{what: "hard link of its own file from outside into the tree", op: probeOp("link", own, filepath.Join(dl, "x")), want: "ENOKEY", root: root},
			probeCase{what: "rename a FIFO from outside into the tree", op: probeOp("rename", filepath.Join(home, "tube-dehors2"), filepath.Join(dl, "x")), want: "ENOKEY", root: root},
		)
	}
	w.check(cases)
	if after := names(t, dl); strings.Join(after, "/") != strings.Join(top, "/") {
		t.Errorf("the no-key root's names changed: %q, then %q", top, after)
	}

	// And the wipe still empties it, by name, with nothing outside touched.
	d := w.openRoot()
	defer d.Close()
	res := w.wipe(d, false, Hooks{})
	if !res.Verified || res.Removed.Other != 2 {
		t.Errorf("wipe: verified %v, removed %+v (want the two FIFOs among them), pending %+v", res.Verified, res.Removed, res.Pending)
	}
	w.assertRootEmpty()
	w.assertOutsideIntact()
}

// noKeyAttack is the account's attack on a wipe of the no-key tree dir:
// as fast as it can, for every name it lists there (and in its
// sub-folders), it tries to exchange it with the library's file lib, to
// rename lib over it, to link lib in, to exchange and rename names of the
// tree among themselves, and to create new names. It prints how many
// calls it made and how many succeeded.
func noKeyAttack(stop chan os.Signal, dir string, libs ...string) {
	attempts, wins := 0, 0
	try := func(err error) {
		attempts++
		if err == nil {
			wins++
		}
	}
	for {
		select {
		case <-stop:
			fmt.Println(attempts, wins)
			os.Exit(0)
		default:
		}
		var all []string
		if ents, err := os.ReadDir(dir); err == nil {
			for _, e := range ents {
				p := filepath.Join(dir, e.Name())
				all = append(all, p)
				if e.IsDir() {
					if sub, err := os.ReadDir(p); err == nil {
						for _, s := range sub {
							all = append(all, filepath.Join(p, s.Name()))
						}
					}
				}
			}
		}
		for k, p := range all {
			q := all[(k+1)%len(all)]
			for _, lib := range libs {
				try(unix.Renameat2(unix.AT_FDCWD, p, unix.AT_FDCWD, lib, unix.RENAME_EXCHANGE))
				try(unix.Renameat2(unix.AT_FDCWD, lib, unix.AT_FDCWD, p, 0))
			}
			if q != p {
				try(unix.Renameat2(unix.AT_FDCWD, p, unix.AT_FDCWD, q, unix.RENAME_EXCHANGE))
				try(unix.Renameat2(unix.AT_FDCWD, p, unix.AT_FDCWD, q, 0))
			}
		}
		try(unix.Linkat(unix.AT_FDCWD, libs[0], unix.AT_FDCWD, filepath.Join(dir, "guide"), 0))
		try(unix.Symlink(libs[0], filepath.Join(dir, "lien")))
		try(unix.Mkdir(filepath.Join(dir, "nouveau"), 0o755))
	}
}

// TestRaceNoKeyWipe: hundreds of sessions in an encrypted root, each
// ended as the agent will (key removed, then the no-key tree wiped by
// name, the root left open so that every entry is removed through the
// frozen path, with the window between each check and its unlink
// widened), while the account attacks the tree as fast as it can
// (noKeyAttack), exchanging the tree's names with the library's
// Guide.pdf and with a FIFO of the library's (a FIFO, never encrypted, is
// the one kind of entry the kernel lets into an encrypted folder while
// its key is there: it is why the wipe takes names as frozen only once
// the key is absent). Not one of its calls may succeed once the key is gone,
// nothing outside the tree is ever deleted or changed, and every wipe is
// verified. The same attacker is first run while the key is there, where
// its renames inside the tree do succeed: it is not an attacker that
// cannot win.
func TestRaceNoKeyWipe(t *testing.T) {
	w := newNoKeyWorld(t)
	guide := filepath.Join(w.home, "Guide.pdf")
	lib, err := os.Open(guide)
	mustDo(t, err)
	defer lib.Close()
	var libSt unix.Stat_t
	mustDo(t, unix.Fstat(int(lib.Fd()), &libSt))
	// The library's FIFO (a printer's, say), root's, in the account's home.
	fifo := filepath.Join(w.home, "imprimante")
	mustDo(t, unix.Mkfifo(fifo, 0o644))
	// It is not held open: a descriptor on it, once the attacker has moved
	// it into the tree, would keep the tree's folder in use and the key
	// incompletely removed.
	var fifoSt unix.Stat_t
	mustDo(t, unix.Lstat(fifo, &fifoSt))
	fifoIntact := func(round int) {
		var now unix.Stat_t
		if err := unix.Lstat(fifo, &now); err != nil || now.Ino != fifoSt.Ino || now.Nlink != 1 {
			t.Fatalf("round %d: the library's FIFO was deleted or moved (%v, inode %d, links %d)", round, err, now.Ino, now.Nlink)
		}
	}
	defer safefs.SetRaceWindow(safefs.RaceUnlink, time.Millisecond)()
	defer safefs.SetRaceWindow(safefs.RaceRmdir, time.Millisecond)()
	defer safefs.SetRaceWindow(safefs.RaceOpen, time.Millisecond)()

	attempts, rounds := 0, raceRounds
	for round := 0; round < rounds; round++ {
		if round > 0 {
			// The next session start replaces the dead root.
			mustDo(t, os.Remove(w.root))
			mustDo(t, os.Remove(filepath.Join(w.home, "lien-dehors.pdf")))
		}
		w.start()
		w.fill()
		if round == 0 {
			// Not given the FIFO: with the key there it could move it into
			// the tree, and rename a session entry over it, as it may do
			// to anything in its home anyway.
			stop := attackerRaw(t, w.uid, w.home, "nokey", w.root, guide)
			time.Sleep(50 * time.Millisecond)
			var a, won int
			fmt.Sscan(stop(), &a, &won)
			if won == 0 {
				t.Fatalf("with the key there, the attacker's %d calls never succeeded: it cannot prove anything", a)
			}
			t.Logf("with the key there: %d of the attacker's %d calls succeeded (renames inside the tree)", won, a)
			// What it did stays in the tree, which the wipe empties.
		}
		w.fs.RemoveKey(t, w.key)
		d := w.openRoot()
		stop := attackerRaw(t, w.uid, w.home, "nokey", w.root, guide, fifo)
		time.Sleep(2 * time.Millisecond) // let it list the tree first
		res := w.wipe(d, false, Hooks{})
		var a, won int
		fmt.Sscan(stop(), &a, &won)
		d.Close()
		attempts += a
		mustDo(t, unix.Fstat(int(lib.Fd()), &libSt))
		if libSt.Nlink == 0 {
			t.Fatalf("round %d: the library's Guide.pdf was deleted: %+v", round, res)
		}
		fifoIntact(round)
		if won != 0 {
			t.Fatalf("round %d: %d of the account's %d calls on the no-key tree succeeded", round, won, a)
		}
		if !res.Verified || len(res.Security) != 0 || (round > 0 && res.Removed != (Removed{Files: 5, Dirs: 2, Links: 2, Other: 1, Bytes: res.Removed.Bytes})) {
			t.Fatalf("round %d: verified %v, removed %+v, security %+v, pending %+v, root errors %+v", round, res.Verified, res.Removed, res.Security, res.Pending, res.RootErrors)
		}
		w.assertRootEmpty()
		w.assertOutsideIntact()
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
	}
	t.Logf("%d rounds: the account made %d calls against the no-key trees during their wipes, none succeeded", rounds, attempts)
	if attempts == 0 {
		t.Fatal("the attacker made no call during the wipes: the test proves nothing")
	}
}
