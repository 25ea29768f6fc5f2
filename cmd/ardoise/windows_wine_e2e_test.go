//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/cmd/internal/winetest"
)

// The Windows build of the agent, run for real under Wine: a foreground
// session in a Windows profile, files made during it, `session end`
// through the named pipe, and a crash (every Windows process of the
// prefix killed at once, as a power cut would) finished at the next start.
// Wine is not Windows (no junctions, ACLs not enforced, no streams: the
// safefs tests say which cases need Windows itself), but the agent's
// Windows code paths all run here: the NT walker, the pipe, the state
// folder, the journal and its recovery.

// ardoiseExe builds the Windows agent (the build cache makes the second
// build of a run immediate).
func ardoiseExe(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "ardoise.exe")
	winetest.CrossBuild(t, exe, ".", "CGO_ENABLED=0")
	return exe
}

// winePrefix is a Wine prefix with the agent's test helpers.
type winePrefix struct {
	*winetest.Prefix
	t         *testing.T
	downloads string
}

func newWinePrefix(t *testing.T, user string) *winePrefix {
	p := winetest.New(t, user)
	return &winePrefix{Prefix: p, t: t, downloads: filepath.Join(p.Profile, "Downloads")}
}

// startAgent starts `ardoise.exe run` with args and waits for the log
// line want.
func (w *winePrefix) startAgent(exe, want string, args ...string) (*exec.Cmd, *syncBuffer) {
	w.t.Helper()
	out := &syncBuffer{}
	c := w.Cmd(append([]string{exe, "run"}, args...)...)
	c.Stdout, c.Stderr = out, out
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	w.t.Cleanup(func() { w.Kill(); <-done })
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(out.String(), want) {
		select {
		case <-done:
			w.t.Fatalf("the agent stopped before %q:\n%s", want, out)
		default:
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("no %q from the agent in 90 s:\n%s", want, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c, out
}

// startFakeBrowser runs a stand-in for Firefox at its Windows place (a
// Windows program that waits) as the prefix's user, and returns a channel
// closed when it ends.
func (w *winePrefix) startFakeBrowser() <-chan struct{} {
	w.t.Helper()
	src := w.t.TempDir()
	writeFile(w.t, filepath.Join(src, "go.mod"), "module sleeper\n\ngo 1.26\n")
	writeFile(w.t, filepath.Join(src, "main.go"), "package main\n\nimport \"time\"\n\nfunc main() { time.Sleep(10 * time.Minute) }\n")
	exe := filepath.Join(w.Dir, "drive_c", "Program Files", "Mozilla Firefox", "firefox.exe")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		w.t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", exe, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		w.t.Fatalf("build the stand-in browser: %v\n%s", err, out)
	}
	c := w.Cmd(`C:\Program Files\Mozilla Firefox\firefox.exe`)
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	time.Sleep(2 * time.Second) // let Wine start it
	select {
	case <-done:
		w.t.Fatal("the stand-in browser did not start")
	default:
	}
	return done
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWindowsAgentUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Wine twice (about a minute)")
	}
	w := newWinePrefix(t, "root")
	exe := ardoiseExe(t)
	guide := filepath.Join(w.downloads, "guide-de-la-mediatheque.pdf")
	writeFile(t, guide, "the library's")

	// The agent, then the places Windows' Explorer makes at first use:
	// the Recent items and the account's Recycle Bin folder (named by its
	// SID, which the foreground pipe's name carries), each with an entry
	// from before.
	_, log := w.startAgent(exe, "agent ready", "--no-browser", "--no-session")
	m := regexp.MustCompile(`agent-(S-1-5-[0-9-]+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no SID in the pipe's name:\n%s", log)
	}
	recent := filepath.Join(w.Profile, "AppData", "Roaming", "Microsoft", "Windows", "Recent")
	bin := filepath.Join(w.Dir, "drive_c", "$Recycle.Bin", m[1])
	writeFile(t, filepath.Join(recent, "guide-de-la-mediatheque.pdf.lnk"), "before")
	writeFile(t, filepath.Join(bin, "desktop.ini"), "before")
	// A Firefox profile: its settings are the library's, what a visit
	// leaves (being logged in, history, site storage) goes.
	profile := filepath.Join(w.Profile, "AppData", "Roaming", "Mozilla", "Firefox", "Profiles", "k3x9.default-release")
	writeFile(t, filepath.Join(profile, "prefs.js"), "the library's settings")

	// A session, ended through the named pipe by the command line.
	if out, err := w.Cmd(exe, "session", "start").CombinedOutput(); err != nil {
		t.Fatalf("session start: %v\n%s\nagent:\n%s", err, out, log)
	}
	writeFile(t, filepath.Join(w.downloads, "avis-impot-2026.pdf"), "personal")
	writeFile(t, filepath.Join(w.downloads, "scans", "cni-recto.jpg"), "personal")
	writeFile(t, filepath.Join(recent, "avis-impot-2026.pdf.lnk"), "personal")
	writeFile(t, filepath.Join(bin, "$RAB12CD.pdf"), "personal")
	writeFile(t, filepath.Join(bin, "$IAB12CD.pdf"), "personal")
	browser := w.startFakeBrowser()
	writeFile(t, filepath.Join(profile, "cookies.sqlite"), "logged in at caf.fr")
	writeFile(t, filepath.Join(profile, "places.sqlite"), "history")
	writeFile(t, filepath.Join(profile, "storage", "default", "https+++www.impots.gouv.fr", "ls", "data.sqlite"), "site storage")
	out, err := w.Cmd(exe, "session", "end").CombinedOutput()
	if err != nil {
		t.Fatalf("session end: %v\n%s\nagent:\n%s", err, out, log)
	}
	if !strings.Contains(string(out), "verified: nothing left") {
		t.Errorf("session end did not verify:\n%s", out)
	}
	select {
	case <-browser:
	case <-time.After(10 * time.Second):
		t.Errorf("the browser still runs after the session's end:\n%s", log)
	}
	if !strings.Contains(log.String(), `msg="browsers closed" browsers=[firefox]`) {
		t.Errorf("the agent did not say it closed Firefox:\n%s", log)
	}
	assertOnly(t, w.downloads, "guide-de-la-mediatheque.pdf")
	assertOnly(t, recent, "guide-de-la-mediatheque.pdf.lnk")
	assertOnly(t, bin, "desktop.ini")
	assertOnly(t, profile, "prefs.js")

	// The next session, cut by killing every Windows process at once.
	writeFile(t, filepath.Join(w.downloads, "..", "Desktop", "old.txt"), "before") // pre-existing for the next session
	out, err = w.Cmd(exe, "session", "start").CombinedOutput()
	if err != nil {
		t.Fatalf("session start: %v\n%s\nagent:\n%s", err, out, log)
	}
	writeFile(t, filepath.Join(w.downloads, "releve-caf.pdf"), "personal")
	writeFile(t, filepath.Join(w.Profile, "Desktop", "cv.odt"), "personal")
	w.Kill()
	if _, err := os.Stat(filepath.Join(w.downloads, "releve-caf.pdf")); err != nil {
		t.Fatalf("the crash already removed the file? %v", err)
	}

	// The next start finishes that session's wipe before anything else.
	_, log = w.startAgent(exe, "agent ready", "--no-browser")
	if !strings.Contains(log.String(), "finishing a session left unfinished") {
		t.Errorf("no recovery at start:\n%s", log)
	}
	assertOnly(t, w.downloads, "guide-de-la-mediatheque.pdf")
	assertOnly(t, filepath.Join(w.Profile, "Desktop"), "old.txt")
	if b, err := os.ReadFile(guide); err != nil || string(b) != "the library's" {
		t.Errorf("the library's file: %q, %v", b, err)
	}
}

// The system service's mode on Windows: the agent as an administrator, a
// kiosk account (PC\lecteur, named "lecteur" in the policy) whose session
// starts when it is in use and ends through the protected pipe; the
// account is found by its SID, its profile from HKLM ProfileList.
func TestWindowsServiceModeUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Wine (about 30 s)")
	}
	w := newWinePrefix(t, "lecteur")
	exe := ardoiseExe(t)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	writeFile(t, policy, "version: 1\nroots:\n  - path: \"{downloads}\"\n  - path: \"{desktop}\"\naccounts:\n  kiosk: [lecteur]\n")
	winPolicy := "Z:" + strings.ReplaceAll(policy, "/", `\`)
	writeFile(t, filepath.Join(w.downloads, "guide.pdf"), "the library's")

	_, log := w.startAgent(exe, "agent ready", "--system", "--policy", winPolicy)
	if !strings.Contains(log.String(), `ProtectedPrefix\\\\Administrators`) {
		t.Errorf("the service does not listen on the protected pipe:\n%s", log)
	}
	// Under Wine every process, the agent's own included, runs as the
	// kiosk account: the service sees the account in use in Windows'
	// process table (by the SID of each process's token) and starts its
	// session by itself, as it does at a logon on Windows.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(log.String(), "a kiosk account is in use: session started") {
		if time.Now().After(deadline) {
			t.Fatalf("no session started for the kiosk account in use:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	writeFile(t, filepath.Join(w.downloads, "attestation-caf.pdf"), "personal")
	writeFile(t, filepath.Join(w.Profile, "Desktop", "lettre.odt"), "personal")
	out, err := w.Cmd(exe, "session", "end").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verified: nothing left") {
		t.Fatalf("session end: %v\n%s\nagent:\n%s", err, out, log)
	}
	assertOnly(t, w.downloads, "guide.pdf")
	assertOnly(t, filepath.Join(w.Profile, "Desktop"))
}

// assertOnly checks that dir holds exactly the names want.
func assertOnly(t *testing.T, dir string, want ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}
