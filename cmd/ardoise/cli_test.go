package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/policies"
)

// run runs one command line in-process and returns its exit status and
// output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	code = runMain(context.Background(), e, args)
	return code, out.String(), errOut.String()
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		code, out, _ := run(t, args...)
		if code != exitOK {
			t.Errorf("%s --help: exit %d, want 0", c.name, code)
		}
		if !strings.Contains(out, "Usage: ardoise "+c.name) || !strings.Contains(out, "EXIT STATUS") {
			t.Errorf("%s --help lacks usage or EXIT STATUS:\n%s", c.name, out)
		}
	}
}

func TestUsageErrorsExitTwoWithOneClearLine(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{"policy", "frobnicate"},
		{"policy", "check"},
		{"version", "extra"},
		{"policy", "show", "--no-such-flag"},
	} {
		code, _, stderr := run(t, args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
		first, _, _ := strings.Cut(stderr, "\n")
		if !strings.HasPrefix(first, "ardoise: ") {
			t.Errorf("%q: first line of stderr = %q, want an 'ardoise: …' message", args, first)
		}
	}
}

func TestPolicyCheckAcceptsEveryExample(t *testing.T) {
	files, err := filepath.Glob("../../policies/examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 example policies, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		// --content-only: a checkout is not owned by root, the installed
		// file is (TestPolicyCheckRefusesWhatTheServiceRefuses).
		if code, out, stderr := run(t, "policy", "check", "--content-only", f); code != exitOK || !strings.Contains(out, f+": ok") {
			t.Errorf("policy check %s: exit %d\n%s%s", f, code, out, stderr)
		}
	}
}

// TestPolicyCheckNamesFileLineAndField covers the four problems the
// foundation issue names, in one file: each must be reported with its file,
// line and field, and the command must exit 2.
func TestPolicyCheckNamesFileLineAndField(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "broken.yaml")
	src := `version: 1
colour: blue
roots:
  - path: "{downloads}"
  - path: /opt/scans
session:
  idle_timeout: 15 minutes
  max_duration: [2h]
`
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "policy", "check", f)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
	}
	for _, want := range []struct {
		line  int
		field string
	}{
		{2, "colour"},               // unknown key
		{5, "roots[1].path"},        // root outside any allowed base
		{7, "session.idle_timeout"}, // bad duration
		{8, "session.max_duration"}, // wrong type
	} {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f) + `:` + strconv.Itoa(want.line) + `: ` + regexp.QuoteMeta(want.field) + `: \S`)
		if !re.MatchString(stderr) {
			t.Errorf("no %s:%d: %s: … line in:\n%s", f, want.line, want.field, stderr)
		}
	}
}

func TestPolicyShowPrintsAValidPolicy(t *testing.T) {
	code, out, stderr := run(t, "policy", "show")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := policies.Parse("shown.yaml", []byte(out)); err != nil {
		t.Fatalf("policy show printed a policy that does not validate: %v\n%s", err, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "ardoise ") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}

func TestBrowsersApplyAndRemove(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	code, out, errOut := run(t, "browsers", "apply", "--root", root, "--state-dir", state, "--dry-run")
	if code != 0 || !strings.Contains(out, "would create /etc/chromium/policies/managed/ardoise.json") {
		t.Fatalf("dry run: %d %q %q", code, out, errOut)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatal("dry run wrote files")
	}
	if code, out, errOut = run(t, "browsers", "apply", "--root", root, "--state-dir", state); code != 0 {
		t.Fatalf("apply: %d %q %q", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/chromium/policies/managed/ardoise.json"))
	if err != nil || !strings.Contains(string(b), `"IncognitoModeAvailability": 2`) {
		t.Fatalf("chromium file: %v\n%s", err, b)
	}
	if code, out, errOut = run(t, "browsers", "remove", "--root", root, "--state-dir", state); code != 0 || strings.Count(out, " delete ") != 4 {
		t.Fatalf("remove: %d %q %q", code, out, errOut)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Errorf("remove left %v", entries)
	}
	if code, out, _ = run(t, "browsers", "remove", "--root", root, "--state-dir", state); code != 0 || !strings.Contains(out, "Nothing to remove") {
		t.Errorf("second remove: %d %q", code, out)
	}
}

func TestBrowsersShowForms(t *testing.T) {
	for form, want := range map[string]string{
		"linux":        `"PrivateBrowsingModeAvailability": 2`,
		"windows":      `"IncognitoModeAvailability"=dword:00000002`,
		"windows-undo": `"IncognitoModeAvailability"=-`,
		"macos":        "<key>InPrivateModeAvailability</key>",
	} {
		code, out, errOut := run(t, "browsers", "show", form)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("show %s: %d, lacks %q; %s", form, code, want, errOut)
		}
	}
	if code, _, _ := run(t, "browsers", "show", "amiga"); code != 2 {
		t.Errorf("unknown form: exit %d, want 2", code)
	}
}
