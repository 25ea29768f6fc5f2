//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		"ardoise_sessions_ended_total{reason=\"button\"} 1\n", // the command line asks as the person would
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
