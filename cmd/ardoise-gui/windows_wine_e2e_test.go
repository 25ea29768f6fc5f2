//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	script, err := filepath.Abs("../../.ci/wine/exec")
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := exec.LookPath("x86_64-w64-mingw32-gcc")
	_, err2 := os.Stat("/usr/lib/wine/wine64")
	if err1 != nil || err2 != nil {
		if os.Getenv("ARDOISE_REQUIRE_WINE") == "1" {
			t.Fatalf("Wine or MinGW missing: %v, %v", err1, err2)
		}
		t.Skip("Wine (wine64) or MinGW is not installed; .ci/test installs them as root")
	}
	if testing.Short() {
		t.Skip("builds the window for Windows and starts Wine (about a minute)")
	}
	bin := t.TempDir()
	crossBuild(t, filepath.Join(bin, "ardoise.exe"), "../ardoise", "CGO_ENABLED=0")
	crossBuild(t, filepath.Join(bin, "ardoise-gui.exe"), ".", "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc")

	prefix := filepath.Join(t.TempDir(), "prefix")
	display := xvfb.Start(t, "1024x768x24")
	env := append(os.Environ(), "ARDOISE_WINEPREFIX="+prefix, "USER=lecteur", "DISPLAY="+display)
	t.Cleanup(func() {
		k := exec.Command("/usr/lib/wine/wineserver64", "-k")
		k.Env = append(os.Environ(), "WINEPREFIX="+prefix)
		k.Run()
	})
	wine := func(args ...string) *exec.Cmd {
		c := exec.Command(script, args...)
		c.Env = env
		return c
	}
	if out, err := wine("cmd", "/c", "echo", "ready").CombinedOutput(); err != nil {
		t.Fatalf("make the Wine prefix: %v\n%s", err, out)
	}
	// Wine makes Downloads a link to the Linux home, which the agent
	// rightly refuses; a real folder, as on Windows.
	downloads := filepath.Join(prefix, "drive_c", "users", "lecteur", "Downloads")
	os.Remove(downloads)
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatal(err)
	}

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

// crossBuild builds pkg for Windows into out.
func crossBuild(t *testing.T, out, pkg string, env ...string) {
	t.Helper()
	c := exec.Command("go", "build", "-o", out, pkg)
	c.Env = append(append(os.Environ(), "GOOS=windows", "GOARCH=amd64"), env...)
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go build %s for Windows: %v\n%s", pkg, err, b)
	}
}
