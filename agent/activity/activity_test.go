package activity

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAddSinceCSV(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir, 365*24*time.Hour)
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, s, time.Local)
		return d.Add(12 * time.Hour)
	}
	recs := []Record{
		{Date: "2026-01-10", Duration: Bucket(10 * time.Minute), Documents: 2, Browsers: 1, Outcome: "complete"},
		{Date: "2026-03-02", Duration: Bucket(45 * time.Minute), Documents: 0, Browsers: 0, Outcome: "incomplete"},
	}
	for _, r := range recs {
		if err := l.Add(r, day(r.Date)); err != nil {
			t.Fatal(err)
		}
	}
	fi, _ := os.Stat(dir + "/" + FileName)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record file mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := l.Since("2026-02-01")
	if err != nil || !reflect.DeepEqual(got, recs[1:]) {
		t.Fatalf("Since = %v, %v", got, err)
	}
	var b bytes.Buffer
	WriteCSV(&b, recs)
	want := "date,duration,documents,browsers,outcome\n2026-01-10,<15min,2,1,complete\n2026-03-02,30-60min,0,0,incomplete\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	if _, err := l.Since("last week"); err == nil {
		t.Error("a non-date was accepted")
	}
}

func TestRetentionEnforced(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir, 30*24*time.Hour)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local)
	l.Add(Record{Date: "2026-09-01", Duration: "<15min", Outcome: "complete"}, time.Date(2026, 9, 1, 12, 0, 0, 0, time.Local))
	l.Add(Record{Date: "2026-11-20", Duration: "<15min", Outcome: "complete"}, time.Date(2026, 11, 20, 12, 0, 0, 0, time.Local))
	if err := l.Prune(now); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(dir + "/" + FileName)
	if strings.Contains(string(data), "2026-09-01") || !strings.Contains(string(data), "2026-11-20") {
		t.Errorf("after pruning at 30 days:\n%s", data)
	}
}

func TestBuckets(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "<15min", 14 * time.Minute: "<15min", 15 * time.Minute: "15-30min", 59 * time.Minute: "30-60min", 3 * time.Hour: ">60min"} {
		if got := Bucket(d); got != want {
			t.Errorf("Bucket(%v) = %s, want %s", d, got, want)
		}
	}
}
