package watch

import (
	"bufio"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkBurstDetect20k measures how long the watcher takes to report
// the last of 20,000 files written into 500 new nested folders (metric
// ms-to-last, from the first mkdir), and how many it never reports
// (missed). Compare with BenchmarkBurstDetect20kInotifywait in the same run.
func BenchmarkBurstDetect20k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		root := b.TempDir()
		var mu sync.Mutex
		got := map[string]bool{}
		w, _ := start(b, root, func(c *Config) {
			c.OnEvents = func(evs []Event) {
				mu.Lock()
				for _, ev := range evs {
					if ev.Kind == Created {
						got[ev.RelPath] = true
					}
				}
				mu.Unlock()
			}
		})
		b.StartTimer()
		t0 := time.Now()
		names := writeBurst(b, root, 500, 20000)
		missed, last := awaitNames(&mu, got, names, 30*time.Second)
		b.StopTimer()
		b.ReportMetric(float64(last.Sub(t0).Milliseconds()), "ms-to-last")
		b.ReportMetric(float64(missed), "missed")
		st := w.Stats()
		b.ReportMetric(float64(st.Overflows), "overflows")
		w.Close()
		b.StartTimer()
	}
}

// BenchmarkBurstDetect20kInotifywait is the reference: inotifywait -r -m
// (inotify-tools) on the same burst. inotifywait adds watches on new
// folders but does not scan them, so what is created before its watch
// exists is missed.
func BenchmarkBurstDetect20kInotifywait(b *testing.B) {
	if _, err := exec.LookPath("inotifywait"); err != nil {
		b.Skip("inotifywait is not installed (Debian package inotify-tools); no reference to compare with")
	}
	for b.Loop() {
		b.StopTimer()
		root := b.TempDir()
		cmd := exec.Command("inotifywait", "-r", "-m", "-e", "create,moved_to", "--format", "%w%f", root)
		out, _ := cmd.StdoutPipe()
		errp, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// inotifywait says on stderr when its watches are in place.
		sc := bufio.NewScanner(errp)
		for sc.Scan() && !strings.Contains(sc.Text(), "Watches established") {
		}
		go func() {
			for sc.Scan() {
			}
		}()
		var mu sync.Mutex
		got := map[string]bool{}
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				rel := strings.TrimPrefix(sc.Text(), root+"/")
				mu.Lock()
				got[rel] = true
				mu.Unlock()
			}
		}()
		b.StartTimer()
		t0 := time.Now()
		names := writeBurst(b, root, 500, 20000)
		// inotifywait never reports what it missed: wait until nothing new
		// came for a second.
		missed, last := awaitNames(&mu, got, names, time.Second)
		b.StopTimer()
		b.ReportMetric(float64(last.Sub(t0).Milliseconds()), "ms-to-last")
		b.ReportMetric(float64(missed), "missed")
		cmd.Process.Kill()
		cmd.Wait()
		b.StartTimer()
	}
}

// awaitNames waits until every name is in got, or until nothing new
// arrived for quiet. It returns the number missing and when the last name
// arrived.
func awaitNames(mu *sync.Mutex, got map[string]bool, names []string, quiet time.Duration) (int, time.Time) {
	lastCount, lastChange := -1, time.Now()
	for {
		mu.Lock()
		missed := 0
		for _, n := range names {
			if !got[n] {
				missed++
			}
		}
		mu.Unlock()
		now := time.Now()
		if missed != lastCount {
			lastCount, lastChange = missed, now
		}
		if missed == 0 || now.Sub(lastChange) > quiet {
			return missed, lastChange
		}
		time.Sleep(time.Millisecond)
	}
}
