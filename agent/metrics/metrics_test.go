package metrics

import (
	"os"
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
	m.SessionEnded("button", 12, true, 80*time.Millisecond, now)
	m.SessionEnded("idle", 3, false, 2*time.Second, now.Add(time.Hour))
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
