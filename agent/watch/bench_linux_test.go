package watch

import (
	"bufio"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// burstNames lists the files writeBurst(dirs=500, files=20000) creates,
// relative to the root.
func burstNames() map[string]bool {
	want := map[string]bool{}
	for i := 0; i < 20000; i++ {
		j := i % 500
		want[fmt.Sprintf("a%d/b%d/c%d/f%05d", j%10, j%50, j, i)] = true
	}
	return want
}

// BenchmarkBurstDetect20k measures how long the watcher takes to report a
// burst of 20,000 files written into 500 new nested folders, and how many it
// misses (metric "missed"). Compare with BenchmarkBurstDetect20kInotifywait.
func BenchmarkBurstDetect20k(b *testing.B) {
	want := burstNames()
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		var mu sync.Mutex
		got := map[string]bool{}
		w, err := startBench(root, func(e Entry) { mu.Lock(); got[e.Rel()] = true; mu.Unlock() })
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		writeBurst(b, root, 500, 20000)
		missed := waitAll(&mu, got, want, 30*time.Second)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-last")
		b.ReportMetric(float64(missed), "missed")
		b.StopTimer()
		w.Close()
	}
}

// BenchmarkBurstDetect20kInotifywait is the reference: inotifywait -r -m
// on the same burst.
func BenchmarkBurstDetect20kInotifywait(b *testing.B) {
	if _, err := exec.LookPath("inotifywait"); err != nil {
		b.Skip("inotifywait (Debian package inotify-tools) is not installed")
	}
	want := burstNames()
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		cmd := exec.Command("inotifywait", "-r", "-m", "-q", "-e", "create,moved_to", "--format", "%w%f", root)
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // let it establish its watch
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
		b.ResetTimer()
		start := time.Now()
		writeBurst(b, root, 500, 20000)
		missed := waitAll(&mu, got, want, 10*time.Second)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-last")
		b.ReportMetric(float64(missed), "missed")
		b.StopTimer()
		cmd.Process.Kill()
		cmd.Wait()
	}
}

func waitAll(mu *sync.Mutex, got, want map[string]bool, patience time.Duration) int {
	deadline := time.Now().Add(patience)
	for {
		mu.Lock()
		missed := 0
		for k := range want {
			if !got[k] {
				missed++
			}
		}
		mu.Unlock()
		if missed == 0 || time.Now().After(deadline) {
			return missed
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startBench(root string, on func(Entry)) (*Watcher, error) {
	d, err := safefs.OpenRoot(root, safefs.RootOptions{})
	if err != nil {
		return nil, err
	}
	return Start(Config{Roots: []*safefs.Dir{d}, OnEntry: on})
}
