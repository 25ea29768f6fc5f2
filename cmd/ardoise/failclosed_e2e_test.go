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

// TestR13_PolicyRefusalLeaksNoFile: in the running system service, the
// policy is replaced by a link to /etc/shadow, then by a root-only file of
// secrets, then by a file of the kiosk account's. Each is refused and the
// running policy stays, and not one line of those files reaches the log.
func TestR13_PolicyRefusalLeaksNoFile(t *testing.T) {
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

// TestR14_PolicyFIFODoesNotBlockReload: in the running system service,
// the policy is replaced by a FIFO nobody writes to; 1.3 s later a valid
// policy is renamed over it. The FIFO is refused at once, the last good
// policy stays meanwhile, and the valid policy is taken.
func TestR14_PolicyFIFODoesNotBlockReload(t *testing.T) {
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

// TestR15_SessionEndSaysWhatIsLeft: a session ends with a file that cannot
// be erased. session end exits 1 and says plainly that documents are still
// on the computer, that no session starts until they are erased, when it
// is tried again and what staff should do; never "(ok)".
func TestR15_SessionEndSaysWhatIsLeft(t *testing.T) {
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

// TestR11_DeletedFolderDoesNotJam: during a session the person deletes
// the downloads and the thumbnails folders (rm -rf). The end finishes: the
// report is verified and names the folders deleted, the log warns, and the
// next session starts (it used to get wipe_pending until a restart). A
// folder only moved is not "deleted": what the session left in it is
// erased through the handle.
func TestR11_DeletedFolderDoesNotJam(t *testing.T) {
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
