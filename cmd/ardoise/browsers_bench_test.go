//go:build linux

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/browsers"

	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

// BenchmarkCloseBrowsers measures, with the real Firefox ESR and Chromium
// open on a page under Xvfb, the time from the end of a session to no
// browser process left: Ardoise's CloseUserBrowsers (polite request to
// every process of the browsers, then force after the grace period),
// against the reference of sending SIGTERM to the two browsers and waiting
// for every one of their processes to go, in the same run.
//
//	go test -run '^$' -bench CloseBrowsers -benchtime 5x ./cmd/ardoise
func BenchmarkCloseBrowsers(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: the browsers run as nobody")
	}
	for _, p := range []string{firefoxBin, chromiumBin, "/usr/bin/Xvfb"} {
		if _, err := os.Stat(p); err != nil {
			b.Skip(p + " is missing")
		}
	}
	base, err := os.MkdirTemp("", "ardoise-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(base)
	os.Chmod(base, 0o755)
	home := filepath.Join(base, "home")
	os.Mkdir(home, 0o700)
	os.Chown(home, nobodyUID, nobodyUID)
	display := xvfb.Start(b, "1280x800x24")
	page := filepath.Join(base, "page.html")
	os.WriteFile(page, []byte("<!doctype html><title>Ardoise</title><p>Bonjour"), 0o644)

	open := func() []*exec.Cmd {
		var cmds []*exec.Cmd
		for _, args := range [][]string{
			{firefoxBin, "--private-window", "file://" + page},
			append(append([]string{chromiumBin}, chromiumArgs...), "--incognito", "file://"+page),
		} {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}, Setsid: true}
			cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "DISPLAY=" + display}
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			go cmd.Wait()
			cmds = append(cmds, cmd)
		}
		// Let both settle: their helper processes up and the page shown.
		deadline := time.Now().Add(30 * time.Second)
		for len(browserProcesses()) < 8 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(3 * time.Second)
		return cmds
	}
	waitNone := func() {
		for len(browserProcesses()) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	bs := browsers.Select([]string{"firefox", "chromium"})

	b.Run("ardoise", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			open()
			b.StartTimer()
			c, err := browsers.CloseUserBrowsers(context.Background(), nobodyUID, "", bs, browsers.DefaultGrace)
			if err != nil {
				b.Fatal(err)
			}
			waitNone()
			b.StopTimer()
			b.ReportMetric(float64(c.Killed), "forced/op")
			b.StartTimer()
		}
	})
	b.Run("sigterm-wait", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			cmds := open()
			b.StartTimer()
			for _, c := range cmds {
				syscall.Kill(c.Process.Pid, syscall.SIGTERM)
			}
			waitNone()
		}
	})
}
