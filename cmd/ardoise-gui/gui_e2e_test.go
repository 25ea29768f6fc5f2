//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/ardoise-fr/ardoise/gui/screens"
	"github.com/ardoise-fr/ardoise/gui/xvfb"
)

// ScreenshotDir is where the end-to-end test leaves a PNG of each screen
// (the README points there): $ARDOISE_SCREENSHOTS, or a folder in the
// system's temporary folder.
func screenshotDir(t *testing.T) string {
	d := os.Getenv("ARDOISE_SCREENSHOTS")
	if d == "" {
		d = filepath.Join(os.TempDir(), "ardoise-screenshots")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func need(t *testing.T, progs ...string) {
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("ARDOISE_REQUIRE_BROWSERS") == "1" {
				t.Fatalf("%s is missing", p)
			}
			t.Skipf("%s is missing (Debian packages xvfb, x11-apps, netpbm, xdotool)", p)
		}
	}
}

// lines collects a process's log lines and lets a test wait for one.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) feed(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l.mu.Lock()
		l.all = append(l.all, sc.Text())
		l.mu.Unlock()
	}
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

func (l *lines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, x := range l.all {
		if strings.Contains(x, s) {
			n++
		}
	}
	return n
}

func (l *lines) await(t *testing.T, s string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for l.count(s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q (#%d); log:\n%s", s, n, l.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func build(t *testing.T, dir, pkg, out string) string {
	t.Helper()
	p := filepath.Join(dir, out)
	if b, err := exec.Command("go", "build", "-tags", "no_emoji", "-o", p, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return p
}

func start(t *testing.T, log *lines, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	// Its own process group, so that what it starts (the agent starts the
	// window) goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go log.feed(pr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); pw.Close(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	return cmd
}

// TestRealWindowEndsTheSession runs the real agent and the real window
// under Xvfb: a document appears in the watched downloads, the person goes
// through the notice with the keyboard, clicks the end button with the
// mouse and erases with the keyboard (xdotool for both); the document is
// gone and the final screen is shown. A screenshot of each screen is
// saved (screenshotDir).
func TestRealWindowEndsTheSession(t *testing.T) {
	need(t, "Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng")
	bin := t.TempDir()
	agent := build(t, bin, "../ardoise", "ardoise")
	build(t, bin, ".", "ardoise-gui") // beside ardoise, where "ardoise run" finds it

	base := t.TempDir()
	home := filepath.Join(base, "home")
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o755)
	sock := filepath.Join(base, "a.sock")
	shots := screenshotDir(t)

	display := xvfb.Start(t, "1024x768x24")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DISPLAY=" + display, "LANG=C.UTF-8"}

	// The agent opens the window itself, as "ardoise run" does in a
	// graphical session (ardoise-gui beside ardoise); the window's log
	// goes to the agent's.
	var alog lines
	glog := &alog
	started := time.Now()
	start(t, &alog, env, agent, "run", "--no-browser", "--socket", sock, "--state-dir", filepath.Join(base, "state"))
	alog.await(t, "session started", 1, 20*time.Second)
	doc := filepath.Join(home, "Downloads", "Attestation CAF.pdf")
	os.WriteFile(doc, []byte("%PDF-1.4 attestation"), 0o644)
	glog.await(t, "screen=notice", 1, 60*time.Second)
	t.Logf("window shown %s after the agent started", time.Since(started).Round(time.Millisecond))

	x := xscreen{t: t, display: display, env: env, shots: shots}
	x.shot("1-notice")
	x.key("Return")
	glog.await(t, "screen=session", 1, 10*time.Second)
	// The end button is clicked with the mouse, as a person would: it is
	// the only button in the theme's primary colour on this screen.
	x.click(primaryButton(t, x.shot("2-session")))
	glog.await(t, "screen=preview", 1, 10*time.Second)
	x.shot("3-preview")
	x.key("Return")
	glog.await(t, "screen=done", 1, 60*time.Second)
	x.shot("4-done")

	if _, err := os.Stat(doc); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the document is still there: %v", err)
	}
	if !strings.Contains(alog.String(), "session ended") {
		t.Errorf("the agent did not end the session:\n%s", alog.String())
	}
	t.Logf("screenshots in %s", shots)
}

// TestRealWindowAccompanied runs the accompanied flow in the real window
// under Xvfb: the aidant clicks "Pour l'aidant" on the notice, reads the
// ground rules and starts; the session screen says it is accompanied; at
// the end the window shows the charter's checklist as the agent ticked it.
// Screenshots of the three screens are saved beside the others.
func TestRealWindowAccompanied(t *testing.T) {
	need(t, "Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng")
	bin := t.TempDir()
	agent := build(t, bin, "../ardoise", "ardoise")
	build(t, bin, ".", "ardoise-gui")

	base := t.TempDir()
	home := filepath.Join(base, "home")
	os.MkdirAll(filepath.Join(home, "Downloads"), 0o755)
	sock := filepath.Join(base, "a.sock")
	policy := filepath.Join(base, "policy.yaml")
	os.WriteFile(policy, []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession: {accompanied: {enabled: true}}\n"), 0o644)
	shots := screenshotDir(t)
	display := xvfb.Start(t, "1024x768x24")
	env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DISPLAY=" + display, "LANG=C.UTF-8"}

	var alog lines
	start(t, &alog, env, agent, "run", "--no-browser", "--policy", policy, "--socket", sock, "--state-dir", filepath.Join(base, "state"))
	alog.await(t, "screen=notice", 1, 60*time.Second)
	x := xscreen{t: t, display: display, env: env, shots: shots}
	// « Pour l'aidant (avec un code) » is the notice's secondary button at
	// the bottom left (the other secondary ones are the languages, at the
	// top).
	ax, ay := colourArea(t, x.shot("4b-notice-accompany"), theme.ColorNameWarning, true)
	x.click(ax, ay)
	alog.await(t, "screen=accompany", 1, 10*time.Second)
	x.click(primaryButton(t, x.shot("5-accompany")))
	alog.await(t, "screen=session", 1, 10*time.Second)
	x.shot("6-accompanied-session")

	doc := filepath.Join(home, "Downloads", "Numérisation avis.pdf")
	os.WriteFile(doc, []byte("%PDF-1.4 scan"), 0o644)
	time.Sleep(500 * time.Millisecond)
	end := exec.Command(agent, "session", "end", "--socket", sock)
	end.Env = env
	if b, err := end.CombinedOutput(); err != nil {
		t.Fatalf("session end: %v %s", err, b)
	}
	alog.await(t, "screen=checklist", 1, 30*time.Second)
	x.shot("7-checklist")
	if _, err := os.Stat(doc); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the document is still there: %v", err)
	}
}

// xscreen drives the X server of a test: screenshots into shots, keys
// and clicks with xdotool.
type xscreen struct {
	t       *testing.T
	display string
	env     []string
	shots   string
}

// shot saves a screenshot as shots/NAME.png and returns its path.
func (x xscreen) shot(name string) string {
	x.t.Helper()
	time.Sleep(300 * time.Millisecond) // let the frame reach the X server
	out := filepath.Join(x.shots, name+".png")
	cmd := fmt.Sprintf("xwd -root -silent -display %s | xwdtopnm 2>/dev/null | pnmtopng > %q", x.display, out)
	if b, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		x.t.Fatalf("screenshot: %v %s", err, b)
	}
	return out
}

// key types k in the window.
func (x xscreen) key(k string) {
	x.t.Helper()
	// No window manager runs: give the window the focus, then type.
	script := fmt.Sprintf("xdotool search --sync --name '^Ardoise$' windowfocus --sync key %s", k)
	c := exec.Command("sh", "-c", script)
	c.Env = x.env
	if b, err := c.CombinedOutput(); err != nil {
		x.t.Fatalf("xdotool: %v %s", err, b)
	}
}

// click clicks at (px, py) on the screen.
func (x xscreen) click(px, py int) {
	x.t.Helper()
	c := exec.Command("xdotool", "mousemove", fmt.Sprint(px), fmt.Sprint(py), "click", "1")
	c.Env = x.env
	if b, err := c.CombinedOutput(); err != nil {
		x.t.Fatalf("xdotool click: %v %s", err, b)
	}
}

// primaryButton finds, in a screenshot, the middle of the area painted in
// the window's primary (navy) colour.
func primaryButton(t *testing.T, file string) (int, int) {
	t.Helper()
	return colourArea(t, file, theme.ColorNamePrimary, false)
}

// colourArea finds, in a screenshot, the middle of the area painted in the
// window theme's colour name, in the lower left quarter of the screen only
// when lowerLeft is set.
func colourArea(t *testing.T, file string, name fyne.ThemeColorName, lowerLeft bool) (int, int) {
	t.Helper()
	cr, cg, cb, _ := screens.Reading{}.Theme().Color(name, theme.VariantLight).RGBA()
	near := func(a, b uint32) bool { return max(a>>8, b>>8)-min(a>>8, b>>8) < 8 }
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	minX, minY, maxX, maxY := b.Max.X, b.Max.Y, -1, -1
	y0, x1 := b.Min.Y, b.Max.X
	if lowerLeft {
		y0, x1 = b.Dy()/2, b.Dx()/2
	}
	for y := y0; y < b.Max.Y; y++ {
		for x := b.Min.X; x < x1; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if near(r, cr) && near(g, cg) && near(bl, cb) {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		t.Fatalf("no button in the colour %s in %s", name, file)
	}
	return (minX + maxX) / 2, (minY + maxY) / 2
}

// TestRealWindowNextPersonStartsFresh runs the real agent and window
// twice under one Xvfb. The first run is a fresh start: its notice, its
// session screen (reached by Shift+Tab to "J'ai compris" and Enter: the
// focused button answers Enter) and its end list are the reference. The
// second run's session A is everything the window could carry over:
// English chosen and larger text ticked with the keyboard, the aidant's
// accompanied session, documents, and an idle end (its countdown goes
// full screen). Session B, the next person's, must show exactly the
// reference's pixels on each of the three screens.
func TestRealWindowNextPersonStartsFresh(t *testing.T) {
	need(t, "Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng")
	bin := t.TempDir()
	agent := build(t, bin, "../ardoise", "ardoise")
	build(t, bin, ".", "ardoise-gui")
	shots := screenshotDir(t)
	display := xvfb.Start(t, "1024x768x24")
	base := t.TempDir()
	policy := filepath.Join(base, "policy.yaml")
	os.WriteFile(policy, []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession: {idle_timeout: 1m, idle_warning: 10s, accompanied: {enabled: true}}\n"), 0o644)
	run := func(name string) (*lines, []string, string, *exec.Cmd) {
		home := filepath.Join(base, name, "home")
		os.MkdirAll(filepath.Join(home, "Downloads"), 0o755)
		sock := filepath.Join(base, name, "a.sock")
		env := []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "DISPLAY=" + display, "LANG=C.UTF-8"}
		log := &lines{}
		cmd := start(t, log, env, agent, "run", "--no-browser", "--policy", policy, "--socket", sock, "--state-dir", filepath.Join(base, name, "state"))
		return log, env, sock, cmd
	}
	x := func(env []string) xscreen { return xscreen{t: t, display: display, env: env, shots: shots} }

	// The reference: a fresh start.
	flog, fenv, _, fcmd := run("fresh")
	flog.await(t, "screen=notice", 1, 60*time.Second)
	fx := x(fenv)
	want := map[string]string{"notice": fx.shot("next-0-fresh-notice")}
	// Back from nothing to "J'ai compris", the notice's last button
	// ("Écouter", where a voice is installed, comes just before it).
	toUnderstood := "shift+Tab"
	fx.key(toUnderstood + " Return")
	flog.await(t, "screen=session", 1, 10*time.Second)
	want["session"] = fx.shot("next-0-fresh-session")
	endX, endY := primaryButton(t, want["session"])
	fx.click(endX, endY)
	flog.await(t, "screen=preview", 1, 10*time.Second)
	want["preview"] = fx.shot("next-0-fresh-preview")
	syscall.Kill(-fcmd.Process.Pid, syscall.SIGKILL)
	fcmd.Process.Wait()
	time.Sleep(time.Second) // the window's X connection goes with it

	// Session A, then session B.
	alog, env, sock, _ := run("next")
	alog.await(t, "screen=notice", 1, 60*time.Second)
	ax := x(env)
	ax.key("Tab Tab Tab Return")                        // "English" (after Français, Facile à lire)
	ax.key("Tab Tab Tab Tab Tab Tab Tab Tab Tab space") // "Larger text"
	ax.key("Tab Tab Return")                            // "For the helper"
	alog.await(t, "screen=accompany", 1, 10*time.Second)
	ax.key("shift+Tab Return") // start the accompanied session
	alog.await(t, "screen=session", 1, 10*time.Second)
	ax.shot("next-1-a-session")
	for _, n := range []string{"Avis d'imposition.pdf", "Attestation CAF.pdf", "Numérisation.pdf"} {
		os.WriteFile(filepath.Join(env[0][len("HOME="):], "Downloads", n), []byte("%PDF-1.4"), 0o644)
	}
	// Nobody touches anything: the countdown, in full screen, then the
	// idle end.
	alog.await(t, "screen=countdown", 1, 90*time.Second)
	ax.shot("next-2-a-countdown")
	// An accompanied session ends on the charter's checklist, held two
	// minutes for the aidant even when the next session starts.
	alog.await(t, "screen=checklist", 1, 60*time.Second)
	ax.shot("next-3-a-checklist")
	if !strings.Contains(alog.String(), "reason=idle") {
		t.Errorf("session A did not end by idle:\n%s", alog.String())
	}

	startB := exec.Command(agent, "session", "start", "--socket", sock)
	startB.Env = env
	if b, err := startB.CombinedOutput(); err != nil {
		t.Fatalf("session start: %v %s", err, b)
	}
	// The next person is there (a key now and then: session B's own
	// idle time runs during the checklist's hold).
	for deadline := time.Now().Add(3 * time.Minute); alog.count("screen=notice") < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("no notice for the next person; log:\n%s", alog.String())
		}
		ax.key("shift")
		time.Sleep(5 * time.Second)
	}
	got := map[string]string{"notice": ax.shot("next-4-b-notice")}
	ax.key(toUnderstood + " Return")
	alog.await(t, "screen=session", 2, 10*time.Second)
	got["session"] = ax.shot("next-5-b-session")
	ax.click(endX, endY)
	alog.await(t, "screen=preview", 1, 10*time.Second)
	got["preview"] = ax.shot("next-6-b-preview")
	for _, name := range []string{"notice", "session", "preview"} {
		if d := differ(t, want[name], got[name]); d != "" {
			t.Errorf("the next person's %s is not a fresh start's: %s (see %s and %s)", name, d, want[name], got[name])
		}
	}
}

// differ compares two screenshots pixel by pixel and says where they
// differ ("" when they do not).
func differ(t *testing.T, a, b string) string {
	t.Helper()
	read := func(f string) image.Image {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		img, err := png.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	ia, ib := read(a), read(b)
	if ia.Bounds() != ib.Bounds() {
		return fmt.Sprintf("sizes %v and %v", ia.Bounds(), ib.Bounds())
	}
	n, box := 0, image.Rectangle{}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			r1, g1, b1, _ := ia.At(x, y).RGBA()
			r2, g2, b2, _ := ib.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d pixels differ, within %v", n, box)
}
