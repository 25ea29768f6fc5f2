package metrics

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTextFormat(t *testing.T) {
	dir := t.TempDir()
	m := New(dir)
	m.SessionStarted()
	m.SessionStarted()
	now := time.Unix(1_800_000_000, 500_000_000)
	m.SessionEnded("button", 12, true, 0, 80*time.Millisecond, now)
	m.SessionEnded("idle", 3, false, 1, 2*time.Second, now.Add(time.Hour))
	m.PolicyError()

	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"# TYPE ardoise_sessions_started_total counter\nardoise_sessions_started_total 2\n",
		"ardoise_sessions_ended_total{reason=\"button\"} 1\nardoise_sessions_ended_total{reason=\"idle\"} 1\n",
		"ardoise_entries_wiped_total 15\n",
		"ardoise_wipe_failures_total 1\n",
		"ardoise_wipe_duration_seconds_bucket{le=\"0.05\"} 0\n",
		"ardoise_wipe_duration_seconds_bucket{le=\"0.1\"} 1\n",
		"ardoise_wipe_duration_seconds_bucket{le=\"2.5\"} 2\n",
		"ardoise_wipe_duration_seconds_bucket{le=\"+Inf\"} 2\n",
		"ardoise_wipe_duration_seconds_count 2\n",
		"ardoise_last_successful_wipe_timestamp_seconds 1800000000.500\n",
		"ardoise_policy_reload_errors_total 1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	// Every sample line belongs to a declared metric, and every line is
	// a comment or "name[{labels}] value".
	declared := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			declared[f[2]] = true
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(strings.Fields(line)[0], "{")
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if !declared[name] && !declared[base] {
			t.Errorf("sample of an undeclared metric: %s", line)
		}
		if len(strings.Fields(line)) != 2 {
			t.Errorf("malformed sample: %q", line)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestUnwritableFolderIsReported(t *testing.T) {
	m := New(filepath.Join(t.TempDir(), "missing"))
	var got error
	m.OnError = func(err error) { got = err }
	m.SessionStarted()
	if got == nil || !strings.Contains(got.Error(), "metrics file") {
		t.Errorf("error %v", got)
	}
}

// TestLastSuccessSurvivesRestart: the time of the last verified wipe is
// kept in the state folder, so that "no verified wipe for 3 days" does not
// fire after every reboot (it was 0 at each start).
func TestLastSuccessSurvivesRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "last-verified-wipe")
	now := time.Unix(1_800_000_000, 250_000_000)
	m := New("")
	m.KeepLastSuccess(state)
	m.SessionEnded("button", 1, true, 0, time.Millisecond, now)

	again := New("")
	again.KeepLastSuccess(state)
	var b bytes.Buffer
	again.WriteTo(&b)
	if !strings.Contains(b.String(), "ardoise_last_successful_wipe_timestamp_seconds 1800000000.250\n") {
		t.Errorf("after a restart:\n%s", b.String())
	}
}

// TestRetryIsNotASecondEnd: one session whose wipe needed two more
// attempts is one session ended, one wipe duration, two retries.
func TestRetryIsNotASecondEnd(t *testing.T) {
	m := New("")
	now := time.Unix(1_800_000_000, 0)
	m.SessionStarted()
	m.SessionEnded("button", 4, false, 1, time.Second, now)
	m.WipeRetried(0, false, 1, now.Add(time.Minute))
	m.WipeRetried(1, true, 0, now.Add(2*time.Minute))
	var b bytes.Buffer
	m.WriteTo(&b)
	got := b.String()
	for _, want := range []string{
		"ardoise_sessions_started_total 1\n",
		"ardoise_sessions_ended_total{reason=\"button\"} 1\n",
		"ardoise_wipe_failures_total 1\n",
		"ardoise_wipe_duration_seconds_count 1\n",
		"ardoise_wipe_retries_total{outcome=\"verified\"} 1\nardoise_wipe_retries_total{outcome=\"pending\"} 1\n",
		"ardoise_entries_wiped_total 5\n",
		"ardoise_entries_pending 0\n",
		"ardoise_last_successful_wipe_timestamp_seconds 1800000120.000\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Count(got, "ardoise_sessions_ended_total{") != 1 {
		t.Errorf("more than one end:\n%s", got)
	}
}

// TestPromtoolChecksMetrics runs Prometheus' own linter (Debian package
// prometheus) on a file with every metric and label in it.
func TestPromtoolChecksMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian: apt-get install prometheus)")
	}
	m := New("")
	m.SetBuildInfo("1.2.3", "0123456789ab")
	m.SessionStarted()
	m.RootsRefused(map[string]int{"symlink": 1, "absent": 2})
	m.SessionRefused("wipe_pending")
	m.SessionEnded("command", 2, false, 1, time.Second, time.Unix(1_800_000_000, 0))
	m.WipeRetried(1, true, 0, time.Unix(1_800_000_100, 0))
	m.Accompanied("complete")
	var b bytes.Buffer
	m.WriteTo(&b)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, b.String())
	}
	for _, want := range []string{
		"ardoise_build_info{version=\"1.2.3\",policy_hash=\"0123456789ab\"} 1\n",
		"ardoise_roots_refused{code=\"absent\"} 2\nardoise_roots_refused{code=\"symlink\"} 1\n",
		"ardoise_sessions_refused_total{reason=\"wipe_pending\"} 1\nardoise_sessions_refused_total{reason=\"no_journal\"} 0\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
}
