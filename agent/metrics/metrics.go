// Package metrics counts what the agent does, for the monitoring IT staff
// already run: it writes Prometheus' text format to a file that
// node_exporter's textfile collector reads (--metrics-dir), so that a
// fleet's Prometheus and Grafana see every computer without a new port
// open on it. Only counts and durations: no name, account or address.
package metrics

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// FileName is the file written in the metrics folder; node_exporter reads
// every *.prom file there.
const FileName = "ardoise.prom"

// durationBuckets are the wipe-duration histogram's upper bounds in
// seconds: a wipe takes milliseconds to a few minutes.
var durationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}

// Metrics holds the counters. The zero value is not usable: use New.
type Metrics struct {
	mu           sync.Mutex
	dir          string
	started      uint64
	ended        map[string]uint64
	wiped        uint64
	failures     uint64
	buckets      []uint64 // cumulative counts per durationBuckets, then +Inf
	sum          float64
	lastSuccess  time.Time
	policyErrors uint64
	accompanied  map[string]uint64 // by outcome
	// OnError is told when the file cannot be written (the agent logs it).
	OnError func(error)
}

// New returns counters that are written to dir/ardoise.prom after each
// change ("" writes nothing: WriteTo still works).
func New(dir string) *Metrics {
	return &Metrics{dir: dir, ended: map[string]uint64{}, buckets: make([]uint64, len(durationBuckets)+1)}
}

// SessionStarted counts a session start.
func (m *Metrics) SessionStarted() {
	m.mu.Lock()
	m.started++
	m.mu.Unlock()
	m.flush()
}

// SessionEnded counts a session's end by reason, the entries it erased,
// the wipe's duration, and whether it was verified clean.
func (m *Metrics) SessionEnded(reason string, removed int, verified bool, took time.Duration, now time.Time) {
	m.mu.Lock()
	m.ended[reason]++
	m.wiped += uint64(max(removed, 0))
	if verified {
		m.lastSuccess = now
	} else {
		m.failures++
	}
	s := took.Seconds()
	m.sum += s
	for i, b := range durationBuckets {
		if s <= b {
			m.buckets[i]++
		}
	}
	m.buckets[len(durationBuckets)]++
	m.mu.Unlock()
	m.flush()
}

// PolicyError counts a policy file refused (the last good one kept).
func (m *Metrics) PolicyError() {
	m.mu.Lock()
	m.policyErrors++
	m.mu.Unlock()
	m.flush()
}

// Accompanied counts an accompanied session by outcome ("complete" or
// "incomplete"): the activity count, summed for the whole fleet.
func (m *Metrics) Accompanied(outcome string) {
	m.mu.Lock()
	if m.accompanied == nil {
		m.accompanied = map[string]uint64{}
	}
	m.accompanied[outcome]++
	m.mu.Unlock()
	m.flush()
}

// WriteTo writes the metrics in Prometheus' text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	metric := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	metric("ardoise_sessions_started_total", "counter", "Sessions started since the agent started.")
	fmt.Fprintf(&b, "ardoise_sessions_started_total %d\n", m.started)
	metric("ardoise_sessions_ended_total", "counter", "Sessions ended, by reason (button, idle, max_duration, closing_time, command, agent_stop, recovery, logout).")
	reasons := make([]string, 0, len(m.ended))
	for r := range m.ended {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, "ardoise_sessions_ended_total{reason=%q} %d\n", r, m.ended[r])
	}
	metric("ardoise_entries_wiped_total", "counter", "Files, folders and links erased at session ends.")
	fmt.Fprintf(&b, "ardoise_entries_wiped_total %d\n", m.wiped)
	metric("ardoise_wipe_failures_total", "counter", "Session ends after which something was left to erase (retried at the next start).")
	fmt.Fprintf(&b, "ardoise_wipe_failures_total %d\n", m.failures)
	metric("ardoise_wipe_duration_seconds", "histogram", "Time from the end of a session to the verified wipe.")
	for i, ub := range durationBuckets {
		fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_bucket{le=\"%g\"} %d\n", ub, m.buckets[i])
	}
	total := m.buckets[len(durationBuckets)]
	fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_bucket{le=\"+Inf\"} %d\n", total)
	fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_sum %g\nardoise_wipe_duration_seconds_count %d\n", m.sum, total)
	metric("ardoise_last_successful_wipe_timestamp_seconds", "gauge", "When the last verified wipe finished (Unix time; 0 for none since the agent started).")
	last := 0.0
	if !m.lastSuccess.IsZero() {
		last = float64(m.lastSuccess.UnixMilli()) / 1000
	}
	fmt.Fprintf(&b, "ardoise_last_successful_wipe_timestamp_seconds %.3f\n", last)
	metric("ardoise_policy_reload_errors_total", "counter", "Policy files refused; the agent kept its last good policy.")
	fmt.Fprintf(&b, "ardoise_policy_reload_errors_total %d\n", m.policyErrors)
	metric("ardoise_accompanied_sessions_total", "counter", "Accompanied sessions ended, by outcome (complete: every item of the charter's checklist done and verified).")
	for _, o := range []string{"complete", "incomplete"} {
		fmt.Fprintf(&b, "ardoise_accompanied_sessions_total{outcome=%q} %d\n", o, m.accompanied[o])
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// Flush writes the file now (at agent start, so that monitoring sees the
// agent before its first session).
func (m *Metrics) Flush() { m.flush() }

// flush rewrites the file atomically: node_exporter must never read half
// of it.
func (m *Metrics) flush() {
	if m.dir == "" {
		return
	}
	err := func() error {
		f, err := os.CreateTemp(m.dir, ".ardoise-*.prom.tmp")
		if err != nil {
			return err
		}
		tmp := f.Name()
		_, err = m.WriteTo(f)
		if err == nil {
			err = f.Chmod(0o644)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp, filepath.Join(m.dir, FileName))
		}
		if err != nil {
			os.Remove(tmp)
		}
		return err
	}()
	if err != nil && m.OnError != nil {
		m.OnError(fmt.Errorf("write the metrics file in %s: %w", m.dir, err))
	}
}
