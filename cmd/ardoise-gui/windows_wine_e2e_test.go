//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/cmd/internal/winetest"
	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

// TestRealWindowOnWindowsUnderWine runs the Windows builds of the window
// (Fyne, cgo with MinGW) and of the agent under Wine, on Xvfb: the window
// finds the agent's named pipe, shows the notice, the person starts and
// ends the session with the keyboard and the mouse, and the document in
// the Windows profile's Downloads is gone. Screenshots 8 to 10 are saved
// beside the Linux ones. Wine draws with the host's OpenGL (Mesa).
func TestRealWindowOnWindowsUnderWine(t *testing.T) {
	need(t, "Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng")
	if testing.Short() {
		t.Skip("builds the window for Windows and starts Wine (about a minute)")
	}
	display := xvfb.Start(t, "1024x768x24")
	w := winetest.New(t, "lecteur", "DISPLAY="+display)
	bin := t.TempDir()
	winetest.CrossBuild(t, filepath.Join(bin, "ardoise.exe"), "../ardoise", "CGO_ENABLED=0")
	winetest.CrossBuild(t, filepath.Join(bin, "ardoise-gui.exe"), ".", "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc")
	downloads := filepath.Join(w.Profile, "Downloads")
	env := w.Env()
	script := w.Script()

	var alog, glog lines
	start(t, &alog, env, script, filepath.Join(bin, "ardoise.exe"), "run", "--no-browser", "--no-window")
	alog.await(t, "session started", 1, 60*time.Second)
	doc := filepath.Join(downloads, "Attestation CAF.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 attestation"), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, &glog, env, script, filepath.Join(bin, "ardoise-gui.exe"))
	glog.await(t, "screen=notice", 1, 90*time.Second)
	if !strings.Contains(glog.String(), `\\.\pipe\Ardoise\agent-`) {
		t.Errorf("the window did not use the agent's named pipe:\n%s", glog.String())
	}

	x := xscreen{t: t, display: display, env: env, shots: screenshotDir(t)}
	x.shot("8-windows-notice")
	x.key("Return")
	glog.await(t, "screen=session", 1, 20*time.Second)
	x.click(primaryButton(t, x.shot("9-windows-session")))
	glog.await(t, "screen=preview", 1, 20*time.Second)
	x.key("Return")
	glog.await(t, "screen=done", 1, 60*time.Second)
	x.shot("10-windows-done")
	if _, err := os.Stat(doc); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the document is still there: %v", err)
	}
	if !strings.Contains(alog.String(), "session ended") {
		t.Errorf("the agent did not end the session:\n%s", alog.String())
	}
}
