//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

// BenchmarkWindowStart measures, under Xvfb, the time from starting the
// window to its first screen drawn, and its resident memory then; beside
// it in the same run, the same for xmessage, the smallest X program there
// is (a reference for what "a window" costs on this machine), and for
// glwindow (testdata/glwindow), a blank full-screen OpenGL window through
// the same GLFW and OpenGL bindings: what any OpenGL window costs here,
// Mesa's allocations included, which the software-GL share read from the
// libraries' mappings does not count; and for fynewindow
// (testdata/fynewindow), the smallest full-screen Fyne window: the
// toolkit's floor, above which the window's cost is Ardoise's own. The
// three are built as installer/build builds the window (packageBuildFlags).
//
//	go test -run '^$' -bench WindowStart -benchtime 5x ./cmd/ardoise-gui
func BenchmarkWindowStart(b *testing.B) {
	for _, p := range []string{"Xvfb", "xmessage"} {
		if _, err := exec.LookPath(p); err != nil {
			b.Skip(p + " is missing")
		}
	}
	dir := b.TempDir()
	agent := filepath.Join(dir, "ardoise")
	gui := filepath.Join(dir, "ardoise-gui")
	glwindow := filepath.Join(dir, "glwindow")
	fynewindow := filepath.Join(dir, "fynewindow")
	if o, err := exec.Command("go", "build", "-o", agent, "../ardoise").CombinedOutput(); err != nil {
		b.Fatalf("go build ../ardoise: %v\n%s", err, o)
	}
	for pkg, out := range map[string]string{".": gui, "./testdata/glwindow": glwindow, "./testdata/fynewindow": fynewindow} {
		args := append(append([]string{"build"}, packageBuildFlags...), "-o", out, pkg)
		if o, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, o)
		}
	}
	home := filepath.Join(dir, "home")
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o755)
	sock := filepath.Join(dir, "a.sock")

	display := xvfb.Start(b, "1024x768x24")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DISPLAY=" + display}
	a := exec.Command(agent, "run", "--no-window", "--no-browser", "--socket", sock, "--state-dir", filepath.Join(dir, "state"))
	a.Env = env
	if err := a.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { a.Process.Signal(syscall.SIGTERM); a.Wait() }()
	time.Sleep(time.Second)

	// One connection to look for the windows: a program started every
	// 5 ms to look (xdotool, as before) made one start in ten fail to
	// connect to Xvfb (GLFW: "Failed to detect any supported platform").
	x, err := xgb.NewConnDisplay(display)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()

	// run starts a window program and waits until a window with that
	// title is mapped; it returns the program's resident memory then, and
	// how long it took to show.
	run := func(b *testing.B, title string, name string, args ...string) (rss, gl float64, took time.Duration) {
		b.StopTimer() // the metric is ms-to-shown, timed here: a retry must not count
		defer b.StartTimer()
		visible := func() bool { return shownWindow(x, title) }
		// Should a program fail to connect to the display and exit at
		// once, it is started again, and the log says so.
		for try := 1; ; try++ {
			var stderr bytes.Buffer
			cmd := exec.Command(name, args...)
			cmd.Env = env
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			hasExited := func() bool {
				select {
				case <-exited:
					return true
				default:
					return false
				}
			}
			// Poll every 5 ms ("xdotool search --sync" sleeps half a
			// second between looks, which would hide the difference).
			shown := false
			for !shown && !hasExited() {
				if shown = visible(); !shown {
					if time.Since(start) > 30*time.Second {
						b.Fatalf("%s never showed; it wrote:\n%s", name, stderr.String())
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			took = time.Since(start)
			if !shown {
				if try == 3 {
					b.Fatalf("%s exited before showing, three times; it wrote:\n%s", name, stderr.String())
				}
				b.Logf("%s exited before showing (try %d), started again: %s", name, try, why(stderr.String()))
				continue
			}
			time.Sleep(500 * time.Millisecond) // settled: the first frame is drawn
			rss, gl = rssMiB(cmd.Process.Pid), softwareGLMiB(cmd.Process.Pid)
			cmd.Process.Kill()
			<-exited
			return rss, gl, took
		}
	}
	// report gives the figures of the last start, and the mean time to show.
	report := func(b *testing.B, rss, gl float64, took time.Duration, n int) {
		b.ReportMetric(float64(took.Milliseconds())/float64(n), "ms-to-shown")
		b.ReportMetric(0, "ns/op") // the time is ms-to-shown, without the measuring
		b.ReportMetric(rss, "MiB-rss")
		b.ReportMetric(gl, "MiB-rss-of-software-GL")
		// The target (issue 17): what the window costs on a PC with a
		// graphics driver, which loads no software renderer.
		b.ReportMetric(rss-gl, "MiB-rss-without-software-GL")
	}
	for _, w := range []struct {
		sub, title, name string
		args             []string
	}{
		{"ardoise-gui", "Ardoise", gui, []string{"--socket", sock}},
		{"glwindow", "glwindow", glwindow, nil},
		{"fynewindow", "fynewindow", fynewindow, nil},
		{"xmessage", "xmessage", "xmessage", []string{"Bonjour"}},
	} {
		b.Run(w.sub, func(b *testing.B) {
			var rss, gl float64
			var total time.Duration
			n := 0
			for b.Loop() {
				r, g, took := run(b, w.title, w.name, w.args...)
				rss, gl, total, n = r, g, total+took, n+1
			}
			report(b, rss, gl, total, n)
		})
	}
}

// packageBuildFlags are installer/build's flags for the Linux window
// (TestBenchmarkBuildsLikeThePackage keeps the two the same): PIE, as
// Debian wants every program, costs about 1.4 MiB of relocated pages
// against a plain "go build"; the memory measured is the packaged one.
var packageBuildFlags = []string{"-trimpath", "-buildmode=pie", "-tags", "no_emoji", "-ldflags", "-s -w -extldflags=-Wl,-z,relro,-z,now"}

// shownWindow tells whether a window titled title is mapped and viewable
// on x's screen. Without a window manager, as under the benchmark's Xvfb,
// programs' windows are the root's own children.
func shownWindow(x *xgb.Conn, title string) bool {
	root := xproto.Setup(x).DefaultScreen(x).Root
	tree, err := xproto.QueryTree(x, root).Reply()
	if err != nil {
		return false
	}
	for _, w := range tree.Children {
		attr, err := xproto.GetWindowAttributes(x, w).Reply()
		if err != nil || attr.MapState != xproto.MapStateViewable {
			continue
		}
		name, err := xproto.GetProperty(x, false, w, xproto.AtomWmName, xproto.GetPropertyTypeAny, 0, 256).Reply()
		if err == nil && string(name.Value) == title {
			return true
		}
	}
	return false
}

// why is the line of a program's output that says why it stopped: the
// cause Fyne logs, or its first line.
func why(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if strings.Contains(l, "Cause:") {
			return strings.TrimSpace(l)
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if l := lines[i]; l != "" && l[0] != ' ' && l[0] != '\t' {
			return l
		}
	}
	return lines[0]
}

func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// softwareGLMiB is the part of pid's resident memory in the mappings of
// Mesa's software renderer (libLLVM, the dri driver, libgallium): under
// Xvfb it is the only OpenGL there is, and a real graphics driver
// replaces it.
func softwareGLMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return 0
	}
	var kb float64
	gl := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			path := ""
			if len(f) >= 6 {
				path = f[5]
			}
			gl = strings.Contains(path, "libLLVM") || strings.Contains(path, "/dri/") || strings.Contains(path, "libgallium")
		case gl && len(f) >= 2 && f[0] == "Rss:":
			v, _ := strconv.ParseFloat(f[1], 64)
			kb += v
		}
	}
	return kb / 1024
}

// TestBenchmarkBuildsLikeThePackage: the memory the README gives is the
// packaged window's only while the benchmark builds it as installer/build
// does.
func TestBenchmarkBuildsLikeThePackage(t *testing.T) {
	script, err := os.ReadFile("../../installer/build")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(script), "\n") {
		if strings.Contains(l, "go build") && strings.Contains(l, "dist/linux/ardoise-gui") {
			line = l
		}
	}
	if line == "" {
		t.Fatal("installer/build has no line building dist/linux/ardoise-gui")
	}
	// The same flags, in the same order, as the shell line writes them.
	var words []string
	for _, f := range packageBuildFlags {
		if strings.Contains(f, " ") {
			f = `"` + f + `"`
		}
		words = append(words, f)
	}
	if want := strings.Join(words, " "); !strings.Contains(line, " "+want+" ") {
		t.Errorf("installer/build builds the window with other flags than BenchmarkWindowStart (%s), which must measure what the package ships; its line: %s", want, strings.TrimSpace(line))
	}
}
