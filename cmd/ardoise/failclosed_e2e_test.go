//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"golang.org/x/sys/unix"
)

// systemPolicyLab is the system service for a real kiosk account, with a
// session running, and the policy file it watches.
type systemPolicyLab struct {
	t       *testing.T
	account string
	home    string
	uid     int
	policy  string
	cli     func(asUID int, args ...string) (int, string)
	log     *syncBuffer
}

func newSystemPolicyLab(t *testing.T) *systemPolicyLab {
	name, uid, home := kioskAccount(t)
	// Programs are not ended: these cases are not about them, and the
	// command line run as the kiosk account would be one of them.
	cli, log := startSystemAgent(t, name, uid, home, false)
	l := &systemPolicyLab{t: t, account: name, home: home, uid: uid, policy: filepath.Join(filepath.Dir(home), "policy.yaml"), cli: cli, log: log}
	l.replace(func(tmp string) error {
		return os.WriteFile(tmp, []byte(l.valid(name, "Version A")), 0o644)
	})
	l.waitFor("the first notice", func() bool { return l.notice() == "Version A" })
	return l
}

func (l *systemPolicyLab) valid(account, notice string) string {
	return fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true, end_programs: false}\nroots: [{path: '{downloads}'}]\ntraces: [thumbnails]\nnotice: {text: {fr: %q}}\n", account, notice)
}

// replace puts what make writes at a temporary name over the policy, by
// rename, as configuration tools do.
func (l *systemPolicyLab) replace(make func(tmp string) error) {
	l.t.Helper()
	tmp := l.policy + ".tmp"
	os.Remove(tmp)
	if err := make(tmp); err != nil {
		l.t.Fatal(err)
	}
	if err := os.Rename(tmp, l.policy); err != nil {
		l.t.Fatal(err)
	}
}

func (l *systemPolicyLab) notice() string {
	code, out := l.cli(l.uid, "session", "status", "--json")
	if code != 0 {
		return ""
	}
	var st statusJSON
	if json.Unmarshal([]byte(out), &st) != nil {
		return ""
	}
	return st.Notice.Text["fr"]
}

func (l *systemPolicyLab) waitFor(what string, cond func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out waiting for %s; agent:\n%s", what, l.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRC13_PolicyRefusalLeaksNoFile: in the running system service, the
// policy is replaced by a link to /etc/shadow, then by a root-only file of
// secrets, then by a file of the kiosk account's. Each is refused and the
// running policy stays, and not one line of those files reaches the log.
func TestRC13_PolicyRefusalLeaksNoFile(t *testing.T) {
	l := newSystemPolicyLab(t)
	dir := filepath.Dir(l.policy)
	secret := filepath.Join(dir, "secret.yaml")
	if err := os.WriteFile(secret, []byte("api_token: r13-hunter2-token\nroots_of_trust: r13-second-line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	leaks := []string{"r13-hunter2-token", "r13-second-line", "api_token", "roots_of_trust"}
	if b, err := os.ReadFile("/etc/shadow"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if len(line) > 8 {
				leaks = append(leaks, line)
			}
		}
	}
	refusals := 0
	refused := func(what string) {
		t.Helper()
		refusals++
		l.waitFor(what+" refused", func() bool {
			return strings.Count(l.log.String(), "the changed policy is refused") >= refusals
		})
		if got := l.notice(); got != "Version A" {
			t.Errorf("after %s the notice is %q; the last good policy must stay", what, got)
		}
	}
	l.replace(func(tmp string) error { return os.Symlink("/etc/shadow", tmp) })
	refused("a link to /etc/shadow")
	l.replace(func(tmp string) error { return os.Symlink(secret, tmp) })
	refused("a link to a root-only file")
	l.replace(func(tmp string) error {
		b, _ := os.ReadFile(secret)
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return err
		}
		return os.Chown(tmp, l.uid, l.uid)
	})
	refused("a file of the kiosk account's")
	log := l.log.String()
	for _, s := range leaks {
		if strings.Contains(log, s) {
			t.Errorf("the log repeats %q from a refused file:\n%s", s, log)
		}
	}
	if !strings.Contains(log, "symbolic link") || !strings.Contains(log, "not root") {
		t.Errorf("the refusals do not say why (link, owner):\n%s", log)
	}
}

// TestRC14_PolicyFIFODoesNotBlockReload: in the running system service,
// the policy is replaced by a FIFO nobody writes to; 1.3 s later a valid
// policy is renamed over it. The FIFO is refused at once, the last good
// policy stays meanwhile, and the valid policy is taken.
func TestRC14_PolicyFIFODoesNotBlockReload(t *testing.T) {
	l := newSystemPolicyLab(t)
	l.replace(func(tmp string) error { return syscall.Mkfifo(tmp, 0o644) })
	l.waitFor("the FIFO refused", func() bool { return strings.Contains(l.log.String(), "named pipe") })
	time.Sleep(1300 * time.Millisecond)
	if got := l.notice(); got != "Version A" {
		t.Errorf("with a FIFO as policy the notice is %q; the last good policy must stay", got)
	}
	l.replace(func(tmp string) error { return os.WriteFile(tmp, []byte(l.valid(l.account, "Version B")), 0o644) })
	l.waitFor("the valid policy after the FIFO", func() bool { return l.notice() == "Version B" })
}

// setImmutable sets or clears the immutable flag: an immutable file cannot
// be unlinked, even by root, which is what a wipe that leaves something
// meets.
func setImmutable(t *testing.T, flag, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
		t.Skipf("chattr %s %s: %v %s (needs root on a file system with the immutable flag)", flag, path, err, out)
	}
}

// TestRC15_SessionEndSaysWhatIsLeft: a session ends with a file that cannot
// be erased. session end exits 1 and says plainly that documents are still
// on the computer, that no session starts until they are erased, when it
// is tried again and what staff should do; never "(ok)".
func TestRC15_SessionEndSaysWhatIsLeft(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for chattr +i")
	}
	s := newScratch(t)
	a := s.startAgent(t)
	s.awaitActive(t, a, "")
	locked := filepath.Join(s.home, "Downloads", "verrouille.pdf")
	os.WriteFile(locked, []byte("x"), 0o644)
	setImmutable(t, "+i", locked)
	t.Cleanup(func() { exec.Command("chattr", "-i", locked).Run() })

	code, out, errOut := s.cli(t, "session", "end")
	if code != 1 {
		t.Fatalf("session end with an undeletable file: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"NOT ERASED", "still on this computer", "No new session can start", "next session start", "Staff:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("session end does not say %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "(ok)") || strings.Contains(errOut, "next start of the agent") {
		t.Errorf("session end reads as if all were well, or says the wrong time for the retry:\n%s", errOut)
	}
	if !strings.Contains(out, "NOT ERASED") {
		t.Errorf("the report line does not say something is not erased:\n%s", out)
	}
	setImmutable(t, "-i", locked)
	a.stop(t)
}

// asPerson runs a shell command as the kiosk account, in its home.
func (l *systemPolicyLab) asPerson(script string) {
	l.t.Helper()
	cmd := runAs(l.uid, "sh", "-c", script)
	cmd.Dir = l.home
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("as the person: %s: %v\n%s", script, err, out)
	}
}

func (l *systemPolicyLab) endSession() (int, ipc.WipeReport, string) {
	l.t.Helper()
	code, out := l.cli(l.uid, "session", "end", "--json")
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil && code == 0 {
		l.t.Fatalf("session end --json: %v: %s", err, out)
	}
	return code, rep, out
}

// TestRC11_DeletedFolderDoesNotJam: during a session the person deletes
// the downloads and the thumbnails folders (rm -rf). The end finishes: the
// report is verified and names the folders deleted, the log warns, and the
// next session starts (it used to get wipe_pending until a restart). A
// folder only moved is not "deleted": what the session left in it is
// erased through the handle.
func TestRC11_DeletedFolderDoesNotJam(t *testing.T) {
	l := newSystemPolicyLab(t)
	if code, _, out := l.endSession(); code != 0 {
		t.Fatalf("end of the first session: %d %s", code, out)
	}
	if code, out := l.cli(l.uid, "session", "start"); code != 0 {
		t.Fatalf("session start: %d %s", code, out)
	}
	l.asPerson(`echo cv > Downloads/cv.pdf && mkdir -p .cache/thumbnails/normal && echo png > .cache/thumbnails/normal/a.png && rm -rf Downloads .cache/thumbnails`)
	code, rep, out := l.endSession()
	if code != 0 || !rep.Verified || rep.PendingCount != 0 {
		t.Fatalf("session end after rm -rf of watched folders: exit %d\n%s\nagent:\n%s", code, out, l.log.String())
	}
	for _, label := range []string{"Téléchargements", "Miniatures d'images"} {
		if !slices.Contains(rep.Gone, label) {
			t.Errorf("the report does not name %q as deleted during the session: %v", label, rep.Gone)
		}
	}
	if n := strings.Count(l.log.String(), `level=WARN msg="a watched folder was deleted during the session`); n != 2 {
		t.Errorf("%d warnings in the log for the 2 deleted folders:\n%s", n, l.log.String())
	}
	l.asPerson(`mkdir Downloads`)
	if code, out := l.cli(l.uid, "session", "start"); code != 0 {
		t.Fatalf("session start after a session whose folders were deleted: %d %s\nagent:\n%s", code, out, l.log.String())
	}

	// Moved, not deleted: the folder lives on elsewhere with the session's
	// file in it, which is erased; the folder itself was there before.
	l.asPerson(`echo cv > Downloads/cv.pdf && mv Downloads Ailleurs`)
	code, rep, out = l.endSession()
	if code != 0 || !rep.Verified || len(rep.Gone) != 0 {
		t.Fatalf("session end after the downloads were moved: exit %d\n%s\nagent:\n%s", code, out, l.log.String())
	}
	if _, err := os.Lstat(filepath.Join(l.home, "Ailleurs", "cv.pdf")); !os.IsNotExist(err) {
		t.Errorf("the session's file in the moved folder survived: %v", err)
	}
	if _, err := os.Stat(filepath.Join(l.home, "Ailleurs")); err != nil {
		t.Errorf("the moved folder, there before the session, is gone: %v", err)
	}
}

// smallStateDisk mounts a tmpfs of size for the agent's state folder of s
// and returns the mount point; the home stays on the ordinary disk.
func smallStateDisk(t *testing.T, s *scratch, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small file system for the state folder")
	}
	mnt := t.TempDir()
	if err := unix.Mount("tmpfs", mnt, "tmpfs", 0, "size="+size+",mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, unix.MNT_DETACH) })
	s.state = filepath.Join(mnt, "state")
	return mnt
}

// fill writes a file on mnt until the disk is full, then gives back free
// pages of it (0: none), and returns the file's name.
func fill(t *testing.T, mnt string, free int) string {
	t.Helper()
	p := filepath.Join(mnt, "filler")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	for {
		if _, err := f.Write(page); err != nil {
			break
		}
	}
	fi, _ := f.Stat()
	pages := (fi.Size() + 4095) / 4096
	if err := f.Truncate(max(0, pages-int64(free)) * 4096); err != nil {
		t.Fatal(err)
	}
	return p
}

func (s *scratch) awaitIdle(t *testing.T, a *agentProc) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Not "wiping": an agent finishing a session left by a crash
		// is not ready yet.
		if st, err := s.status(t); err == nil && (st.State == "idle" || st.State == "pending") {
			return
		}
		if time.Now().After(deadline) || !a.running() {
			t.Fatalf("the agent does not answer; stderr:\n%s", a.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRC12_SessionWithoutJournalRefused: the state folder has room for the
// baseline but not for the journal. The session does not start: the
// command line gets a clear refusal for staff, the log says so at error
// level, and no session runs (a kill -9 now leaves nothing unerased). Once
// an administrator frees room and restarts the agent, sessions start
// again, and a session killed -9 is finished at the next start.
func TestRC12_SessionWithoutJournalRefused(t *testing.T) {
	s := newScratch(t)
	mnt := smallStateDisk(t, s, "2m")
	a := s.startAgent(t, "--no-session")
	s.awaitIdle(t, a)
	filler := fill(t, mnt, 1)

	code, out, errOut := s.cli(t, "session", "start")
	if code == 0 {
		t.Fatalf("a session started without a journal:\n%s\nagent:\n%s", out, a.stderr.String())
	}
	if !strings.Contains(errOut, "journal_unavailable") || !strings.Contains(errOut, "le personnel doit prévenir") {
		t.Errorf("the refusal does not tell staff to act:\n%s", errOut)
	}
	if !strings.Contains(a.stderr.String(), `level=ERROR msg="no session can start: the crash journal cannot be written`) {
		t.Errorf("the log does not say it at error level:\n%s", a.stderr.String())
	}
	if st, err := s.status(t); err != nil || st.State == "active" {
		t.Fatalf("state %q (%v) after the refusal", st.State, err)
	}
	if _, err := os.Stat(filepath.Join(s.state, "baseline")); !os.IsNotExist(err) {
		t.Errorf("the refused session left its baseline: %v", err)
	}
	a.kill(t)

	// The administrator frees room and restarts the agent.
	os.Remove(filler)
	a = s.startAgent(t, "--no-session")
	s.awaitIdle(t, a)
	if code, _, errOut := s.cli(t, "session", "start"); code != 0 {
		t.Fatalf("session start after room was freed: %s", errOut)
	}
	// Enough documents for the recovery to take a while: the agent must
	// not say "idle" to anyone before they are gone.
	dl := filepath.Join(s.home, "Downloads")
	for i := range 3000 {
		os.WriteFile(filepath.Join(dl, fmt.Sprintf("cv-%d.pdf", i)), []byte("cv"), 0o644)
	}
	time.Sleep(200 * time.Millisecond)
	a.kill(t)
	a = s.startAgent(t, "--no-session")
	s.awaitIdle(t, a)
	if left, _ := os.ReadDir(dl); len(left) != 0 {
		t.Errorf("the agent said it was ready with %d files of the session killed -9 still there\nagent:\n%s", len(left), a.stderr.String())
	}
	a.stop(t)
}

// TestRC12_JournalFullMidSession: the state folder fills during a session,
// while the person creates files. The end erases everything, the report
// says the journal was degraded, the journal holds no file name after the
// wipe even though the disk is full, and no new session starts until an
// administrator frees room and restarts the agent.
func TestRC12_JournalFullMidSession(t *testing.T) {
	s := newScratch(t)
	mnt := smallStateDisk(t, s, "2m")
	a := s.startAgent(t)
	s.awaitActive(t, a, "")
	dl := filepath.Join(s.home, "Downloads")
	for i := 0; i < 20; i++ {
		os.WriteFile(filepath.Join(dl, fmt.Sprintf("avant-plein-%d.pdf", i)), []byte("x"), 0o644)
	}
	journal := filepath.Join(s.state, "journal")
	deadline := time.Now().Add(10 * time.Second)
	for b, _ := os.ReadFile(journal); !strings.Contains(string(b), "avant-plein-19.pdf"); b, _ = os.ReadFile(journal) {
		if time.Now().After(deadline) {
			t.Fatalf("the journal does not record the session's files")
		}
		time.Sleep(20 * time.Millisecond)
	}
	filler := fill(t, mnt, 0)
	for i := 0; i < 3000; i++ {
		os.WriteFile(filepath.Join(dl, fmt.Sprintf("apres-plein-%d.pdf", i)), nil, 0o644)
	}
	time.Sleep(500 * time.Millisecond) // let the watcher try to journal them

	code, out, errOut := s.cli(t, "session", "end", "--json")
	if code != 0 || !strings.Contains(out, `"verified": true`) {
		t.Fatalf("session end with the state folder full: exit %d\n%s%s\nagent:\n%s", code, out, errOut, a.stderr.String())
	}
	if es, _ := os.ReadDir(dl); len(es) != 0 {
		t.Errorf("%d entries left in Downloads", len(es))
	}
	if j := jsonField(out, "journal"); !strings.Contains(j, "journal dégradé") {
		t.Errorf("the report does not say the journal was degraded: journal = %s", j)
	}
	b, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "plein-") {
		t.Errorf("after a completed wipe the journal still holds file names (%d bytes)", len(b))
	}
	if !strings.Contains(a.stderr.String(), `level=ERROR msg="the crash journal could not be written during the session`) {
		t.Errorf("the log does not say at error level that the journal failed:\n%s", a.stderr.String())
	}

	// Room again, but nobody restarted the agent: still refused.
	os.Remove(filler)
	if code, _, errOut := s.cli(t, "session", "start"); code == 0 || !strings.Contains(errOut, "journal_unavailable") {
		t.Fatalf("a session started after the journal failed, before an administrator acted: exit %d %s", code, errOut)
	}
	a.stop(t)
	a = s.startAgent(t, "--no-session")
	s.awaitIdle(t, a)
	if code, _, errOut := s.cli(t, "session", "start"); code != 0 {
		t.Fatalf("session start after the agent was restarted with room: %s", errOut)
	}
	a.stop(t)
}

// TestRC11_DeletedThenMadeAgain: the person deletes the downloads folder
// and makes it again (as some programs do), then saves into the new one.
// The deleted folder has nothing left (RC11), and the new one stands at
// the root's name, which is wiped by its name (RC4): the document goes and
// the receipt is verified only because it did.
func TestRC11_DeletedThenMadeAgain(t *testing.T) {
	l := newSystemPolicyLab(t)
	if code, _, out := l.endSession(); code != 0 {
		t.Fatalf("end of the first session: %d %s", code, out)
	}
	if code, out := l.cli(l.uid, "session", "start"); code != 0 {
		t.Fatalf("session start: %d %s", code, out)
	}
	l.asPerson(`rm -rf Downloads && mkdir Downloads && echo cv > Downloads/cv.pdf`)
	code, rep, out := l.endSession()
	if code != 0 || !rep.Verified || rep.PendingCount != 0 {
		t.Fatalf("session end after rm -rf and mkdir of the downloads: exit %d\n%s\nagent:\n%s", code, out, l.log.String())
	}
	if _, err := os.Lstat(filepath.Join(l.home, "Downloads", "cv.pdf")); !os.IsNotExist(err) {
		t.Errorf("the document saved into the folder made again survived: %v", err)
	}
	if code, out := l.cli(l.uid, "session", "start"); code != 0 {
		t.Fatalf("the next session start: %d %s", code, out)
	}
}

// TestRecoveryFinishesBeforeAnyStart: the agent is killed -9 during a
// session, and comes back while the window keeps asking "session start",
// as it does when the agent does not answer. No session may start before
// the unfinished one is wiped: its baseline would count the files left as
// the next person's, never to be erased. Each round starts asking as soon
// as the new agent is launched, and the race-window build widens the
// moment between the socket answering and the recovery.
func TestRecoveryFinishesBeforeAnyStart(t *testing.T) {
	bin := raceWindowBinary(t)
	s := newScratch(t)
	dl := filepath.Join(s.home, "Downloads")
	for round := range 5 {
		a := s.startAgent(t, "--no-session")
		s.awaitIdle(t, a)
		if code, _, errOut := s.cli(t, "session", "start"); code != 0 {
			t.Fatalf("round %d: session start: %s", round, errOut)
		}
		for i := range 3000 {
			os.WriteFile(filepath.Join(dl, fmt.Sprintf("r%d-%d.pdf", round, i)), []byte("x"), 0o644)
		}
		a.kill(t)
		a = s.startAgentFrom(t, bin, []string{"ARDOISE_RACE_WINDOW=recover=300ms"}, "--no-session")
		deadline := time.Now().Add(60 * time.Second)
		for {
			if code, _, _ := s.cli(t, "session", "start"); code == 0 {
				break
			}
			if !a.running() || time.Now().After(deadline) {
				t.Fatalf("round %d: no session started after the restart\nagent:\n%s", round, a.stderr.String())
			}
		}
		if left, _ := os.ReadDir(dl); len(left) != 0 {
			t.Fatalf("round %d: a session started with %d files of the session killed -9 still there\nagent:\n%s", round, len(left), a.stderr.String())
		}
		s.cli(t, "session", "end")
		a.stop(t)
	}
}
