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
)

// chattr sets or clears the immutable flag: an immutable file cannot be
// unlinked, even by root, which is the real "undeletable file" a wipe
// meets (a file held by the firmware, a broken disk, a flag left by a tool).
func chattr(t *testing.T, flag, path string) {
	t.Helper()
	if out, err := exec.Command("chattr", flag, path).CombinedOutput(); err != nil {
		t.Skipf("chattr %s %s: %v %s (needs root on ext4 or another file system with the immutable flag)", flag, path, err, out)
	}
}

func readMetrics(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "ardoise.prom"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPendingWipeRetriedByStaffCommand: a session ends with one file that
// cannot be erased. The state is pending and a new session is refused;
// once staff have freed the file, "ardoise session end" retries the wipe at
// once (it used to answer "no session"). The metrics count one session,
// ended once by the command line, and the attempts after the first as
// retries; the time of the last verified wipe survives a restart.
func TestPendingWipeRetriedByStaffCommand(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root for chattr +i")
	}
	s := newScratch(t)
	metricsDir := t.TempDir()
	a := s.startAgent(t, "--metrics-dir", metricsDir)
	s.awaitActive(t, a, "")
	locked := filepath.Join(s.home, "Downloads", "verrouille.pdf")
	os.WriteFile(locked, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(s.home, "Downloads", "libre.pdf"), []byte("y"), 0o644)
	chattr(t, "+i", locked)
	t.Cleanup(func() { exec.Command("chattr", "-i", locked).Run() })

	code, out, errOut := s.cli(t, "session", "end")
	if code == 0 || !strings.Contains(errOut, "ardoise session end") {
		t.Fatalf("session end with an undeletable file: exit %d, want 1 and the retry command in the message\n%s\n%s", code, out, errOut)
	}
	if st, err := s.status(t); err != nil || st.State != "pending" {
		t.Fatalf("state %q (%v), want pending", st.State, err)
	}
	if _, out, _ := s.cli(t, "session", "status"); !strings.Contains(out, "'ardoise session end'") {
		t.Errorf("session status does not say how to retry:\n%s", out)
	}
	if code, _, errOut := s.cli(t, "session", "start"); code == 0 || !strings.Contains(errOut, "wipe_pending") {
		t.Fatalf("session start while a wipe is pending: exit %d %s; want wipe_pending", code, errOut)
	}
	// Staff retry before freeing the file: still pending, and said so.
	if code, _, _ := s.cli(t, "session", "end"); code == 0 {
		t.Fatal("retry with the file still undeletable reported success")
	}

	chattr(t, "-i", locked)
	code, out, errOut = s.cli(t, "session", "end")
	if code != 0 || !strings.Contains(out, "verified: nothing left") {
		t.Fatalf("staff retry after freeing the file: exit %d\n%s\n%s\nagent:\n%s", code, out, errOut, a.stderr.String())
	}
	if _, err := os.Lstat(locked); !os.IsNotExist(err) {
		t.Errorf("the freed file is still there: %v", err)
	}
	if st, err := s.status(t); err != nil || (st.State != "idle" && st.State != "clean") {
		t.Errorf("state after the retry %q (%v), want idle", st.State, err)
	}
	got := readMetrics(t, metricsDir)
	for _, want := range []string{
		"ardoise_sessions_started_total 1\n",
		"ardoise_sessions_ended_total{reason=\"command\"} 1\n",
		"ardoise_wipe_failures_total 1\n",
		"ardoise_wipe_duration_seconds_count 1\n",
		"ardoise_wipe_retries_total{outcome=\"pending\"} 2\n", // the refused start's and staff's first
		"ardoise_wipe_retries_total{outcome=\"verified\"} 1\n",
		"ardoise_sessions_refused_total{reason=\"wipe_pending\"} 1\n",
		"ardoise_entries_wiped_total 2\n",
		"ardoise_entries_pending 0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, `reason="recovery"`) {
		t.Errorf("a retry counted as a recovery end:\n%s", got)
	}
	if !regexp.MustCompile(`(?m)^ardoise_build_info\{version="[^"]+",policy_hash="[0-9a-f]{12}"\} 1$`).MatchString(got) {
		t.Errorf("no build info:\n%s", got)
	}
	last := regexp.MustCompile(`(?m)^ardoise_last_successful_wipe_timestamp_seconds (.+)$`).FindStringSubmatch(got)
	if last == nil || last[1] == "0.000" {
		t.Fatalf("no last verified wipe:\n%s", got)
	}
	a.stop(t)

	b := s.startAgent(t, "--metrics-dir", metricsDir, "--no-session")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.status(t); err == nil {
			break
		}
		if time.Now().After(deadline) || !b.running() {
			t.Fatalf("the restarted agent does not answer; stderr:\n%s", b.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after := readMetrics(t, metricsDir); !strings.Contains(after, "ardoise_last_successful_wipe_timestamp_seconds "+last[1]+"\n") {
		t.Errorf("after a restart the last verified wipe is not %s:\n%s", last[1], after)
	}
	b.stop(t)
}
