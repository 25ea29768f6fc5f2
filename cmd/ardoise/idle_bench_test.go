//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// idleSeconds is how long the idle benchmarks watch (ARDOISE_IDLE_SECONDS,
// default 60).
func idleSeconds() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("ARDOISE_IDLE_SECONDS")); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 60 * time.Second
}

// procStats returns a process's resident memory (bytes) and the number of
// times its threads were switched in (voluntary + involuntary context
// switches), which counts its wakeups.
func procStats(b *testing.B, pid int) (rss int64, switches int64) {
	b.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			rss = kb << 10
		}
	}
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/status")
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			for _, k := range []string{"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"} {
				if v, ok := strings.CutPrefix(l, k); ok {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					switches += n
				}
			}
		}
	}
	return rss, switches
}

func reportIdle(b *testing.B, pid int) {
	time.Sleep(2 * time.Second) // let start-up settle
	_, before := procStats(b, pid)
	d := idleSeconds()
	time.Sleep(d)
	rss, after := procStats(b, pid)
	b.ReportMetric(float64(rss)/(1<<20), "MiB-RSS")
	b.ReportMetric(float64(after-before)/d.Minutes(), "wakeups/min")
}

// BenchmarkAgentIdle measures the running agent, a session open on a home
// with the usual folders, doing nothing: its memory and how often it wakes
// up (target: under 20 MiB, no periodic polling). Run with -benchtime 1x.
func BenchmarkAgentIdle(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := newScratch(b)
		s.preexisting(b)
		a := s.startAgent(b)
		s.awaitActive(b, a, "")
		reportIdle(b, a.cmd.Process.Pid)
		a.stop(b)
	}
}

// BenchmarkInotifywaitIdle is the reference: inotifywait -r -m watching the
// same folders, idle.
func BenchmarkInotifywaitIdle(b *testing.B) {
	if _, err := exec.LookPath("inotifywait"); err != nil {
		b.Skip("inotifywait (Debian package inotify-tools) is not installed")
	}
	for i := 0; i < b.N; i++ {
		s := newScratch(b)
		s.preexisting(b)
		cmd := exec.Command("inotifywait", "-r", "-m", "-q", s.home)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		reportIdle(b, cmd.Process.Pid)
		cmd.Process.Kill()
		cmd.Wait()
	}
}
