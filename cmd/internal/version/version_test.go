package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A developer's "go build ./cmd/ardoise" used to say "v0.0.0-2026…" while the
// package said 0.1.0: both must come from the VERSION file.
func TestDevBuildOfArdoiseSaysTheVersionFile(t *testing.T) {
	want := File()
	if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(want) {
		t.Fatalf("VERSION holds %q; installer/build and the MSI need x.y.z", want)
	}
	bin := filepath.Join(t.TempDir(), "ardoise")
	build := exec.Command("go", "build", "-o", bin, "../../ardoise")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("ardoise version: %v", err)
	}
	if !strings.HasPrefix(string(out), "ardoise "+want+"+dev") {
		t.Fatalf("ardoise version says %q; want it to start with %q (the VERSION file, marked as a development build)", out, "ardoise "+want+"+dev")
	}
}

// installer/build links the packages' version in: that is what the program
// must say then, nothing added.
func TestReleaseBuildSaysThePackagesVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ardoise")
	build := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X github.com/ardoise-fr/ardoise/cmd/internal/version.release=9.8.7", "../../ardoise")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("ardoise version: %v", err)
	}
	if !strings.HasPrefix(string(out), "ardoise 9.8.7 (") {
		t.Fatalf("ardoise version says %q; want 9.8.7, the version installer/build gave", out)
	}
}
