// Package winetest runs Windows builds of Ardoise under Wine for the
// end-to-end tests of cmd/ardoise and cmd/ardoise-gui: it finds Wine and
// MinGW (skipping the test without them, failing it when CI requires
// them), makes a Wine prefix of the test's own and cross-builds programs.
// It is used by tests only; .ci/wine/exec does the Wine side.
package winetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Prefix is a Windows installation of its own for one test, and the
// profile folder of its user (C:\users\NAME) as a Linux path.
type Prefix struct {
	Dir     string
	User    string // the Windows account (Wine takes it from $USER)
	Profile string
	// Extra is added to the environment of every command (DISPLAY…).
	Extra []string

	script, server string
}

// New makes a prefix whose account is user, with real folders for the
// user's Desktop, Documents, Downloads and Pictures: Wine makes them links
// to the Linux home, which the agent rightly refuses (another volume). All
// its Windows processes are killed when the test ends.
func New(t *testing.T, user string, extra ...string) *Prefix {
	t.Helper()
	script, server := find(t)
	p := &Prefix{Dir: filepath.Join(t.TempDir(), "prefix"), User: user, Extra: extra, script: script, server: server}
	t.Cleanup(p.Kill)
	if out, err := p.Cmd("cmd", "/c", "echo", "ready").CombinedOutput(); err != nil {
		t.Fatalf("make the Wine prefix: %v\n%s", err, out)
	}
	p.Profile = filepath.Join(p.Dir, "drive_c", "users", user)
	if _, err := os.Stat(p.Profile); err != nil {
		t.Fatalf("no profile for %s in the Wine prefix: %v", user, err)
	}
	for _, d := range []string{"Desktop", "Documents", "Downloads", "Pictures"} {
		f := filepath.Join(p.Profile, d)
		if fi, err := os.Lstat(f); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			os.Remove(f)
		}
		if err := os.MkdirAll(f, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// Env is the environment the prefix's commands run with.
func (p *Prefix) Env() []string {
	return append(append(os.Environ(), "ARDOISE_WINEPREFIX="+p.Dir, "USER="+p.User), p.Extra...)
}

// Script is .ci/wine/exec, which runs a Windows program under Wine.
func (p *Prefix) Script() string { return p.script }

// Cmd runs a Windows program (args[0], a Linux or Windows path) in the
// prefix.
func (p *Prefix) Cmd(args ...string) *exec.Cmd {
	c := exec.Command(p.script, args...)
	c.Env = p.Env()
	return c
}

// Kill ends every Windows process of the prefix at once, as a power cut
// would.
func (p *Prefix) Kill() {
	c := exec.Command(p.server, "-k")
	c.Env = append(os.Environ(), "WINEPREFIX="+p.Dir)
	c.Run()
}

// find finds the exec script, Wine and MinGW; without them the test is
// skipped, unless ARDOISE_REQUIRE_WINE=1 (CI as root).
func find(t *testing.T) (script, wineserver string) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	script = filepath.Join(filepath.Dir(here), "..", "..", "..", ".ci", "wine", "exec")
	_, err1 := exec.LookPath("x86_64-w64-mingw32-gcc")
	_, err2 := os.Stat("/usr/lib/wine/wine64")
	if err1 != nil || err2 != nil {
		if os.Getenv("ARDOISE_REQUIRE_WINE") == "1" {
			t.Fatalf("Wine or MinGW missing (%v, %v); .ci/test installs wine64 and gcc-mingw-w64-x86-64", err1, err2)
		}
		t.Skip("Wine (wine64) or MinGW is not installed; .ci/test installs them as root")
	}
	for _, s := range []string{"/usr/bin/wineserver", "/usr/lib/wine/wineserver64"} {
		if _, err := os.Stat(s); err == nil {
			return script, s
		}
	}
	t.Fatal("wineserver not found beside wine64")
	return "", ""
}

// CrossBuild builds the package pkg for 64-bit Windows into out, with env
// added (CGO_ENABLED, CC…).
func CrossBuild(t testing.TB, out, pkg string, env ...string) {
	t.Helper()
	c := exec.Command("go", "build", "-o", out, pkg)
	c.Env = append(append(os.Environ(), "GOOS=windows", "GOARCH=amd64"), env...)
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go build %s for Windows: %v\n%s", pkg, err, b)
	}
}
