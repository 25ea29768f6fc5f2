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

// A root is the name the policy gives (docs/design.md, "A root is a name";
// issue 13 items 4, 5, 8 and 10). These tests run the system service with
// a real kiosk account; what the person (or the previous person) does is
// done as that account.

// rootsAgent is the system service for the kiosk account, with a policy of
// roots, running, and no session started yet.
type rootsAgent struct {
	t    *testing.T
	uid  int
	home string
	cli  func(asUID int, args ...string) (int, string)
	log  *syncBuffer
	run  func() // starts the service (again, on the same state)
	kill func() // kill -9
}

func startRootsAgent(t *testing.T, name string, uid int, home, roots string) *rootsAgent {
	t.Helper()
	base := filepath.Dir(home)
	state, sock := filepath.Join(base, "state"), filepath.Join(base, "a.sock")
	policy := filepath.Join(base, "policy.yaml")
	os.WriteFile(policy, []byte(fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true}\nroots: %s\ntraces: []\n", name, roots)), 0o644)
	bin := filepath.Join(base, "ardoise")
	data, _ := os.ReadFile(ardoiseBinary(t))
	os.WriteFile(bin, data, 0o755)
	a := &rootsAgent{t: t, uid: uid, home: home, log: &syncBuffer{}}
	a.cli = socketCLI(bin, sock)
	a.run = func() {
		t.Helper()
		cmd := exec.Command(bin, "run", "--system", "--state-dir", state, "--socket", sock, "--policy", policy)
		cmd.Stderr = a.log
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		a.kill = func() { cmd.Process.Kill(); <-done }
		t.Cleanup(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
		})
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if code, _ := a.cli(0, "session", "status", "--json"); code == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the agent does not answer\nagent:\n%s", a.log.String())
			}
		}
	}
	a.run()
	// The person's desktop: without a program of the account running, the
	// service would end the session as a logout.
	desk := runAs(uid, "/bin/sleep", "600")
	if err := desk.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { desk.Process.Kill(); desk.Wait() })
	return a
}

func (a *rootsAgent) start() ipc.Status {
	a.t.Helper()
	code, out := a.cli(a.uid, "session", "start", "--json")
	if code != 0 {
		a.t.Fatalf("session start: %d %s\nagent:\n%s", code, out, a.log.String())
	}
	return a.status()
}

func (a *rootsAgent) status() ipc.Status {
	a.t.Helper()
	code, out := a.cli(0, "session", "status", "--json")
	var st ipc.Status
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		a.t.Fatalf("status: %d %s", code, out)
	}
	return st
}

func (a *rootsAgent) end() ipc.WipeReport {
	a.t.Helper()
	_, out := a.cli(0, "session", "end", "--json")
	var rep ipc.WipeReport
	// An end that leaves something exits 1 and says so after the report.
	if err := json.NewDecoder(strings.NewReader(out)).Decode(&rep); err != nil {
		a.t.Fatalf("session end: %v: %s\nagent:\n%s", err, out, a.log.String())
	}
	return rep
}

// asKiosk runs a shell script as the kiosk account, with $HOME set.
func (a *rootsAgent) asKiosk(script string) {
	a.t.Helper()
	c := runAs(a.uid, "/bin/sh", "-c", "set -e; "+script)
	c.Env = []string{"HOME=" + a.home, "PATH=/usr/bin:/bin"}
	if out, err := c.CombinedOutput(); err != nil {
		a.t.Fatalf("as the kiosk account: %s: %v: %s", script, err, out)
	}
}

func rootStatus(st ipc.Status, label string) ipc.RootStatus {
	for _, r := range st.Roots {
		if r.Label == label {
			return r
		}
	}
	return ipc.RootStatus{State: "missing"}
}

func gone(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Errorf("%s survived the end of the session", p)
	}
}

func kept(t *testing.T, p, content string) {
	t.Helper()
	if b, err := os.ReadFile(p); err != nil || string(b) != content {
		t.Errorf("%s was touched: %q, %v", p, b, err)
	}
}

// TestRC4_WatchedFolderMovedAndMadeAgain: during the session the person's
// program moves the downloads away and makes the folder again (`mv
// ~/Downloads ~/x; mkdir ~/Downloads`), then a document is saved into the
// new folder and another into the moved one. At the end both are erased,
// the file that was there before the session is kept where it now is, the
// receipt says verified, and the next session does not find the document.
func TestRC4_WatchedFolderMovedAndMadeAgain(t *testing.T) {
	name, uid, home := kioskAccount(t)
	os.WriteFile(filepath.Join(home, "Downloads", "Guide.pdf"), []byte("guide"), 0o644)
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	a.start()
	a.asKiosk(`mv "$HOME/Downloads" "$HOME/x"; mkdir "$HOME/Downloads"; echo cv > "$HOME/Downloads/CV.pdf"; mkdir "$HOME/Downloads/sub"; echo n > "$HOME/Downloads/sub/notes.txt"; echo y > "$HOME/x/also.pdf"`)
	// "What will be erased" says so too, under the folder's own name.
	_, out := a.cli(0, "session", "preview", "--json")
	var p ipc.Preview
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("preview: %v: %s", err, out)
	}
	if p.Count != 3 || !slices.ContainsFunc(p.Items, func(it ipc.PreviewItem) bool {
		return it.Folder == "Téléchargements" && it.Path == filepath.Join(home, "Downloads", "sub", "notes.txt")
	}) {
		t.Errorf("preview: %+v, want CV.pdf, sub/notes.txt and also.pdf", p)
	}
	rep := a.end()
	if !rep.Verified {
		t.Errorf("not verified: %+v", rep)
	}
	gone(t, filepath.Join(home, "Downloads", "CV.pdf"))
	gone(t, filepath.Join(home, "Downloads", "sub"))
	gone(t, filepath.Join(home, "x", "also.pdf"))
	kept(t, filepath.Join(home, "x", "Guide.pdf"), "guide")
	if rep.Removed.Files < 3 {
		t.Errorf("removed %d files, want 3 (CV.pdf, notes.txt, also.pdf)", rep.Removed.Files)
	}
	// The next session: nothing of the last one is taken as its own.
	a.start()
	rep = a.end()
	if rep.Kept.Preexisting+rep.Kept.Modified != 0 || !rep.Verified {
		t.Errorf("the next session found something kept: %+v", rep)
	}
}

// TestRC5_RootLeftAsLinkIsRemadeBeforeTheSession: the previous person left
// ~/Downloads as a link to a folder of theirs. The next session starts
// with the downloads watched (the link removed as a link, the folder made
// again, the account's, 0700), the download saved there is erased, and
// nothing behind the link is touched.
func TestRC5_RootLeftAsLinkIsRemadeBeforeTheSession(t *testing.T) {
	name, uid, home := kioskAccount(t)
	theirs := filepath.Join(home, ".cache", "theirs")
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	a.asKiosk(fmt.Sprintf(`mkdir -p %q; echo mine > %q/theirs.txt; rmdir "$HOME/Downloads"; ln -s %q "$HOME/Downloads"`, theirs, theirs, theirs))
	st := a.start()
	if r := rootStatus(st, "Téléchargements"); r.State != "watching" {
		t.Errorf("downloads root at start: %s/%s, want watching", r.State, r.Code)
	}
	fi, err := os.Lstat(filepath.Join(home, "Downloads"))
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		t.Errorf("~/Downloads at start: %v %v, want the account's folder, 0700", fi, err)
	}
	a.asKiosk(`echo cv > "$HOME/Downloads/CV.pdf"`)
	rep := a.end()
	if !rep.Verified {
		t.Errorf("not verified: %+v", rep)
	}
	gone(t, filepath.Join(home, "Downloads", "CV.pdf"))
	gone(t, filepath.Join(theirs, "CV.pdf"))
	kept(t, filepath.Join(theirs, "theirs.txt"), "mine\n")
	if !strings.Contains(a.log.String(), "a link stood at a folder's name") {
		t.Errorf("the agent did not log the link it removed:\n%s", a.log.String())
	}
}

// TestRC5_XDGDownloadDirIsALink: the same, with user-dirs.dirs naming a
// folder that is a link.
func TestRC5_XDGDownloadDirIsALink(t *testing.T) {
	name, uid, home := kioskAccount(t)
	theirs := filepath.Join(home, ".cache", "theirs")
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	a.asKiosk(fmt.Sprintf(`mkdir -p %q "$HOME/.config"; echo 'XDG_DOWNLOAD_DIR="$HOME/dl"' > "$HOME/.config/user-dirs.dirs"; ln -s %q "$HOME/dl"`, theirs, theirs))
	st := a.start()
	if r := rootStatus(st, "Téléchargements"); r.State != "watching" {
		t.Errorf("downloads root at start: %s/%s, want watching", r.State, r.Code)
	}
	a.asKiosk(`echo cv > "$HOME/dl/CV.pdf"`)
	if rep := a.end(); !rep.Verified {
		t.Errorf("not verified: %+v", rep)
	}
	gone(t, filepath.Join(home, "dl", "CV.pdf"))
	gone(t, filepath.Join(theirs, "CV.pdf"))
}

// TestRC5_RootLinkNotTheAccountsRefusesTheSession: a link at the downloads
// that the kiosk account did not make (it is root's) is not removed: the
// session is refused, and the person and the log are told why.
func TestRC5_RootLinkNotTheAccountsRefusesTheSession(t *testing.T) {
	name, uid, home := kioskAccount(t)
	elsewhere := filepath.Join(filepath.Dir(home), "elsewhere")
	os.Mkdir(elsewhere, 0o777)
	dl := filepath.Join(home, "Downloads")
	os.Remove(dl)
	if err := os.Symlink(elsewhere, dl); err != nil {
		t.Fatal(err)
	}
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	code, out := a.cli(uid, "session", "start", "--json")
	if code == 0 {
		t.Errorf("the session started with a download folder Ardoise does not watch: %s", out)
	}
	if !strings.Contains(out, "la session ne peut pas commencer") {
		t.Errorf("the refusal does not say why in French: %s", out)
	}
	if !strings.Contains(a.log.String(), "session refused") {
		t.Errorf("the log does not say the session was refused:\n%s", a.log.String())
	}
	if fi, err := os.Lstat(dl); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("root's link was touched: %v %v", fi, err)
	}
}

// TestRC8_FolderMissingAtStartIsWatchedAndWiped: a fresh home has no
// Documents; the person makes it during the session and saves into it.
// The folder is watched from the moment it appears (the live count sees
// the document), and the end erases it all, verified.
func TestRC8_FolderMissingAtStartIsWatchedAndWiped(t *testing.T) {
	name, uid, home := kioskAccount(t)
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}, {path: '{documents}'}, {path: '{desktop}'}]")
	st := a.start()
	if r := rootStatus(st, "Documents"); r.State != "absent" {
		t.Fatalf("Documents at start: %s/%s, want absent", r.State, r.Code)
	}
	a.asKiosk(`mkdir "$HOME/Documents"; echo lettre > "$HOME/Documents/lettre.odt"; mkdir -p "$HOME/Desktop/Nouveau dossier"; echo x > "$HOME/Desktop/Nouveau dossier/cv.pdf"`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st = a.status()
		if st.Counts.Entries >= 3 && rootStatus(st, "Documents").State == "watching" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the folders made during the session are not watched: %d entries counted, roots %+v\nagent:\n%s", st.Counts.Entries, st.Roots, a.log.String())
			break
		}
	}
	rep := a.end()
	if !rep.Verified {
		t.Errorf("not verified: %+v", rep)
	}
	gone(t, filepath.Join(home, "Documents"))
	gone(t, filepath.Join(home, "Desktop"))
	if rep.Removed.Files != 2 {
		t.Errorf("removed %d files, want 2", rep.Removed.Files)
	}
}

// TestRC10_ReceiptChecksTheNames: the downloads are moved and made again,
// and what is saved into the new folder cannot be erased (an immutable
// file stands for anything the wipe fails on). The receipt must not say
// verified: it names what is left, in the downloads.
func TestRC10_ReceiptChecksTheNames(t *testing.T) {
	if _, err := exec.LookPath("chattr"); err != nil {
		t.Skip("chattr is missing")
	}
	name, uid, home := kioskAccount(t)
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	a.start()
	a.asKiosk(`mv "$HOME/Downloads" "$HOME/x"; mkdir "$HOME/Downloads"; echo cv > "$HOME/Downloads/CV.pdf"`)
	stuck := filepath.Join(home, "Downloads", "CV.pdf")
	if out, err := exec.Command("chattr", "+i", stuck).CombinedOutput(); err != nil {
		t.Skipf("chattr +i: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", stuck).Run() })
	rep := a.end()
	if rep.Verified {
		t.Errorf("the receipt says verified while %s is left", stuck)
	}
	found := false
	for _, p := range rep.Pending {
		found = found || (p.Folder == "Téléchargements" && p.Name == "CV.pdf")
	}
	if !found || rep.PendingCount == 0 {
		t.Errorf("the receipt does not name what is left: %+v", rep)
	}
}

// TestRC8_FolderMissingAtStartAfterACrash: the same as
// TestRC8_FolderMissingAtStartIsWatchedAndWiped and TestRC4_WatchedFolderMovedAndMadeAgain, but the
// agent is killed (-9) during the session: at its next start it finishes
// the session and erases what stands at the roots' names.
func TestRC8_FolderMissingAtStartAfterACrash(t *testing.T) {
	name, uid, home := kioskAccount(t)
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}, {path: '{documents}'}]")
	a.start()
	a.asKiosk(`mkdir "$HOME/Documents"; echo lettre > "$HOME/Documents/lettre.odt"; mv "$HOME/Downloads" "$HOME/x"; mkdir "$HOME/Downloads"; echo cv > "$HOME/Downloads/CV.pdf"`)
	time.Sleep(300 * time.Millisecond) // let the journal take what the watchers saw
	a.kill()
	a.run()
	var st ipc.Status
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if st = a.status(); st.LastWipe != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unfinished session was not finished\nagent:\n%s", a.log.String())
		}
	}
	if !st.LastWipe.Verified || st.LastWipe.Reason != ipc.ReasonRecovery {
		t.Errorf("recovery: %+v", st.LastWipe)
	}
	gone(t, filepath.Join(home, "Documents", "lettre.odt"))
	gone(t, filepath.Join(home, "Downloads", "CV.pdf"))
}

// TestRC10_LinkMadeAtTheNameMidSession: during the session the person
// replaces the downloads folder by a link to a folder of theirs outside
// the roots, and saves through it. What was saved there is out of
// Ardoise's reach, so the receipt must not say "verified": it says what
// happened, for the staff; the link itself is removed, and the next session
// starts with a real folder again.
func TestRC10_LinkMadeAtTheNameMidSession(t *testing.T) {
	name, uid, home := kioskAccount(t)
	a := startRootsAgent(t, name, uid, home, "[{path: '{downloads}'}]")
	a.start()
	a.asKiosk(`mkdir -p "$HOME/.cache/ailleurs" && mv "$HOME/Downloads" "$HOME/x" && ln -s "$HOME/.cache/ailleurs" "$HOME/Downloads" && echo cv > "$HOME/Downloads/CV.pdf"`)
	rep := a.end()
	if rep.Verified {
		t.Errorf("the receipt says verified while a document went through a link out of the watched folders: %+v", rep)
	}
	if rep.PendingCount == 0 {
		t.Errorf("the receipt counts nothing for the staff: %+v", rep)
	}
	if fi, err := os.Lstat(filepath.Join(home, "Downloads")); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		t.Error("the link at the downloads' name is still there")
	}
	if !strings.Contains(a.log.String(), "a link replaced a watched folder during the session") {
		t.Errorf("the log does not say what happened:\n%s", a.log.String())
	}
	// The next person: the retry before their session finds the link gone.
	a.start()
	if rep := a.end(); !rep.Verified {
		t.Errorf("the next session's receipt: %+v", rep)
	}
}
