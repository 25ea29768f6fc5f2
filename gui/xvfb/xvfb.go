// Package xvfb starts a virtual X server for tests that need a real
// display: the window, the idle time, the browsers. It is used by tests
// only.
package xvfb

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Start starts Xvfb on a display it picks itself (-displayfd, so that
// tests running at once never collide), with a screen of the given size
// ("1024x768x24"; "" for Xvfb's default), and returns the display
// (":N"). The server stops with the test.
func Start(tb testing.TB, screen string) string {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	args := []string{"-displayfd", "3", "-ac", "-nolisten", "tcp"}
	if screen != "" {
		args = append(args, "-screen", "0", screen)
	}
	x := exec.Command("Xvfb", args...)
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		tb.Fatal(err)
	}
	w.Close()
	tb.Cleanup(func() { x.Process.Kill(); x.Wait() })
	line, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		tb.Fatalf("Xvfb did not say its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}
