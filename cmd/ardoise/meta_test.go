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
	Imports    []string
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

// TestWindowDependencies enforces the other side of the split: the window
// (cmd/ardoise-gui) runs as the session's user, in the person's graphical
// session, and talks to the agent only over the socket. Of the agent's
// packages it may link agent/ipc, the wire types, and nothing else: with
// agent/safefs or agent/wipe in it, the window would hold code that
// deletes files on the person's side of the trust boundary. It lives here,
// not in cmd/ardoise-gui, because 'go list' needs no cgo while that
// package's test binary links the window toolkit.
func TestWindowDependencies(t *testing.T) {
	const module = "github.com/ardoise-fr/ardoise"
	for _, goos := range []string{"linux", "windows", "darwin"} {
		pkgs := goList(t, []string{"GOOS=" + goos, "GOARCH=amd64", "CGO_ENABLED=1"}, "-deps", "../ardoise-gui")
		var ours []string
		for _, p := range pkgs {
			if !strings.HasPrefix(p.ImportPath, module+"/") {
				continue
			}
			ours = append(ours, strings.TrimPrefix(p.ImportPath, module+"/"))
			switch rel := strings.TrimPrefix(p.ImportPath, module+"/"); {
			case rel == "agent/ipc":
				// The wire types reach the window through ipc alone if
				// ipc itself links none of ours (design.md: standard
				// library only).
				for _, d := range p.Deps {
					if strings.HasPrefix(d, module+"/") {
						t.Errorf("GOOS=%s: agent/ipc links %s; the wire types import only the standard library", goos, d)
					}
				}
			case strings.HasPrefix(rel, "agent/"):
				t.Errorf("GOOS=%s: cmd/ardoise-gui links %s; the window may use only agent/ipc of the agent's packages", goos, p.ImportPath)
			case rel == "gui/xvfb" || rel == "cmd/internal/winetest":
				t.Errorf("GOOS=%s: cmd/ardoise-gui links the test-support package %s", goos, p.ImportPath)
			}
		}
		if len(ours) == 0 {
			t.Fatalf("GOOS=%s: go list found none of our packages under cmd/ardoise-gui; the test checks nothing", goos)
		}
		t.Logf("GOOS=%s: cmd/ardoise-gui links %s", goos, strings.Join(ours, ", "))
	}
}

// TestCoreAnswersNoHTTP keeps the wire's statuses at the socket: the
// agent's core (package agent) refuses a request with a coded *ipc.Error,
// and agent/ipcserver alone turns the code into an HTTP status. A core
// importing net/http would be choosing statuses again.
func TestCoreAnswersNoHTTP(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		pkgs := goList(t, []string{"GOOS=" + goos, "GOARCH=amd64", "CGO_ENABLED=0"}, "github.com/ardoise-fr/ardoise/agent")
		if len(pkgs) != 1 {
			t.Fatalf("GOOS=%s: go list found %d packages for agent", goos, len(pkgs))
		}
		for _, imp := range pkgs[0].Imports {
			if imp == "net/http" {
				t.Errorf("GOOS=%s: package agent imports net/http; return an ipc.Errorf(code, …) and let agent/ipcserver choose the status", goos)
			}
		}
	}
}

// TestRootPackageRunsNoProgram holds part of agent/doc.go's promise that
// the root package makes no operating-system calls of its own: it starts
// no program (loginctl, systemctl, a browser: agent/endsteps and
// agent/browsers do) on any OS.
func TestRootPackageRunsNoProgram(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		pkgs := goList(t, []string{"GOOS=" + goos, "GOARCH=amd64", "CGO_ENABLED=0"}, "github.com/ardoise-fr/ardoise/agent")
		if len(pkgs) != 1 {
			t.Fatalf("GOOS=%s: go list found %d packages for agent", goos, len(pkgs))
		}
		for _, imp := range pkgs[0].Imports {
			if imp == "os/exec" {
				t.Errorf("GOOS=%s: package agent imports os/exec; a program the session's end runs belongs in a step of agent/endsteps", goos)
			}
		}
	}
}
