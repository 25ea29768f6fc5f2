package safefs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The R1 tests race the agent's calls against a real process running as a
// real unprivileged account: this test binary, run again as that account
// with R1_ATTACKER set, plays the attacker.
func init() {
	switch os.Getenv("R1_ATTACKER") {
	case "":
		return
	case "mkdir":
		os.Exit(attackMkdir(os.Args[1], os.Args[2], os.Args[3]))
	case "move":
		os.Exit(attackMove(os.Args[1], os.Args[2]))
	}
	os.Exit(2)
}

// attackMkdir watches dir and, each time the folder name appears there,
// removes it and puts a hard link to target in its place: the
// CVE-2017-18078 swap.
func attackMkdir(dir, name, target string) int {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Stdout.WriteString("ready\n")
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return 1
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nb := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if string(bytes.TrimRight(nb, "\x00")) != name || ev.Mask&unix.IN_ISDIR == 0 {
				continue
			}
			p := filepath.Join(dir, name)
			if unix.Rmdir(p) == nil {
				unix.Link(target, p)
			}
		}
	}
}

// attackMove renames src to dst each time it reads a line, and says
// "moved" (or the error) when done: the trigger stands for the attacker's
// luck in hitting the moment between the agent's check and its act, which
// the race window then holds open.
func attackMove(src, dst string) int {
	in := bufio.NewScanner(os.Stdin)
	os.Stdout.WriteString("ready\n")
	for in.Scan() {
		if err := os.Rename(src, dst); err != nil {
			fmt.Fprintln(os.Stdout, "error", err)
			continue
		}
		os.Stdout.WriteString("moved\n")
	}
	return 0
}

type r1Account struct {
	name     string
	uid, gid uint32
	base     string // root-owned 0755 scratch folder
	home     string // the account's home, owned by it
	bin      string // this test binary, where the account can run it
}

// r1NewAccount makes a real account with its home in a scratch folder,
// and deletes it afterwards.
func r1NewAccount(t *testing.T) *r1Account {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent's side runs as root, the attacker as a real account")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd is missing")
	}
	base, err := os.MkdirTemp("", "ardoise-r1-")
	must(t, err)
	must(t, os.Chmod(base, 0o755))
	t.Cleanup(func() { os.RemoveAll(base) })
	name := fmt.Sprintf("ardr1%d", os.Getpid()%100000)
	home := filepath.Join(base, "home")
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", home, "--shell", "/bin/sh", "--user-group", name).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	must(t, err)
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	must(t, os.Mkdir(home, 0o755))
	must(t, os.Chown(home, uid, gid))
	exe, err := os.Executable()
	must(t, err)
	data, err := os.ReadFile(exe)
	must(t, err)
	bin := filepath.Join(base, "attacker")
	must(t, os.WriteFile(bin, data, 0o755))
	return &r1Account{name: name, uid: uint32(uid), gid: uint32(gid), base: base, home: home, bin: bin}
}

// attacker starts the attacker as the account and waits until it is
// ready. Its stdin and stdout are returned for the tests that drive it.
func (a *r1Account) attacker(t *testing.T, mode string, args ...string) (io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(a.bin, args...)
	cmd.Env = append(os.Environ(), "R1_ATTACKER="+mode)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	must(t, err)
	outp, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() {
		in.Close()
		cmd.Process.Kill()
		cmd.Wait()
		if stderr.Len() > 0 {
			t.Logf("attacker: %s", stderr.Bytes())
		}
	})
	out := bufio.NewScanner(outp)
	if !out.Scan() || out.Text() != "ready" {
		t.Fatalf("the attacker did not start: %q %s", out.Text(), stderr.Bytes())
	}
	return in, out
}

func (a *r1Account) mkdirAs(t *testing.T, rel string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(a.home, rel)
	must(t, os.MkdirAll(p, mode))
	for q := p; q != a.home; q = filepath.Dir(q) {
		must(t, os.Chown(q, int(a.uid), int(a.gid)))
	}
	return p
}

const r1Rounds = 200

// TestRC1_ChownByNameAfterMkdir: the account swaps the folder the agent has
// just made in its home for a hard link to a root-owned 0666 file outside;
// the agent must never give that file to the account (the systemd-tmpfiles
// CVE-2017-18078 pattern).
func TestRC1_ChownByNameAfterMkdir(t *testing.T) {
	a := r1NewAccount(t)
	outside := filepath.Join(a.base, "outside")
	must(t, os.Mkdir(outside, 0o755))
	target := filepath.Join(outside, "shadow-like")
	must(t, os.WriteFile(target, []byte("root's\n"), 0o666))
	must(t, os.Chmod(target, 0o666))
	trust := RootOptions{TrustedUIDs: []uint32{a.uid}}
	home, err := OpenRoot(a.home, trust)
	must(t, err)
	defer home.Close()
	// Unraced, every folder made is the account's, mode 0700.
	d, err := home.MkdirBeneath(".local/share/Trash", a.uid, a.gid, trust)
	must(t, err)
	d.Close()
	for _, rel := range []string{".local", ".local/share", ".local/share/Trash"} {
		var st unix.Stat_t
		must(t, unix.Lstat(filepath.Join(a.home, rel), &st))
		if st.Uid != a.uid || st.Gid != a.gid || st.Mode&0o7777 != 0o700 {
			t.Errorf("%s: uid %d gid %d mode %o, want the account's, 0700", rel, st.Uid, st.Gid, st.Mode&0o7777)
		}
	}

	a.attacker(t, "mkdir", a.home, ".cache", target)
	defer SetRaceWindow(RaceMkdir, 2*time.Millisecond)()
	swapped := 0
	for i := 0; i < r1Rounds; i++ {
		os.RemoveAll(filepath.Join(a.home, ".cache")) // a link goes as a link
		d, err := home.MkdirBeneath(".cache/thumbnails", a.uid, a.gid, trust)
		var st unix.Stat_t
		must(t, unix.Lstat(target, &st))
		if st.Uid != 0 || st.Gid != 0 || st.Mode&0o7777 != 0o666 {
			t.Fatalf("round %d: the file outside is now uid %d gid %d mode %o: the agent changed it by name", i, st.Uid, st.Gid, st.Mode&0o7777)
		}
		if err != nil {
			switch {
			case errors.Is(err, ErrChanged):
				swapped++
			case errors.Is(err, ErrNotDir):
				// The link was there before the mkdirat: nothing made.
			default:
				t.Errorf("round %d: MkdirBeneath failed without saying the folder was replaced: %v", i, err)
			}
			continue
		}
		in := d.Info()
		d.Close()
		if !in.IsDir() || in.UID != a.uid || in.Mode.Perm() != 0o700 {
			t.Errorf("round %d: MkdirBeneath succeeded on %v owned by %d", i, in.Mode, in.UID)
		}
	}
	t.Logf("the attacker swapped the new folder in %d of %d rounds", swapped, r1Rounds)
	if swapped == 0 {
		t.Fatal("the attacker never won the race: the test proved nothing")
	}
}

// r1ReplaceSetup gives the account ~/.local/share/recently-used.xbel and
// the library a root-owned ~/Bureau/Guide.pdf that the account can move
// (it can write Bureau), and returns the held share folder.
type r1Replace struct {
	share, bureau *Dir
	sharePath     string
	guidePath     string
}

func r1ReplaceSetup(t *testing.T, a *r1Account) *r1Replace {
	t.Helper()
	r := &r1Replace{sharePath: a.mkdirAs(t, ".local/share", 0o755)}
	bureau := a.mkdirAs(t, "Bureau", 0o755)
	r.guidePath = filepath.Join(bureau, "Guide.pdf")
	trust := RootOptions{TrustedUIDs: []uint32{a.uid}}
	var err error
	r.share, err = OpenRoot(r.sharePath, trust)
	must(t, err)
	t.Cleanup(func() { r.share.Close() })
	return r
}

// round puts the session's list and the library's guide in place and
// returns the guide's identity and the list as the caller judges it.
func (r *r1Replace) round(t *testing.T, a *r1Account) (guide unix.Stat_t, judged Info) {
	t.Helper()
	os.Remove(filepath.Join(r.sharePath, "recently-used.xbel"))
	os.Remove(filepath.Join(r.sharePath, ".recently-used.xbel.ardoise-tmp"))
	os.Remove(r.guidePath)
	list := filepath.Join(r.sharePath, "recently-used.xbel")
	must(t, os.WriteFile(list, []byte("<xbel>cv.pdf</xbel>\n"), 0o600))
	must(t, os.Chown(list, int(a.uid), int(a.gid)))
	must(t, os.WriteFile(r.guidePath, []byte("the library's guide\n"), 0o644))
	must(t, unix.Lstat(r.guidePath, &guide))
	judged, err := r.share.Stat("recently-used.xbel")
	must(t, err)
	if judged.UID != a.uid {
		t.Fatalf("setup: the list is uid %d", judged.UID)
	}
	return guide, judged
}

// guideSurvives says whether the guide still exists, whole and root's,
// at one of the names the attacker may have given it.
func (r *r1Replace) guideSurvives(guide unix.Stat_t) bool {
	for _, p := range []string{r.guidePath, filepath.Join(r.sharePath, "recently-used.xbel"), filepath.Join(r.sharePath, ".recently-used.xbel.ardoise-tmp")} {
		var st unix.Stat_t
		if unix.Lstat(p, &st) != nil || st.Ino != guide.Ino || st.Dev != guide.Dev {
			continue
		}
		b, err := os.ReadFile(p)
		return err == nil && string(b) == "the library's guide\n" && st.Uid == 0 && st.Mode&0o7777 == 0o644
	}
	return false
}

// TestRC1_ReplaceFileTempName: the account moves a library file onto the
// name the agent used for its temporary file; the agent must not delete
// it, and must still empty the session's list.
func TestRC1_ReplaceFileTempName(t *testing.T) {
	a := r1NewAccount(t)
	r := r1ReplaceSetup(t, a)
	in, out := a.attacker(t, "move", r.guidePath, filepath.Join(r.sharePath, ".recently-used.xbel.ardoise-tmp"))
	for i := 0; i < r1Rounds; i++ {
		guide, judged := r.round(t, a)
		io.WriteString(in, "go\n")
		if !out.Scan() || out.Text() != "moved" {
			t.Fatalf("round %d: the attacker says %q", i, out.Text())
		}
		err := r.share.ReplaceFile("recently-used.xbel", &judged.Identity, []byte("<xbel/>\n"), 0o600, a.uid, a.gid)
		if !r.guideSurvives(guide) {
			t.Fatalf("round %d: the library's guide, moved to the temporary name, was deleted or changed by the agent (ReplaceFile: %v)", i, err)
		}
		if err != nil {
			t.Fatalf("round %d: the session's list was not emptied: %v", i, err)
		}
		if b, _ := os.ReadFile(filepath.Join(r.sharePath, "recently-used.xbel")); string(b) != "<xbel/>\n" {
			t.Fatalf("round %d: the list holds %q", i, b)
		}
	}
}

// TestRC1_ReplaceFileSwappedTarget: between the agent's check of the
// session's list and its replacement, the account moves a library file
// onto the list's name; the agent must neither delete nor write it.
func TestRC1_ReplaceFileSwappedTarget(t *testing.T) {
	a := r1NewAccount(t)
	r := r1ReplaceSetup(t, a)
	in, out := a.attacker(t, "move", r.guidePath, filepath.Join(r.sharePath, "recently-used.xbel"))
	defer SetRaceWindow(RaceReplace, 3*time.Millisecond)()
	refused := 0
	for i := 0; i < r1Rounds; i++ {
		guide, judged := r.round(t, a)
		io.WriteString(in, "go\n") // strikes while ReplaceFile runs
		err := r.share.ReplaceFile("recently-used.xbel", &judged.Identity, []byte("<xbel/>\n"), 0o600, a.uid, a.gid)
		if !out.Scan() || out.Text() != "moved" {
			t.Fatalf("round %d: the attacker says %q", i, out.Text())
		}
		if !r.guideSurvives(guide) {
			t.Fatalf("round %d: the library's guide, moved onto the list's name, was deleted or changed by the agent (ReplaceFile: %v)", i, err)
		}
		if err != nil {
			refused++
			if !errors.Is(err, ErrChanged) && !errors.Is(err, ErrNotRegular) {
				t.Errorf("round %d: ReplaceFile failed without saying the file was replaced: %v", i, err)
			}
		}
	}
	t.Logf("ReplaceFile found the guide in place of the list in %d of %d rounds", refused, r1Rounds)
}
