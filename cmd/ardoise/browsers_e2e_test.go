//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/staffcode"

	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

const nobodyUID = 65534

// browserLab is a kiosk account's home owned by nobody, an agent run by
// nobody in the foreground, an X server, and a web site on loopback.
type browserLab struct {
	t                  *testing.T
	base, home, bin    string
	state, sock, disp  string
	site               *httptest.Server
	agent              *exec.Cmd
	agentDone          chan struct{}
	agentLog           *syncBuffer
	browsers           map[string]*exec.Cmd
	browserDone        map[string]chan struct{}
	downloads, profile string
	// checks receives what /check saw: the browser and the cookie sent.
	checks chan check
}

type check struct{ browser, cookie string }

// requireBrowsers skips, or fails in CI (ARDOISE_REQUIRE_BROWSERS=1),
// when the real browsers cannot run here.
func requireBrowsers(t *testing.T) {
	t.Helper()
	miss := func(why string) {
		if os.Getenv("ARDOISE_REQUIRE_BROWSERS") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	if os.Geteuid() != 0 {
		miss("needs root: the browsers run as another account than the test")
	}
	for _, p := range []string{"/usr/bin/firefox-esr", "/usr/bin/chromium", "/usr/bin/Xvfb"} {
		if _, err := os.Stat(p); err != nil {
			miss(p + " is missing (Debian packages firefox-esr, chromium, xvfb)")
		}
	}
}

func (l *browserLab) asNobody(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}, Setsid: true}
	cmd.Dir = l.home
	cmd.Env = []string{"HOME=" + l.home, "PATH=/usr/bin:/bin", "DISPLAY=" + l.disp, "LANG=C.UTF-8"}
}

func newBrowserLab(t *testing.T) *browserLab {
	l := &browserLab{t: t, browsers: map[string]*exec.Cmd{}, browserDone: map[string]chan struct{}{}, checks: make(chan check, 16)}
	base, err := os.MkdirTemp("", "ardoise-browsers-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	l.base, l.home, l.state = base, filepath.Join(base, "home"), filepath.Join(base, "state")
	l.sock, l.downloads = filepath.Join(l.state, "a.sock"), filepath.Join(l.home, "Downloads")
	for _, d := range []string{l.downloads, l.state} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{l.home, l.downloads, l.state} {
		os.Chown(d, nobodyUID, nobodyUID)
	}
	// The test binary's folder is root's alone: nobody runs a copy.
	l.bin = filepath.Join(base, "ardoise")
	data, err := os.ReadFile(ardoiseBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(l.bin, data, 0o755)

	l.disp = xvfb.Start(t, "1280x800x24")
	l.site = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(l.site.Close)
	return l
}

// serve is a site that logs the visitor in (a cookie, site storage) and
// hands them a document to download, as a CAF or tax site does.
func (l *browserLab) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "connecte", MaxAge: 3600, Path: "/"})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>Mon compte</title>
<script>localStorage.setItem("compte", "Mme Exemple"); setTimeout(function(){ location.href = "/attestation.pdf"; }, 500);</script>
<p>Vous êtes connecté.</p>`)
	case "/check":
		// A returning visitor: is the previous person still logged in?
		c := check{browser: "chromium"}
		if strings.Contains(r.UserAgent(), "Firefox") {
			c.browser = "firefox"
		}
		if ck, err := r.Cookie("session"); err == nil {
			c.cookie = ck.Value
		}
		select {
		case l.checks <- c:
		default:
		}
		io.WriteString(w, "<!doctype html><title>Vérification</title>")
	case "/attestation.pdf":
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="attestation.pdf"`)
		io.WriteString(w, "%PDF-1.4\n% attestation de paiement\n%%EOF\n")
	default:
		http.NotFound(w, r)
	}
}

func (l *browserLab) startAgent(policy string, launch bool) {
	p := filepath.Join(l.base, "policy.yaml")
	os.WriteFile(p, []byte(policy), 0o644)
	args := []string{"run", "--state-dir", l.state, "--socket", l.sock, "--policy", p}
	if !launch {
		args = append(args, "--no-browser")
	}
	l.agent = exec.Command(l.bin, args...)
	l.asNobody(l.agent)
	l.agentLog = &syncBuffer{}
	l.agent.Stderr = l.agentLog
	if err := l.agent.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.agentDone = make(chan struct{})
	go func() { l.agent.Wait(); close(l.agentDone) }()
	l.t.Cleanup(func() {
		l.agent.Process.Signal(syscall.SIGTERM)
		select {
		case <-l.agentDone:
		case <-time.After(30 * time.Second):
			l.agent.Process.Kill()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if code, out, _ := l.cli("session", "status", "--json"); code == 0 {
			var st ipc.Status
			if json.Unmarshal([]byte(out), &st) == nil && st.State == ipc.StateActive {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	l.t.Fatalf("the agent did not start a session:\n%s", l.agentLog.String())
}

func (l *browserLab) cli(args ...string) (int, string, string) {
	cmd := exec.Command(l.bin, append(args, "--socket", l.sock)...)
	l.asNobody(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		l.t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func (l *browserLab) openBrowser(name string, args ...string) {
	cmd := exec.Command(args[0], args[1:]...)
	l.asNobody(cmd)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	l.browsers[name], l.browserDone[name] = cmd, done
	l.t.Cleanup(func() {
		// Whatever the test did, no browser of nobody's stays running.
		// Other packages' tests run as nobody at the same time: only
		// browser processes are killed.
		for _, p := range browserProcesses() {
			pid, _ := strconv.Atoi(strings.Fields(p)[0])
			syscall.Kill(pid, syscall.SIGKILL)
		}
		<-done
	})
}

// waitFor polls cond until it holds, or fails the test with what.
func (l *browserLab) waitFor(what string, within time.Duration, cond func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out waiting for %s\nagent:\n%s", what, l.agentLog.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func glob(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}

const (
	firefoxBin  = "/usr/bin/firefox-esr"
	chromiumBin = "/usr/bin/chromium"
)

// chromiumArgs keep Chromium from calling home, which this machine's
// closed network refuses (and which a kiosk does not need either).
var chromiumArgs = []string{"--no-first-run", "--disable-background-networking", "--disable-component-update",
	"--disable-sync", "--disable-gpu", "--password-store=basic"}

// visit has both browsers log in and download, and waits for both
// downloads and for the profiles to hold what they keep of a visit.
// Firefox is opened by the agent itself when launchedByAgent.
func (l *browserLab) visit(launchedByAgent bool, private bool) (profileData []string) {
	url := l.site.URL + "/"
	if !launchedByAgent {
		args := []string{firefoxBin, url}
		if private {
			args = []string{firefoxBin, "--private-window", url}
		}
		l.openBrowser("firefox", args...)
	}
	args := append([]string{chromiumBin}, chromiumArgs...)
	if private {
		args = append(args, "--incognito")
	}
	l.openBrowser("chromium", append(args, url)...)

	l.waitFor("both downloads", 90*time.Second, func() bool {
		n := 0
		for _, f := range glob(filepath.Join(l.downloads, "attestation*.pdf")) {
			if fi, err := os.Stat(f); err == nil && fi.Size() > 0 {
				n++
			}
		}
		return n >= 2
	})
	chDefault := filepath.Join(l.home, ".config/chromium/Default")
	l.waitFor("Chromium's history file", 30*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(chDefault, "History"))
		return err == nil
	})
	var ff []string
	l.waitFor("Firefox's cookie file", 30*time.Second, func() bool {
		ff = glob(filepath.Join(l.home, ".config/mozilla/firefox/*/cookies.sqlite"))
		ff = append(ff, glob(filepath.Join(l.home, ".mozilla/firefox/*/cookies.sqlite"))...)
		return len(ff) > 0
	})
	return append(ff, filepath.Join(chDefault, "History"))
}

// endAndCheck ends the session and checks what the charter asks: no
// browser left running, the downloads gone, the profiles' visit data
// gone, and a browser started again on the same profiles is not logged
// in (the site itself says so).
func (l *browserLab) endAndCheck(profileData []string) ipc.WipeReport {
	t := l.t
	code, out, errOut := l.cli("session", "end", "--json")
	if code != 0 {
		t.Fatalf("session end: %d\n%s%s\nagent:\n%s", code, out, errOut, l.agentLog.String())
	}
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, done := range l.browserDone {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s is still running after the session ended", name)
		}
	}
	if left := browserProcesses(); len(left) > 0 {
		t.Errorf("browser processes of the session's account still run: %q", left)
	}
	b := rep.Browsers
	if !slices.Equal(b.Closed, []string{"firefox", "chromium"}) || b.Processes < 2 || b.Profiles < 2 || b.Erased == 0 || b.Error != "" {
		t.Errorf("browser report %+v", b)
	}
	if !rep.Verified || rep.Removed.Files < 2 {
		t.Errorf("wipe report: verified %v, %+v", rep.Verified, rep.Removed)
	}
	if left := glob(filepath.Join(l.downloads, "*")); len(left) != 0 {
		t.Errorf("downloads left: %q", left)
	}
	for _, p := range profileData {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", strings.TrimPrefix(p, l.home))
		}
	}
	if _, err := os.Stat(filepath.Join(l.home, ".config/chromium/Default")); err != nil {
		t.Errorf("Chromium's profile folder is gone (settings are the library's): %v", err)
	}
	t.Logf("browsers: %+v; removed %+v", b, rep.Removed)

	// The next person opens each browser on the same site.
	for _, br := range []struct {
		name string
		args []string
	}{
		{"firefox", []string{firefoxBin, l.site.URL + "/check"}},
		{"chromium", append(append([]string{chromiumBin}, chromiumArgs...), l.site.URL+"/check")},
	} {
		l.openBrowser(br.name+" again", br.args...)
		deadline := time.After(60 * time.Second)
	wait:
		for {
			select {
			case c := <-l.checks:
				if c.browser != br.name {
					continue
				}
				if c.cookie != "" {
					t.Errorf("%s started again is still logged in to the site (cookie %q)", br.name, c.cookie)
				}
				break wait
			case <-deadline:
				t.Fatalf("%s started again never reached the site", br.name)
			}
		}
		for _, p := range browserProcesses() {
			pid, _ := strconv.Atoi(strings.Fields(p)[0])
			syscall.Kill(pid, syscall.SIGKILL)
		}
		<-l.browserDone[br.name+" again"]
	}
	return rep
}

func applyBrowserSettings(t *testing.T) {
	applied := t.TempDir()
	if code, out, errOut := run(t, "browsers", "apply", "--state-dir", applied); code != 0 {
		t.Fatalf("browsers apply: %d\n%s%s", code, out, errOut)
	}
	t.Cleanup(func() {
		if code, out, errOut := run(t, "browsers", "remove", "--state-dir", applied); code != 0 {
			t.Errorf("browsers remove: %d\n%s%s", code, out, errOut)
		}
	})
}

// TestBrowsersEndToEnd runs the real Firefox ESR and Chromium of Debian
// under Xvfb, as a kiosk account, with the managed settings Ardoise
// writes. The agent opens Firefox in a private window on the policy's
// start page; the person also opens Chromium; in both they log in to a
// site and download a document. Ending the session closes both browsers,
// erases both downloads and clears the profiles, and both browsers
// started again are not logged in.
//
// The session is an accompanied one (an aidant joined it with the staff
// code), so its end also returns the charter's checklist, checked here
// against what happened: Firefox opened privately by Ardoise, both
// browsers closed and cleared, the downloads erased.
func TestBrowsersEndToEnd(t *testing.T) {
	requireBrowsers(t)
	applyBrowserSettings(t)
	l := newBrowserLab(t)
	hash, err := staffcode.Hash("4821")
	if err != nil {
		t.Fatal(err)
	}
	l.startAgent(fmt.Sprintf("version: 1\nroots: [{path: '{downloads}'}]\nbrowsers: {launch: firefox, start_page: %q, close: [firefox, chromium]}\ntraces: []\nsession: {accompanied: {enabled: true, staff_code_hash: %q}}\n", l.site.URL+"/", hash), true)
	join := exec.Command(l.bin, "session", "start", "--accompanied", "--code-stdin", "--socket", l.sock)
	l.asNobody(join)
	join.Stdin = strings.NewReader("4821\n")
	if out, err := join.CombinedOutput(); err != nil {
		t.Fatalf("the aidant could not join the session: %v\n%s", err, out)
	}
	data := l.visit(true, true)
	if !strings.Contains(l.agentLog.String(), "browser opened in a private window") {
		t.Errorf("the agent did not open Firefox:\n%s", l.agentLog.String())
	}
	rep := l.endAndCheck(data)
	got := map[string]ipc.CheckItem{}
	for _, it := range rep.Checklist {
		got[it.Code] = it
	}
	for code, want := range map[string]ipc.CheckItem{
		ipc.CheckPrivateBrowsing: {Code: ipc.CheckPrivateBrowsing, OK: true, Why: "opened_private"},
		ipc.CheckDocuments:       {Code: ipc.CheckDocuments, OK: true, Count: rep.Removed.Files, Why: "verified"},
		ipc.CheckBrowsersClosed:  {Code: ipc.CheckBrowsersClosed, OK: true, Count: 2},
		ipc.CheckBrowserData:     {Code: ipc.CheckBrowserData, OK: true, Count: rep.Browsers.Profiles},
	} {
		if got[code] != want {
			t.Errorf("checklist %s = %+v, want %+v", code, got[code], want)
		}
	}
}

// TestBrowsersPrivateModeBypassed: without Ardoise's managed settings
// (a browser the organisation left out), the person browses in normal
// windows, so the browsers keep the login cookie and the history on
// disk. The end of the session still leaves nobody logged in.
func TestBrowsersPrivateModeBypassed(t *testing.T) {
	requireBrowsers(t)
	for _, p := range []string{"/etc/firefox/policies/policies.json", "/etc/chromium/policies/managed/ardoise.json"} {
		if _, err := os.Stat(p); err == nil {
			t.Skipf("%s exists: this case needs browsers without Ardoise's settings", p)
		}
	}
	l := newBrowserLab(t)
	l.startAgent("version: 1\nroots: [{path: '{downloads}'}]\nbrowsers: {launch: none, close: [firefox, chromium]}\ntraces: []\n", false)
	data := l.visit(false, false)
	l.endAndCheck(data)
}

// browserProcesses lists nobody's live processes running Firefox's or
// Chromium's programs, as "PID NAME".
func browserProcesses() []string {
	return liveProcesses(func(uid int, exe string) bool {
		return uid == nobodyUID && (strings.HasPrefix(exe, "/usr/lib/firefox-esr/") || strings.HasPrefix(exe, "/usr/lib/chromium/"))
	})
}
