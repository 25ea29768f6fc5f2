//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetricsForMonitoring: with --metrics-dir, the agent keeps a
// Prometheus text file that node_exporter's textfile collector reads: a
// refused policy, a session started and ended from the command line, the
// entries erased and the time of the last verified wipe are there.
func TestMetricsForMonitoring(t *testing.T) {
	s := newScratch(t)
	dir := t.TempDir()
	broken := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(broken, []byte("version: 1\nroots: [{path: '{downloads}', scope: everything}]\n"), 0o644)
	a := s.startAgent(t, "--metrics-dir", dir, "--policy", broken)
	s.awaitActive(t, a, "")
	os.WriteFile(filepath.Join(s.home, "Downloads", "attestation.pdf"), []byte("x"), 0o644)
	if code, out, errOut := s.cli(t, "session", "end"); code != 0 {
		t.Fatalf("session end: %d %s %s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ardoise.prom"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"ardoise_policy_reload_errors_total 1\n",
		"ardoise_sessions_started_total 1\n",
		"ardoise_sessions_ended_total{reason=\"command\"} 1\n", // the command line, not the window's button
		"ardoise_entries_wiped_total 1\n",
		"ardoise_wipe_failures_total 0\n",
		"ardoise_wipe_duration_seconds_count 1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "attestation") || strings.Contains(got, s.home) {
		t.Error("the metrics name a file or a folder")
	}
	if strings.Contains(got, "ardoise_last_successful_wipe_timestamp_seconds 0.000") {
		t.Error("no time for the verified wipe")
	}
	a.stop(t)
}

// TestPolicyReloadedOnChange: a configuration tool replaces the policy
// file (a new file renamed over the old one). A valid one is taken without
// a restart; a broken one is refused with its problems, the running one
// stays, and the metrics count it.
func TestPolicyReloadedOnChange(t *testing.T) {
	s := newScratch(t)
	metricsDir := t.TempDir()
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	write := func(content string) {
		tmp := filepath.Join(dir, ".policy.tmp")
		os.WriteFile(tmp, []byte(content), 0o644)
		if err := os.Rename(tmp, policy); err != nil {
			t.Fatal(err)
		}
	}
	write("version: 1\nroots: [{path: '{downloads}'}]\nnotice: {text: {fr: \"Première version.\"}}\n")
	a := s.startAgent(t, "--policy", policy, "--metrics-dir", metricsDir)
	s.awaitActive(t, a, "")

	notice := func() string {
		st, err := s.status(t)
		if err != nil {
			t.Fatal(err)
		}
		return st.Notice.Text["fr"]
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; agent:\n%s", what, a.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got := notice(); got != "Première version." {
		t.Fatalf("notice %q", got)
	}
	write("version: 1\nroots: [{path: '{downloads}'}]\nnotice: {text: {fr: \"Deuxième version.\"}}\n")
	waitFor("the new policy", func() bool { return notice() == "Deuxième version." })

	write("version: 1\nroots: [{path: '{downloads}', scope: tout}]\n")
	waitFor("the refusal", func() bool { return strings.Contains(a.stderr.String(), "the changed policy is refused") })
	if got := notice(); got != "Deuxième version." {
		t.Errorf("after a broken policy the notice is %q; the last good policy must stay", got)
	}
	if !strings.Contains(a.stderr.String(), "policy.yaml:2") {
		t.Errorf("the refusal does not name the file and line:\n%s", a.stderr.String())
	}
	b, _ := os.ReadFile(filepath.Join(metricsDir, "ardoise.prom"))
	if !strings.Contains(string(b), "ardoise_policy_reload_errors_total 1\n") {
		t.Errorf("metrics:\n%s", b)
	}
	a.stop(t)
}
