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
	"strconv"
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
	retries      map[string]uint64 // wipe retries by outcome
	refused      map[string]uint64 // sessions refused by reason
	pending      int               // entries left to erase now
	rootsRefused map[string]int    // roots refused in the running session, by code
	version      string
	policyHash   string
	// lastPath keeps lastSuccess across restarts ("" keeps it in memory):
	// a gauge that falls to 0 at each boot makes any "no verified wipe for
	// N days" alert fire after every reboot.
	lastPath string
	// OnError is told when the file cannot be written (the agent logs it).
	OnError func(error)
}

// New returns counters that are written to dir/ardoise.prom after each
// change ("" writes nothing: WriteTo still works).
func New(dir string) *Metrics {
	return &Metrics{dir: dir, ended: map[string]uint64{}, buckets: make([]uint64, len(durationBuckets)+1),
		retries: map[string]uint64{}, refused: map[string]uint64{}, rootsRefused: map[string]int{}}
}

// Outcomes of a wipe retry, and reasons a session is refused: every label
// is written, at 0 too, so that an alert on a rate sees the series at once.
var (
	retryOutcomes  = []string{"verified", "pending"}
	RefusedReasons = []string{"wipe_pending", "no_journal"}
)

// KeepLastSuccess reads the time of the last verified wipe from path (a
// file in the agent's state folder, written by root only) and saves it
// there at each verified wipe from now on. A missing or unreadable file
// means none yet.
func (m *Metrics) KeepLastSuccess(path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastPath = path
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if ms, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && ms > 0 {
		m.lastSuccess = time.UnixMilli(ms)
	}
}

// SetBuildInfo records the agent's version and a hash of the policy in
// force, for ardoise_build_info: a fleet view shows at once which PCs run
// another version or another policy.
func (m *Metrics) SetBuildInfo(version, policyHash string) {
	m.mu.Lock()
	m.version, m.policyHash = version, policyHash
	m.mu.Unlock()
	m.flush()
}

// RootsRefused sets the roots of the running session that are not watched,
// by code (symlink, absent, removable…); nil when no session runs.
func (m *Metrics) RootsRefused(byCode map[string]int) {
	m.mu.Lock()
	for c := range m.rootsRefused {
		m.rootsRefused[c] = 0 // the series stays, at 0
	}
	for c, n := range byCode {
		m.rootsRefused[c] = n
	}
	m.mu.Unlock()
	m.flush()
}

// SessionRefused counts a session start refused, by reason (one of
// RefusedReasons).
func (m *Metrics) SessionRefused(reason string) {
	m.mu.Lock()
	m.refused[reason]++
	m.mu.Unlock()
	m.flush()
}

// WipeRetried counts a new attempt at a session's wipe that an earlier one
// left unfinished (or that a crash interrupted after it was left pending):
// the session was counted once, when it ended; a retry is not a new end.
func (m *Metrics) WipeRetried(removed int, verified bool, pending int, now time.Time) {
	m.mu.Lock()
	m.wiped += uint64(max(removed, 0))
	if verified {
		m.retries["verified"]++
		m.setLastSuccessLocked(now)
	} else {
		m.retries["pending"]++
	}
	m.pending = max(pending, 0)
	m.mu.Unlock()
	m.flush()
}

func (m *Metrics) setLastSuccessLocked(now time.Time) {
	m.lastSuccess = now
	if m.lastPath == "" {
		return
	}
	tmp := m.lastPath + ".tmp"
	err := os.WriteFile(tmp, []byte(strconv.FormatInt(now.UnixMilli(), 10)+"\n"), 0o600)
	if err == nil {
		err = os.Rename(tmp, m.lastPath)
	}
	if err != nil && m.OnError != nil {
		m.OnError(fmt.Errorf("save the time of the last verified wipe: %w", err))
	}
}

// SessionStarted counts a session start.
func (m *Metrics) SessionStarted() {
	m.mu.Lock()
	m.started++
	m.mu.Unlock()
	m.flush()
}

// SessionEnded counts a session's end by reason, the entries it erased,
// the wipe's duration, whether it was verified clean and, if not, how many
// entries are left. It is called once per session, at its first wipe;
// later attempts are WipeRetried.
func (m *Metrics) SessionEnded(reason string, removed int, verified bool, pending int, took time.Duration, now time.Time) {
	m.mu.Lock()
	m.ended[reason]++
	m.wiped += uint64(max(removed, 0))
	m.pending = max(pending, 0)
	if verified {
		m.setLastSuccessLocked(now)
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
	metric("ardoise_build_info", "gauge", "Always 1: the agent's version and a hash of the policy in force (the first 12 hexadecimal digits of the SHA-256 of the effective policy, as 'ardoise policy show' prints it).")
	fmt.Fprintf(&b, "ardoise_build_info{version=%q,policy_hash=%q} 1\n", m.version, m.policyHash)
	metric("ardoise_sessions_started_total", "counter", "Sessions started since the agent started.")
	fmt.Fprintf(&b, "ardoise_sessions_started_total %d\n", m.started)
	metric("ardoise_sessions_refused_total", "counter", "Session starts refused, by reason (wipe_pending: the previous session's wipe is not finished; no_journal: what existed before the session could not be recorded in the state folder).")
	for _, r := range RefusedReasons {
		fmt.Fprintf(&b, "ardoise_sessions_refused_total{reason=%q} %d\n", r, m.refused[r])
	}
	metric("ardoise_sessions_ended_total", "counter", "Sessions ended, each counted once at its first wipe, by reason (button, idle, max_duration, closing_time, command, agent_stop, recovery, logout).")
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
	metric("ardoise_wipe_failures_total", "counter", "Session ends after which something was left to erase (retried at the next session start, or by 'ardoise session end').")
	fmt.Fprintf(&b, "ardoise_wipe_failures_total %d\n", m.failures)
	metric("ardoise_wipe_retries_total", "counter", "Further attempts at a wipe left unfinished, by outcome (verified: nothing left; pending: still something left).")
	for _, o := range retryOutcomes {
		fmt.Fprintf(&b, "ardoise_wipe_retries_total{outcome=%q} %d\n", o, m.retries[o])
	}
	metric("ardoise_entries_pending", "gauge", "Entries the last wipe could not erase yet (0 once a wipe is verified).")
	fmt.Fprintf(&b, "ardoise_entries_pending %d\n", m.pending)
	metric("ardoise_roots_refused", "gauge", "Folders of the policy not watched in the running session, by code (symlink, absent, removable, other_mount, unsafe_parent, not_dir, error); no folder names.")
	codes := make([]string, 0, len(m.rootsRefused))
	for c := range m.rootsRefused {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "ardoise_roots_refused{code=%q} %d\n", c, m.rootsRefused[c])
	}
	metric("ardoise_wipe_duration_seconds", "histogram", "Time a session's first wipe took, from the end of the session (retries are not in it).")
	for i, ub := range durationBuckets {
		fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_bucket{le=\"%g\"} %d\n", ub, m.buckets[i])
	}
	total := m.buckets[len(durationBuckets)]
	fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_bucket{le=\"+Inf\"} %d\n", total)
	fmt.Fprintf(&b, "ardoise_wipe_duration_seconds_sum %g\nardoise_wipe_duration_seconds_count %d\n", m.sum, total)
	metric("ardoise_last_successful_wipe_timestamp_seconds", "gauge", "When the last verified wipe finished (Unix time; kept in the state folder across restarts; 0 for none yet on this computer).")
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
