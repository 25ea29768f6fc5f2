package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

type listedPackage struct {
	ImportPath string
	Doc        string
	Name       string
	Deps       []string
	GoFiles    []string
}

// goList runs 'go list -json' with the given arguments and environment.
func goList(t *testing.T, env []string, args ...string) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-json"}, args...)...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("go command unavailable: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(out)
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	return pkgs
}

// TestPackagesHaveDocs keeps every package's purpose written down.
func TestPackagesHaveDocs(t *testing.T) {
	for _, p := range goList(t, nil, "github.com/ardoise-fr/ardoise/...") {
		if len(p.GoFiles) == 0 {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package doc comment saying what it is for", p.ImportPath)
		}
	}
}

// TestAgentDependencies enforces the architecture: the agent binary builds
// without cgo on every OS and never links the window toolkit, and no binary
// links the test-support packages.
func TestAgentDependencies(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		pkgs := goList(t, []string{"GOOS=" + goos, "GOARCH=amd64", "CGO_ENABLED=0"}, "-deps", ".")
		for _, p := range pkgs {
			switch {
			case strings.HasPrefix(p.ImportPath, "fyne.io/"):
				t.Errorf("GOOS=%s: cmd/ardoise links %s; the window toolkit belongs in ardoise-gui only", goos, p.ImportPath)
			case strings.HasSuffix(p.ImportPath, "/agent/fstree"):
				t.Errorf("GOOS=%s: cmd/ardoise links the test-support package %s", goos, p.ImportPath)
			}
		}
	}
}
