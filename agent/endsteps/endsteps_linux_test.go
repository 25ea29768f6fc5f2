package endsteps

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/fstree"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
)

// stepEnv is a real home folder for the user running the test, and one
// step of the session's end.
type stepEnv struct {
	home string
	s    Session
	ss   *Steps
}

func newStepEnv(t *testing.T, step Step, p *policies.Policy, tree fstree.Dir) *stepEnv {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	fstree.Build(t, home, tree)
	u := userdirs.User{UID: uint32(os.Getuid()), GID: uint32(os.Getgid()), Home: home, Name: "lecteur"}
	e := &stepEnv{home: home, s: Session{User: u, Policy: p}}
	e.ss = New(e.s)
	e.ss.list = []Step{step}
	return e
}

// run plays a session with the step: Open (the roots it asks for, with
// the baseline taken after it, as the agent does), during (what the
// person does), then Stop and Clean, after which nothing may have changed
// under the home: the step deletes nothing itself. Then the wipe erases
// what the step listed and what its roots hold of the session, and Finish
// reports.
func (e *stepEnv) run(t *testing.T, during func()) (wipe.Result, ipc.WipeReport) {
	t.Helper()
	ctx := context.Background()
	home, err := safefs.OpenRoot(e.home, trustFor(e.s.User))
	if err != nil {
		t.Fatal(err)
	}
	roots := e.ss.Open(home, nil)
	home.Close()
	var dirs []*safefs.Dir
	var wr []wipe.Root
	for _, r := range roots {
		if r.Err != nil {
			t.Fatalf("root %s refused: %v", r.Label, r.Err)
		}
		defer r.Dir.Close()
		dirs = append(dirs, r.Dir)
		wr = append(wr, wipe.Root{Dir: r.Dir, Scope: "session", Owners: []uint32{e.s.User.UID}})
	}
	base, err := baseline.Take(ctx, dirs)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a change gets another ctime
	during()
	before := fstree.Take(t, e.home)
	e.ss.Stop(ctx)
	x := e.ss.Clean(ctx)
	before.AssertUnchanged(t, e.home)
	res := wipe.Run(ctx, wipe.Config{Roots: wr, Baseline: base, Extra: x})
	var rep ipc.WipeReport
	e.ss.Finish(ctx, res.Extra, &rep)
	return res, rep
}

func (e *stepEnv) exists(t *testing.T, rel string, want bool) {
	t.Helper()
	_, err := os.Lstat(filepath.Join(e.home, rel))
	if got := err == nil; got != want {
		t.Errorf("%s exists: %v, want %v (%v)", rel, got, want, err)
	}
}

// TestBrowsersStepDeletesNothingItself: the browsers step lists a
// profile's data; the wipe erases it and the report counts what the wipe
// erased.
func TestBrowsersStepDeletesNothingItself(t *testing.T) {
	prof := ".mozilla/firefox/abcd.default-esr"
	e := newStepEnv(t, &browsersStep{}, &policies.Policy{Browsers: policies.Browsers{Close: []string{"firefox"}}}, fstree.Dir{
		".mozilla": fstree.Dir{"firefox": fstree.Dir{
			"profiles.ini": fstree.File("[Profile0]\nPath=abcd.default-esr\nIsRelative=1\n"),
			"abcd.default-esr": fstree.Dir{
				"prefs.js":       fstree.File("the library's settings"),
				"cookies.sqlite": fstree.File("logged in"),
				"storage":        fstree.Dir{"default": fstree.Dir{"site": fstree.File("x")}},
			},
		}},
	})
	res, rep := e.run(t, func() {})
	e.exists(t, prof+"/cookies.sqlite", false)
	e.exists(t, prof+"/storage", false)
	e.exists(t, prof+"/prefs.js", true)
	if len(res.Extra.Names) != 1 || res.Extra.Names[0].Removed != 4 {
		t.Fatalf("the wipe's result for the profile: %+v, want one profile with 4 entries removed (cookies.sqlite, storage and its 2 entries)", res.Extra.Names)
	}
	if rep.Browsers.Profiles != 1 || rep.Browsers.Erased != res.Extra.Names[0].Removed || rep.Browsers.Pending != 0 || rep.Browsers.Error != "" {
		t.Errorf("report %+v, want 1 profile and the wipe's %d entries erased", rep.Browsers, res.Extra.Names[0].Removed)
	}
	if !slices.Contains(rep.Traces, "browser_data") {
		t.Errorf("traces %v lack browser_data", rep.Traces)
	}
}

// TestFoldersStepDeletesNothingItself: the trash and thumbnails are made
// at Open (C9) and handed over as roots; what the session put there is
// erased by the wipe of those roots, what was there before stays.
func TestFoldersStepDeletesNothingItself(t *testing.T) {
	e := newStepEnv(t, &foldersStep{}, &policies.Policy{Traces: []string{"trash", "thumbnails"}}, fstree.Dir{
		".local": fstree.Dir{"share": fstree.Dir{"Trash": fstree.Dir{"files": fstree.Dir{"old.txt": fstree.File("before")}}}},
	})
	res, rep := e.run(t, func() {
		// Both folders exist now: the one missing was made at Open.
		fstree.Build(t, filepath.Join(e.home, ".local/share/Trash/files"), fstree.Dir{"Attestation CAF.pdf": fstree.File("x")})
		fstree.Build(t, filepath.Join(e.home, ".cache/thumbnails"), fstree.Dir{"normal": fstree.Dir{"0123.png": fstree.File("png")}})
	})
	e.exists(t, ".local/share/Trash/files/Attestation CAF.pdf", false)
	e.exists(t, ".cache/thumbnails/normal", false)
	e.exists(t, ".local/share/Trash/files/old.txt", true)
	if !res.Verified || res.Removed.Files != 2 || res.Removed.Dirs != 1 {
		t.Errorf("the wipe removed %+v (verified %v), want the 2 files and 1 folder of the session", res.Removed, res.Verified)
	}
	if len(rep.Traces) != 0 {
		t.Errorf("traces %v: the folders are counted as roots, not as traces", rep.Traces)
	}
}

// TestRecentStepDeletesNothingItself: the recent files list changed
// during the session is judged by the step and replaced by the wipe;
// one left untouched is not rewritten.
func TestRecentStepDeletesNothingItself(t *testing.T) {
	tree := fstree.Dir{".local": fstree.Dir{"share": fstree.Dir{"recently-used.xbel": fstree.File(`<xbel><bookmark href="file:///avant.pdf"/></xbel>`)}}}
	list := ".local/share/recently-used.xbel"
	t.Run("changed", func(t *testing.T) {
		e := newStepEnv(t, &recentStep{}, &policies.Policy{Traces: []string{"recent_files"}}, tree)
		res, rep := e.run(t, func() {
			os.WriteFile(filepath.Join(e.home, list), []byte(`<xbel><bookmark href="file:///Attestation.pdf"/></xbel>`), 0o600)
		})
		if len(res.Extra.Rewrites) != 1 || res.Extra.Rewrites[0] != nil {
			t.Fatalf("the wipe's rewrites: %v, want one done", res.Extra.Rewrites)
		}
		b, _ := os.ReadFile(filepath.Join(e.home, list))
		if string(b) != emptyXBEL {
			t.Errorf("the list is now %q, want the empty one", b)
		}
		if !slices.Contains(rep.Traces, "recent_files") {
			t.Errorf("traces %v lack recent_files", rep.Traces)
		}
	})
	t.Run("untouched", func(t *testing.T) {
		e := newStepEnv(t, &recentStep{}, &policies.Policy{Traces: []string{"recent_files"}}, tree)
		res, rep := e.run(t, func() {})
		b, _ := os.ReadFile(filepath.Join(e.home, list))
		if len(res.Extra.Rewrites) != 0 || !strings.Contains(string(b), "avant.pdf") || len(rep.Traces) != 0 {
			t.Errorf("an untouched list was rewritten: rewrites %v, content %q, traces %v", res.Extra.Rewrites, b, rep.Traces)
		}
	})
}

// TestPrintStepAsksTheSchedulerOfCUPS_SERVER: the print step deletes no
// file: it asks the scheduler CUPS_SERVER names (a socket path), and
// reports the queue cleared only when the scheduler said so. Here a
// socket that answers no IPP: the step reached it, and reports nothing.
func TestPrintStepAsksTheSchedulerOfCUPS_SERVER(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "cups.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	reached := make(chan struct{}, 1)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			select {
			case reached <- struct{}{}:
			default:
			}
			c.Close()
		}
	}()
	t.Setenv("CUPS_SERVER", sock)
	e := newStepEnv(t, &printStep{}, &policies.Policy{Traces: []string{"print_queue"}}, fstree.Dir{})
	_, rep := e.run(t, func() {})
	select {
	case <-reached:
	default:
		t.Errorf("the step did not ask the scheduler at CUPS_SERVER=%s", sock)
	}
	if slices.Contains(rep.Traces, "print_queue") {
		t.Errorf("traces %v: a scheduler that did not purge was reported cleared", rep.Traces)
	}
	// Without a scheduler there is no queue to clear.
	t.Setenv("CUPS_SERVER", filepath.Join(t.TempDir(), "none.sock"))
	e = newStepEnv(t, &printStep{}, &policies.Policy{Traces: []string{"print_queue"}}, fstree.Dir{})
	if _, rep = e.run(t, func() {}); !slices.Contains(rep.Traces, "print_queue") {
		t.Errorf("traces %v lack print_queue with no print system", rep.Traces)
	}
}

// TestProgramsStepEndsAndDeletesNothing: in the system service, with
// end_programs, the step ends the kiosk account's programs and reports
// how many; the file one of them wrote is left to the wipe, and a
// foreground agent's step ends nothing.
func TestProgramsStepEndsAndDeletesNothing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a program as another account")
	}
	uid := uint32(62000 + os.Getpid()%1000)
	dir, err := os.MkdirTemp("", "ardoise-endsteps-") // t.TempDir's parent is root's alone
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	written := filepath.Join(dir, "brouillon.txt")
	cmd := exec.Command("/bin/sh", "-c", `echo x > "$0"; exec sleep 60`, written)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer cmd.Process.Kill()
	for i := 0; i < 200; i++ {
		if _, err := os.Stat(written); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(written); err != nil {
		t.Fatalf("the account's program did not write its file: %v", err)
	}
	p := &policies.Policy{Accounts: policies.Accounts{EndPrograms: true}}
	u := userdirs.User{UID: uid, GID: uid, Home: dir, Name: "ardoise-test-no-such-account"}
	var rep ipc.WipeReport
	fg := New(Session{User: u, Policy: p, System: false})
	fg.Stop(context.Background())
	fg.Finish(context.Background(), wipe.ExtraResult{}, &rep)
	select {
	case <-exited:
		t.Fatal("a foreground agent's step ended the account's program")
	default:
	}
	ss := New(Session{User: u, Policy: p, System: true})
	ss.Stop(context.Background())
	if x := ss.Clean(context.Background()); len(x.Names)+len(x.Rewrites) != 0 {
		t.Errorf("extra %+v with no browser and no trace", x)
	}
	ss.Finish(context.Background(), wipe.ExtraResult{}, &rep)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the kiosk account's program still runs after the step")
	}
	if rep.ProgramsEnded != 1 {
		t.Errorf("programs_ended %d, want 1", rep.ProgramsEnded)
	}
	if _, err := os.Stat(written); err != nil {
		t.Errorf("the step removed the file the program wrote (the wipe's to judge): %v", err)
	}
}
