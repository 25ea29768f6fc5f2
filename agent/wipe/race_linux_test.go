package wipe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"golang.org/x/sys/unix"
)

// The RC cases of docs/design.md: the public attacks the root agent by
// swapping names while the wipe acts on them. The attacker is a real
// process of a real account, the wipe runs as root, and each race is run
// for hundreds of rounds with the window between the check and the act
// widened (safefs.SetRaceWindow), so that a race that can be won is won.

const raceRounds = 200

// raceAccount makes a local account for the test and a home it owns in a
// folder every account can reach.
func raceAccount(t *testing.T) (uid int, home string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the attacker is another account, the wipe runs as root")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd is missing")
	}
	base, err := os.MkdirTemp("", "ardoise-race-")
	mustDo(t, err)
	mustDo(t, os.Chmod(base, 0o755))
	t.Cleanup(func() { os.RemoveAll(base) })
	return raceAccountIn(t, base)
}

// raceAccountIn is raceAccount with the home made in base, a folder every
// account can reach (the mount point of a test's own file system).
func raceAccountIn(t *testing.T, base string) (uid int, home string) {
	t.Helper()
	name := fmt.Sprintf("ardrace%d", os.Getpid()%100000)
	exec.Command("userdel", name).Run()
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	mustDo(t, err)
	uid, _ = strconv.Atoi(u.Uid)
	home = filepath.Join(base, "home")
	mustDo(t, os.Mkdir(home, 0o755))
	mustDo(t, os.Chown(home, uid, uid))
	return uid, home
}

// attacker starts the test binary again as uid, looping on one attack
// until stopped: "exchange A B" swaps two names with RENAME_EXCHANGE as
// fast as it can.
func attacker(t *testing.T, uid int, home string, args ...string) (stop func() int) {
	t.Helper()
	stopRaw := attackerRaw(t, uid, home, args...)
	return func() int {
		n, _ := strconv.Atoi(strings.TrimSpace(stopRaw()))
		return n
	}
}

// attackerRaw is attacker, the stop function returning what the attacker
// printed when it was stopped.
func attackerRaw(t *testing.T, uid int, home string, args ...string) (stop func() string) {
	t.Helper()
	bin := filepath.Join(filepath.Dir(home), "attacker.test")
	if _, err := os.Stat(bin); err != nil {
		data, err := os.ReadFile(os.Args[0])
		mustDo(t, err)
		mustDo(t, os.WriteFile(bin, data, 0o755))
	}
	cmd := exec.Command(bin, "-test.run=^TestRaceAttacker$")
	cmd.Env = append(os.Environ(), "ARDOISE_ATTACK="+strings.Join(args, "\x1f"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	cmd.Dir = "/"
	out, err := cmd.StdoutPipe()
	mustDo(t, err)
	mustDo(t, cmd.Start())
	ready := make([]byte, 1)
	if _, err := out.Read(ready); err != nil {
		t.Fatalf("attacker did not start: %v", err)
	}
	return func() string {
		cmd.Process.Signal(syscall.SIGTERM)
		var wins []byte
		buf := make([]byte, 64)
		for {
			n, err := out.Read(buf)
			wins = append(wins, buf[:n]...)
			if err != nil {
				break
			}
		}
		cmd.Wait()
		return string(wins)
	}
}

// TestRaceAttacker is the attacker's body when the test binary is started
// by attacker(); otherwise it does nothing.
func TestRaceAttacker(t *testing.T) {
	spec := os.Getenv("ARDOISE_ATTACK")
	if spec == "" {
		t.Skip("the attacker process of the R tests")
	}
	args := strings.Split(spec, "\x1f")
	stop := make(chan os.Signal, 1)
	signalNotify(stop)
	os.Stdout.Write([]byte("r"))
	swaps := 0
	switch args[0] {
	case "exchange":
		for {
			select {
			case <-stop:
				fmt.Println(swaps)
				os.Exit(0)
			default:
			}
			if unix.Renameat2(unix.AT_FDCWD, args[1], unix.AT_FDCWD, args[2], unix.RENAME_EXCHANGE) == nil {
				swaps++
			}
		}
	case "nokey":
		noKeyAttack(stop, args[1], args[2:]...)
	}
	t.Fatalf("unknown attack %q", args[0])
}

// raceWipe takes the baseline of roots under home, lets session make the
// session's entries, and wipes as root.
type raceWorld struct {
	t     *testing.T
	uid   int
	home  string
	roots []string
	dirs  []*safefs.Dir
	set   *baseline.Set
	// closeRoots lets the wipe close the roots themselves (as the agent
	// does for Téléchargements); off, every entry lying directly in a root
	// goes through the quarantine.
	closeRoots bool
	hooks      Hooks
}

func (w *raceWorld) open() {
	w.t.Helper()
	for _, d := range w.dirs {
		d.Close()
	}
	w.dirs = nil
	for _, r := range w.roots {
		d, err := safefs.OpenRoot(filepath.Join(w.home, r), safefs.RootOptions{TrustedUIDs: []uint32{uint32(w.uid)}})
		mustDo(w.t, err)
		w.dirs = append(w.dirs, d)
	}
	set, err := baseline.Take(context.Background(), w.dirs)
	mustDo(w.t, err)
	w.set = set
}

func (w *raceWorld) wipe() Result {
	cfg := Config{Baseline: w.set, Hooks: w.hooks}
	for _, d := range w.dirs {
		cfg.Roots = append(cfg.Roots, Root{Dir: d, Scope: "session", Owners: []uint32{uint32(w.uid)}, CloseDuringWipe: w.closeRoots})
	}
	return Run(context.Background(), cfg)
}

// kioskFile writes a file owned by the account, as the person's download.
func kioskFile(t *testing.T, uid int, p, content string) {
	t.Helper()
	mustDo(t, os.WriteFile(p, []byte(content), 0o644))
	mustDo(t, os.Chown(p, uid, uid))
}

func kioskDir(t *testing.T, uid int, p string) {
	t.Helper()
	mustDo(t, os.Mkdir(p, 0o755))
	mustDo(t, os.Chown(p, uid, uid))
}

// swapRace runs raceRounds rounds of one race: make puts the session's
// entry in place, the account exchanges the names a and b as fast as it
// can while the roots are wiped, then the library's entry lib (held open,
// so found whatever its name) must still exist, and restore puts the world
// back for the next round. Swaps caught at the moment of removal are
// counted from the wipe's security events; a run in which the account
// never swapped proves nothing and fails.
func swapRace(t *testing.T, w *raceWorld, lib *os.File, what, a, b string, make func(), restore func(round int, res Result, libIno uint64)) {
	t.Helper()
	caught, swaps := 0, 0
	for round := 0; round < raceRounds; round++ {
		w.open()
		make()
		stop := attacker(t, w.uid, w.home, "exchange", a, b)
		res := w.wipe()
		swaps += stop()
		for _, s := range res.Security {
			if s.Reason == reasonSwapped {
				caught++
			}
		}
		var st unix.Stat_t
		mustDo(t, unix.Fstat(int(lib.Fd()), &st))
		if st.Nlink == 0 {
			t.Fatalf("round %d: %s was deleted by the wipe (%d swaps by the account so far); result %+v", round, what, swaps, res)
		}
		restore(round, res, st.Ino)
	}
	t.Logf("%d rounds: the account swapped the names %d times; the wipe caught %d swaps at the moment of removal", raceRounds, swaps, caught)
	if swaps == 0 {
		t.Fatal("the attacker never swapped: the test proves nothing")
	}
}

// TestRC2_UnlinkByNameAfterCheck: during the wipe, the account exchanges the
// name of the session file about to be removed with a library file that
// was there before (Bureau/Guide.pdf, root's). The library file must never
// be deleted, whichever name it has when the wipe looks; a swap that was
// caught is reported as a security event.
func TestRC2_UnlinkByNameAfterCheck(t *testing.T) {
	for _, closeRoots := range []bool{false, true} {
		t.Run(fmt.Sprintf("roots closed during the wipe %v", closeRoots), func(t *testing.T) { unlinkRace(t, closeRoots) })
	}
}

func unlinkRace(t *testing.T, closeRoots bool) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads", "Bureau"}, closeRoots: closeRoots}
	for _, r := range w.roots {
		kioskDir(t, uid, filepath.Join(home, r))
	}
	guide := filepath.Join(home, "Bureau", "Guide.pdf")
	mustDo(t, os.WriteFile(guide, []byte("le guide de la médiathèque"), 0o644))
	lib, err := os.Open(guide) // held to find the library file whatever its name
	mustDo(t, err)
	defer lib.Close()
	doc := filepath.Join(home, "Downloads", "avis-impot.pdf")
	defer safefs.SetRaceWindow(safefs.RaceUnlink, time.Millisecond)()

	swapRace(t, w, lib, "the library's Guide.pdf", doc, guide,
		func() { kioskFile(t, uid, doc, "avis d'impôt de la personne") },
		func(round int, res Result, libIno uint64) {
			// Put the world back as the library had it, for the next
			// round: after a caught swap the guide is at the download's
			// name and the download, kept as "replaced", at the guide's.
			var ds unix.Stat_t
			if derr := unix.Lstat(doc, &ds); derr == nil && ds.Ino == libIno {
				mustDo(t, os.Remove(guide))
				mustDo(t, os.Rename(doc, guide))
			} else if derr == nil {
				mustDo(t, os.Remove(doc))
			}
			var gs unix.Stat_t
			if err := unix.Lstat(guide, &gs); err != nil || gs.Ino != libIno {
				t.Fatalf("round %d: the guide is not at its name any more (%v): %+v", round, err, res)
			}
		})
}

// TestRC2_RmdirByNameAfterCheck: the same race on a folder. The session's
// empty folder Downloads/nouveau is about to be removed when the account
// exchanges its name with the library's empty folder Downloads/Formulaires
// (root's, there before). The library's folder must never be removed.
func TestRC2_RmdirByNameAfterCheck(t *testing.T) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}}
	kioskDir(t, uid, filepath.Join(home, "Downloads"))
	forms := filepath.Join(home, "Downloads", "Formulaires")
	mustDo(t, os.Mkdir(forms, 0o755))
	lib, err := os.Open(forms)
	mustDo(t, err)
	defer lib.Close()
	made := filepath.Join(home, "Downloads", "nouveau")
	defer safefs.SetRaceWindow(safefs.RaceRmdir, time.Millisecond)()

	swapRace(t, w, lib, "the library's folder Formulaires", made, forms,
		func() { kioskDir(t, uid, made) },
		func(round int, res Result, libIno uint64) {
			var ms unix.Stat_t
			if unix.Lstat(made, &ms) == nil {
				if ms.Ino == libIno {
					// The library's folder under the session folder's
					// name: the session's is at Formulaires (kept:
					// "replaced" does not apply to folders, it is new and
					// emptied).
					os.Remove(forms)
					mustDo(t, os.Rename(made, forms))
				} else {
					mustDo(t, os.Remove(made))
				}
			}
			var fs unix.Stat_t
			if err := unix.Lstat(forms, &fs); err != nil || fs.Ino != libIno {
				t.Fatalf("round %d: Formulaires is not the library's folder any more (%v): %+v", round, err, res)
			}
		})
}

// TestRC2_SessionFolderClosedBeforeListing: inside a folder the session
// made, entries are removed by name, which is safe only because the wipe
// closes that folder to the public before listing it. The account loops
// exchanging a document inside it with the library's Bureau/Guide.pdf.
func TestRC2_SessionFolderClosedBeforeListing(t *testing.T) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads", "Bureau"}}
	for _, r := range w.roots {
		kioskDir(t, uid, filepath.Join(home, r))
	}
	guide := filepath.Join(home, "Bureau", "Guide.pdf")
	mustDo(t, os.WriteFile(guide, []byte("le guide"), 0o644))
	lib, err := os.Open(guide)
	mustDo(t, err)
	defer lib.Close()
	folder := filepath.Join(home, "Downloads", "dossier-caf")
	doc := filepath.Join(folder, "attestation.pdf")
	defer safefs.SetRaceWindow(safefs.RaceUnlink, time.Millisecond)()
	defer safefs.SetRaceWindow(safefs.RaceOpen, time.Millisecond)()

	swapRace(t, w, lib, "the library's Guide.pdf", doc, guide,
		func() {
			kioskDir(t, uid, folder)
			kioskFile(t, uid, doc, "attestation CAF")
		},
		func(round int, res Result, libIno uint64) {
			// Back to the start: the guide at its name, no session folder.
			var gs unix.Stat_t
			if unix.Lstat(guide, &gs) != nil || gs.Ino != libIno {
				var ds unix.Stat_t
				if unix.Lstat(doc, &ds) != nil || ds.Ino != libIno {
					t.Fatalf("round %d: the guide is neither at its name nor at the document's: %+v", round, res)
				}
				os.Remove(guide)
				mustDo(t, os.Rename(doc, guide))
			}
			if err := os.RemoveAll(folder); err != nil {
				t.Fatal(err)
			}
		})
}

// TestRC3_PlantedOverLibraryName: the account saves its own file over the
// library's Bureau/Guide.pdf (a rename over it, as editors save). The
// library's rule keeps the new file (B3: never delete what stands at a
// name that was there), but that is how a person can make a file survive
// the wipe for the next one, so it is reported as a security event with
// the entry, not counted as an edit.
func TestRC3_PlantedOverLibraryName(t *testing.T) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Bureau"}}
	kioskDir(t, uid, filepath.Join(home, "Bureau"))
	guide := filepath.Join(home, "Bureau", "Guide.pdf")
	mustDo(t, os.WriteFile(guide, []byte("le guide"), 0o644))
	w.open()
	planted := filepath.Join(home, "Bureau", ".x")
	kioskFile(t, uid, planted, "message pour la personne suivante")
	cmd := exec.Command("mv", planted, guide)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mv as the account: %v %s", err, out)
	}
	res := w.wipe()
	if res.Kept.Replaced != 1 {
		t.Errorf("kept as replaced: %d, want 1 (the library's rule)", res.Kept.Replaced)
	}
	if len(res.Security) != 1 || res.Security[0].Rel != "Guide.pdf" || res.Security[0].Reason != reasonReplaced {
		t.Fatalf("security events %+v, want one for Guide.pdf", res.Security)
	}
	if _, err := os.Lstat(guide); err != nil {
		t.Errorf("the file at the library's name was removed: %v", err)
	}
}

// TestRC2_SessionFolderKeptIsGivenBack: a folder of the session that the
// wipe closed to the public but could not remove (another account's file
// is in it, and is kept) gets back its owner and mode, and loses the mark.
func TestRC2_SessionFolderKeptIsGivenBack(t *testing.T) {
	uid, home := raceAccount(t)
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}}
	kioskDir(t, uid, filepath.Join(home, "Downloads"))
	w.open()
	folder := filepath.Join(home, "Downloads", "scans")
	kioskDir(t, uid, folder)
	mustDo(t, os.Chmod(folder, 0o750))
	kioskFile(t, uid, filepath.Join(folder, "mine.pdf"), "du compte public")
	mustDo(t, os.WriteFile(filepath.Join(folder, "root.pdf"), []byte("de root"), 0o644)) // foreign: kept
	res := w.wipe()
	if res.Kept.Foreign != 1 || res.Removed.Files != 1 {
		t.Fatalf("removed %+v, kept %+v; want mine.pdf removed and root.pdf kept", res.Removed, res.Kept)
	}
	var st unix.Stat_t
	mustDo(t, unix.Lstat(folder, &st))
	if int(st.Uid) != uid || st.Mode&0o777 != 0o750 {
		t.Errorf("the kept folder is owned by %d with mode %o; want %d and 750 as before the wipe", st.Uid, st.Mode&0o777, uid)
	}
	if _, err := unix.Lgetxattr(folder, "trusted.ardoise.wipe", make([]byte, 64)); err == nil {
		t.Error("the kept folder still carries the wipe's mark")
	}
}

// TestRC2_RootClosedDuringWipeIsGivenBack: a root the wipe closes to the
// public while it works (Téléchargements) is the account's again, with its
// mode, when the wipe ends; and one a crashed wipe left closed is given
// back by the next wipe.
func TestRC2_RootClosedDuringWipeIsGivenBack(t *testing.T) {
	uid, home := raceAccount(t)
	dl := filepath.Join(home, "Downloads")
	w := &raceWorld{t: t, uid: uid, home: home, roots: []string{"Downloads"}, closeRoots: true}
	kioskDir(t, uid, dl)
	mustDo(t, os.Chmod(dl, 0o750))
	w.open()
	kioskFile(t, uid, filepath.Join(dl, "cv.pdf"), "cv")
	closedMeanwhile := false
	w.hooks.BeforeUnlink = func(string) {
		var st unix.Stat_t
		closedMeanwhile = unix.Lstat(dl, &st) == nil && st.Uid == 0 && st.Mode&0o777 == 0o700
	}
	assertGivenBack := func(what string) {
		t.Helper()
		var st unix.Stat_t
		mustDo(t, unix.Lstat(dl, &st))
		if int(st.Uid) != uid || int(st.Gid) != uid || st.Mode&0o777 != 0o750 {
			t.Errorf("%s: Téléchargements is %d:%d mode %o, want %d:%d 750", what, st.Uid, st.Gid, st.Mode&0o777, uid, uid)
		}
		if _, err := unix.Lgetxattr(dl, "trusted.ardoise.wipe", make([]byte, 64)); err == nil {
			t.Errorf("%s: Téléchargements still carries the wipe's mark", what)
		}
	}
	res := w.wipe()
	if !res.Verified || res.Removed.Files != 1 {
		t.Fatalf("wipe: %+v", res)
	}
	if !closedMeanwhile {
		t.Error("the root was not closed to the public while its entries were removed")
	}
	assertGivenBack("after the wipe")

	// A wipe killed while the root was closed: the next one gives it back.
	kioskFile(t, uid, filepath.Join(dl, "cv2.pdf"), "cv")
	if ok, err := w.dirs[0].LockForWipe(); !ok || err != nil {
		t.Fatalf("LockForWipe: %v %v", ok, err)
	}
	res = w.wipe()
	if !res.Verified || res.Removed.Files != 1 {
		t.Fatalf("wipe after the crash: %+v", res)
	}
	assertGivenBack("after the wipe that followed a crash")
}
