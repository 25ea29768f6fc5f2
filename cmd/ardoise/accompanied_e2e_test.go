//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/activity"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/staffcode"
)

// TestAccompaniedSession drives an accompanied session as an aidant would:
// a wrong staff code is refused, the right one starts it; a scanned and a
// downloaded document are created; the end returns the charter checklist
// ticked from what really happened — including one item that deliberately
// fails (no managed browser settings here, and no browser opened, so
// private browsing cannot be vouched for) — and the anonymous activity
// record and its CSV hold no personal data.
func TestAccompaniedSession(t *testing.T) {
	s := newScratch(t)
	hash, err := staffcode.Hash("4821")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(s.home, "Scans"), 0o755)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(policy, []byte(`version: 1
roots:
  - {path: '{downloads}', kind: downloads}
  - {path: '{home}/Scans', kind: scans}
session:
  accompanied: {enabled: true, staff_code_hash: "`+hash+`"}
`), 0o644)
	metricsDir := t.TempDir()
	a := s.startAgent(t, "--policy", policy, "--no-session", "--no-browser", "--metrics-dir", metricsDir)

	start := func(code string) (int, string) {
		cmd := s.command(t, "session", "start", "--accompanied", "--code-stdin")
		cmd.Stdin = strings.NewReader(code + "\n")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), out.String()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out := start("0000")
		if code == 1 && strings.Contains(out, "code incorrect") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a wrong staff code: exit %d, %s\nagent:\n%s", code, out, a.stderr.String())
		}
		time.Sleep(100 * time.Millisecond) // the agent is still starting
	}
	if st, _ := s.status(t); st.State != "idle" {
		t.Fatalf("a wrong code started a session: %+v", st)
	}
	if code, out := start("4821"); code != 0 {
		t.Fatalf("the right staff code: exit %d, %s", code, out)
	}
	st := s.awaitActive(t, a, "")
	if st.Mode != ipc.ModeAccompanied || !st.Accompanied.Available || !st.Accompanied.CodeRequired {
		t.Fatalf("status %+v", st)
	}

	personal := []string{"Attestation CAF", "Numérisation avis", filepath.Base(s.home), s.home}
	os.WriteFile(filepath.Join(s.home, "Downloads", "Attestation CAF.pdf"), []byte("pdf"), 0o644)
	os.WriteFile(filepath.Join(s.home, "Scans", "Numérisation avis.pdf"), []byte("scan"), 0o644)
	// The window shows the aidant how many documents the session has.
	for d := time.Now().Add(10 * time.Second); time.Now().Before(d); time.Sleep(50 * time.Millisecond) {
		if st, _ = s.status(t); st.Counts.Entries >= 2 {
			break
		}
	}
	if st.Counts.Entries != 2 {
		t.Errorf("status counts %d entries during the session, want 2", st.Counts.Entries)
	}

	code, out, errOut := s.cli(t, "session", "end", "--json")
	if code != 0 {
		t.Fatalf("session end: exit %d\n%s%s", code, out, errOut)
	}
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]ipc.CheckItem{
		ipc.CheckPrivateBrowsing: {Code: ipc.CheckPrivateBrowsing, OK: false, Why: "not_forced"}, // the deliberate failure
		ipc.CheckDocuments:       {Code: ipc.CheckDocuments, OK: true, Count: 2, Why: "verified"},
		ipc.CheckBrowsersClosed:  {Code: ipc.CheckBrowsersClosed, OK: true},
		ipc.CheckBrowserData:     {Code: ipc.CheckBrowserData, OK: true},
	}
	if len(rep.Checklist) != 5 {
		t.Fatalf("checklist %+v", rep.Checklist)
	}
	for _, it := range rep.Checklist {
		if w, ok := want[it.Code]; ok && it != w {
			t.Errorf("checklist item %+v, want %+v", it, w)
		}
	}
	for _, f := range []string{"Downloads/Attestation CAF.pdf", "Scans/Numérisation avis.pdf"} {
		if _, err := os.Lstat(filepath.Join(s.home, f)); err == nil {
			t.Errorf("%s is still there", f)
		}
	}

	// The activity record and its export: counts, no personal data.
	rc := exec.Command(ardoiseBinary(t), "report", "--since", time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "--state-dir", s.state)
	csvBytes, err := rc.Output()
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	csvOut := string(csvBytes)
	lines := strings.Split(strings.TrimSpace(csvOut), "\n")
	if len(lines) != 2 || lines[0] != "date,duration,documents,browsers,outcome" ||
		lines[1] != time.Now().Format(time.DateOnly)+",<15min,2,0,incomplete" {
		t.Errorf("report CSV:\n%s", csvOut)
	}
	raw, err := os.ReadFile(filepath.Join(s.state, activity.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{csvOut, string(raw)} {
		for _, p := range append(personal, rep.SessionID, "pdf", "http") {
			if strings.Contains(text, p) {
				t.Errorf("the activity record holds %q:\n%s", p, text)
			}
		}
	}
	prom, _ := os.ReadFile(filepath.Join(metricsDir, "ardoise.prom"))
	if !strings.Contains(string(prom), `ardoise_accompanied_sessions_total{outcome="incomplete"} 1`) {
		t.Errorf("metrics lack the accompanied session:\n%s", prom)
	}
	a.stop(t)
}
