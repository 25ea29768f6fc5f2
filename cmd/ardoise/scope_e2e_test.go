//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// kioskHomePolicy is the médiathèque's policy in short: the whole home
// with scope all, for a dedicated kiosk account. No trace folders: they
// would be roots inside that root, another case (issue 13 RC11).
const kioskHomePolicy = "version: 1\naccounts: {kiosk: [public], dedicated: true}\nroots: [{path: '{home}', scope: all, keep: ['Bureau/*.desktop']}]\ntraces: []\n"

// TestRC9_AgentNeverErasesItsOwnState: a person tries an example policy
// whose root is {home} with scope all in the foreground, with the agent's
// state folder and its socket's folder inside that home (the defaults
// without XDG_RUNTIME_DIR). Without the explicit flag the agent refuses to
// run and says why, and nothing is touched. With it, the preview does not
// list the agent's journal, baseline, last good policy or socket; the end
// erases the home but not them, and the agent still answers and runs a
// second session.
func TestRC9_AgentNeverErasesItsOwnState(t *testing.T) {
	s := newScratch(t)
	s.state = filepath.Join(s.home, ".local", "state", "ardoise")
	s.sock = filepath.Join(s.home, ".cache", "ard", "a.sock")
	if len(s.sock) > 100 {
		t.Skipf("socket path too long for this temporary folder: %s", s.sock)
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	mustWrite(t, policy, kioskHomePolicy)
	mine := filepath.Join(s.home, "Documents", "mes-impots.pdf")
	mustWrite(t, mine, "the person's own file")

	a := s.startAgent(t, "--policy", policy, "--no-window", "--no-browser")
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the agent runs a policy that empties the home of its own user without being told; stderr:\n%s", a.stderr.String())
	}
	if a.err == nil || !strings.Contains(a.stderr.String(), "--i-understand-this-empties-my-home") || !strings.Contains(a.stderr.String(), `scope "all"`) {
		t.Errorf("refusal: exit %v, stderr does not name the flag and say why:\n%s", a.err, a.stderr.String())
	}
	if _, err := os.Stat(mine); err != nil {
		t.Fatalf("the person's file went: %v", err)
	}

	a = s.startAgent(t, "--policy", policy, "--no-window", "--no-browser", "--i-understand-this-empties-my-home")
	st := s.awaitActive(t, a, "")
	mustWrite(t, filepath.Join(s.home, "Downloads", "cv.pdf"), "session")
	code, out, stderr := s.cli(t, "session", "preview", "--json", "--limit", "1000")
	if code != 0 {
		t.Fatalf("preview: exit %d: %s", code, stderr)
	}
	var p ipc.Preview
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	sawCV := false
	for _, it := range p.Items {
		if strings.HasPrefix(it.Path, s.state+"/") || strings.HasPrefix(it.Path, filepath.Dir(s.sock)+"/") {
			t.Errorf("the preview lists the agent's own %s", it.Path)
		}
		sawCV = sawCV || it.Name == "cv.pdf"
	}
	if !sawCV {
		t.Errorf("the preview misses the session's cv.pdf: %+v", p.Items)
	}

	if code, _, stderr := s.cli(t, "session", "end"); code != 0 {
		t.Fatalf("session end: exit %d: %s\nagent:\n%s", code, stderr, a.stderr.String())
	}
	for _, p := range []string{s.state, filepath.Join(s.state, "last-good-policy.yaml"), s.sock} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("the end erased the agent's own %s: %v", p, err)
		}
	}
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Errorf("with the flag, scope all should have emptied the home: %v", err)
	}
	// Still reachable, and the journal still works for the next session.
	if code, _, stderr := s.cli(t, "session", "start"); code != 0 {
		t.Fatalf("second session start: exit %d: %s\nagent:\n%s", code, stderr, a.stderr.String())
	}
	s.awaitActive(t, a, st.SessionID)
	if code, _, stderr := s.cli(t, "session", "end"); code != 0 {
		t.Fatalf("second session end: exit %d: %s", code, stderr)
	}
	a.stop(t)
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRC7_ProgramWritesAfterTheEnd: the system service, a real kiosk
// account, end_programs off (the default). The person leaves a program
// running that writes a file into the downloads 0.5 s after the end of
// the session. The next session must not take that file for the
// library's: it is erased at its end, while a file of the kiosk account
// that was there before the first session stays through both.
func TestRC7_ProgramWritesAfterTheEnd(t *testing.T) {
	name, uid, home := kioskAccount(t)
	dl := filepath.Join(home, "Downloads")
	guide := filepath.Join(dl, "guide.pdf")
	mustWrite(t, guide, "the library's guide, owned by the kiosk account")
	mustDo(t, os.Chown(guide, uid, uid))
	cli, agentLog := startSystemAgent(t, name, uid, home, false)

	trigger := filepath.Join(filepath.Dir(home), "ended")
	late := filepath.Join(dl, "late.pdf")
	writer := runAs(uid, "/bin/sh", "-c", `while [ ! -e "$0" ]; do sleep 0.02; done; sleep 0.5; echo "written after the end" > "$1"`, trigger, late)
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { writer.Process.Kill(); writer.Wait() })

	if code, out := cli(0, "session", "end", "--json"); code != 0 {
		t.Fatalf("session end: %d %s\nagent:\n%s", code, out, agentLog.String())
	}
	mustWrite(t, trigger, "")
	if err := writer.Wait(); err != nil {
		t.Fatalf("the late writer failed: %v", err)
	}
	if _, err := os.Stat(late); err != nil {
		t.Fatalf("the late file was not written: %v", err)
	}

	if code, out := cli(uid, "session", "start", "--json"); code != 0 {
		t.Fatalf("second session start: %d %s\nagent:\n%s", code, out, agentLog.String())
	}
	code, out := cli(0, "session", "end", "--json")
	if code != 0 {
		t.Fatalf("second session end: %d %s\nagent:\n%s", code, out, agentLog.String())
	}
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, err := os.Stat(late); !os.IsNotExist(err) {
		t.Errorf("the file a program wrote after the end survived the next session (%v); report %+v", err, rep)
	}
	if _, err := os.Stat(guide); err != nil {
		t.Errorf("the library's file went: %v", err)
	}
	if !rep.Verified || rep.Removed.Files != 1 {
		t.Errorf("second report: verified %v, removed %+v; want verified and 1 file", rep.Verified, rep.Removed)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
