// Package activity keeps the anonymous count of accompanied sessions that
// a structure reports to its funders (the Conseiller numérique programme
// counts accompaniments): per session only the day, a duration bucket,
// counts and the outcome. It holds no name, file name, address, account or
// exact time, by construction: a Record has no field that could carry one.
//
// Records are kept in the agent's state folder (root only) for the policy's
// retention, then deleted; "ardoise report --since DATE" exports them as
// CSV.
package activity

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// FileName is the record file in the state folder.
const FileName = "activity.jsonl"

// Record is one accompanied session.
type Record struct {
	// Date is the day the session ended, YYYY-MM-DD in local time.
	Date string `json:"date"`
	// Duration is a bucket: "<15min", "15-30min", "30-60min", ">60min".
	Duration string `json:"duration"`
	// Documents counts the scanned, downloaded or created documents erased.
	Documents int `json:"documents"`
	// Browsers counts the browsers closed, and so the accounts opened in
	// them.
	Browsers int `json:"browsers"`
	// Outcome is "complete" when every item of the checklist was done and
	// verified, else "incomplete".
	Outcome string `json:"outcome"`
}

// Bucket returns d's duration bucket.
func Bucket(d time.Duration) string {
	switch {
	case d < 15*time.Minute:
		return "<15min"
	case d < 30*time.Minute:
		return "15-30min"
	case d < time.Hour:
		return "30-60min"
	}
	return ">60min"
}

// Log is the record file of one state folder.
type Log struct {
	path      string
	retention time.Duration
	mu        sync.Mutex
}

// Open returns the log of stateDir, whose records are kept for retention.
func Open(stateDir string, retention time.Duration) *Log {
	return &Log{path: filepath.Join(stateDir, FileName), retention: retention}
}

// Add appends r, after removing the records older than the retention.
func (l *Log) Add(r Record, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.pruneLocked(now); err != nil {
		return err
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("record the accompanied session: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record the accompanied session: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Prune removes the records older than the retention.
func (l *Log) Prune(now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pruneLocked(now)
}

func (l *Log) pruneLocked(now time.Time) error {
	recs, err := l.readLocked()
	if err != nil || len(recs) == 0 {
		return err
	}
	oldest := now.Add(-l.retention).Format(time.DateOnly)
	var keep bytes.Buffer
	dropped := 0
	for _, r := range recs {
		if r.Date < oldest {
			dropped++
			continue
		}
		line, _ := json.Marshal(r)
		keep.Write(append(line, '\n'))
	}
	if dropped == 0 {
		return nil
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, keep.Bytes(), 0o600); err != nil {
		return fmt.Errorf("remove old activity records: %w", err)
	}
	return os.Rename(tmp, l.path)
}

// Since returns the records from day on (YYYY-MM-DD), oldest first.
func (l *Log) Since(day string) ([]Record, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return nil, fmt.Errorf("%q is not a date; write it as YYYY-MM-DD", day)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recs, err := l.readLocked()
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range recs {
		if r.Date >= day {
			out = append(out, r)
		}
	}
	return out, nil
}

func (l *Log) readLocked() ([]Record, error) {
	f, err := os.Open(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the activity records: %w", err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		// A line cut by a power cut is skipped, not fatal.
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Date != "" {
			out = append(out, r)
		}
	}
	return out, sc.Err()
}

// WriteCSV writes recs as CSV with a header line.
func WriteCSV(w io.Writer, recs []Record) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "duration", "documents", "browsers", "outcome"})
	for _, r := range recs {
		cw.Write([]string{r.Date, r.Duration, strconv.Itoa(r.Documents), strconv.Itoa(r.Browsers), r.Outcome})
	}
	cw.Flush()
	return cw.Error()
}
