package policies

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const goldenSep = "----------\n"

// splitGolden cuts a testdata/invalid file into the policy and the expected
// error lines.
func splitGolden(t testing.TB, src string) (policy, want string) {
	t.Helper()
	if strings.HasPrefix(src, goldenSep) {
		return "", src[len(goldenSep):]
	}
	policy, want, ok := strings.Cut(src, "\n"+goldenSep)
	if !ok {
		t.Fatalf("no %q line", strings.TrimSpace(goldenSep))
	}
	return policy + "\n", want
}

// TestInvalidPolicies runs every golden file in testdata/invalid: the
// policy, a line of ten dashes, then the exact errors expected, with the
// file's base name as FILE. With -update it writes what the code reports;
// review the diff.
func TestInvalidPolicies(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d invalid policies; the checker must be tested on at least 20 kinds of mistakes", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			policy, want := splitGolden(t, string(src))
			_, err = Parse(filepath.Base(f), []byte(policy))
			ve, ok := errors.AsType[*ValidationError](err)
			if !ok {
				t.Fatalf("Parse accepted an invalid policy (err=%v)", err)
			}
			got := ve.Error() + "\n"
			if *update {
				out := policy + goldenSep + got
				if policy == "" {
					out = goldenSep + got
				}
				if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != want {
				t.Errorf("errors differ.\ngot:\n%swant:\n%s", got, want)
			}
			for i, p := range ve.Problems {
				if p.Line < 1 {
					t.Errorf("problem without a line: %+v", p)
				}
				if i > 0 && p.Line < ve.Problems[i-1].Line {
					t.Errorf("problems not sorted by line: %+v after %+v", p, ve.Problems[i-1])
				}
			}
		})
	}
}

// shippedPolicies are the example policies and the built-in default.
func shippedPolicies(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("want the three example policies, found %v (%v)", files, err)
	}
	return append(files, "default.yaml")
}

// TestDefaultIsSafeAnywhere checks the promise of the built-in policy: it
// only ever erases what a session created, in the user's usual folders.
func TestDefaultIsSafeAnywhere(t *testing.T) {
	p := Default()
	var paths []string
	for _, r := range p.Roots {
		paths = append(paths, r.Path)
		if r.Scope != "session" {
			t.Errorf("default root %s has scope %q; the default must keep what existed before", r.Path, r.Scope)
		}
	}
	if want := []string{"{downloads}", "{desktop}", "{documents}", "{pictures}"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("default roots %v, want %v (not {home}, not {temp})", paths, want)
	}
	if p.Accounts.Dedicated {
		t.Error("the default policy must not claim dedicated accounts")
	}
	if !*p.Browsers.ForcePrivate || !*p.Browsers.ForbidPasswordSaving || p.Browsers.Launch != "firefox" {
		t.Errorf("the default policy must launch firefox, force private browsing and forbid saved passwords: %+v", p.Browsers)
	}
	if p.Browsers.SearchEngine != (SearchEngine{Name: "Qwant", URL: "https://www.qwant.com/?q={searchTerms}"}) {
		t.Errorf("default search engine %+v", p.Browsers.SearchEngine)
	}
	if want := []string{"trash", "recent_files", "thumbnails"}; !reflect.DeepEqual(p.Traces, want) {
		t.Errorf("default traces %v, want %v", p.Traces, want)
	}
	if want := []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}; !reflect.DeepEqual(p.Notice.Languages, want) {
		t.Errorf("default languages %v, want %v", p.Notice.Languages, want)
	}
	if p.Session.IdleTimeout.D() != 15*time.Minute {
		t.Errorf("default idle timeout %s", p.Session.IdleTimeout)
	}
	if !bytes.Equal(DefaultYAML(), defaultYAML) {
		t.Error("DefaultYAML differs from the embedded file")
	}
	DefaultYAML()[0] = 'X' // a copy: callers cannot change the built-in policy
	if defaultYAML[0] == 'X' {
		t.Error("DefaultYAML returned the embedded bytes themselves")
	}
}

// TestDefaultsAreFilled checks each documented default on a minimal policy.
func TestDefaultsAreFilled(t *testing.T) {
	p, err := Parse("min.yaml", []byte("version: 1\nroots:\n  - path: \"{downloads}\"\n  - path: /srv/scans/a\n  - path: \"{documents}/Scans\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	tru := true
	want := &Policy{
		Version:  1,
		Accounts: Accounts{Kiosk: []string{}, KioskBelowUIDMin: []string{}},
		Roots: []Root{
			{Path: "{downloads}", Label: "Téléchargements", Kind: "downloads", Scope: "session", Keep: []string{}, AlsoOwnedBy: []string{}, Protection: "encrypt"},
			{Path: "/srv/scans/a", Label: "a", Kind: "files", Scope: "session", Keep: []string{}, AlsoOwnedBy: []string{}, Protection: "encrypt"},
			{Path: "{documents}/Scans", Label: "Scans", Kind: "files", Scope: "session", Keep: []string{}, AlsoOwnedBy: []string{}, Protection: "encrypt"},
		},
		Session: Session{
			IdleTimeout:    Duration(15 * time.Minute),
			IdleWarning:    Duration(60 * time.Second),
			WarnBefore:     Duration(5 * time.Minute),
			ClosingTimes:   []ClosingTime{},
			EndOnAgentStop: &tru,
			Accompanied:    Accompanied{ReportRetention: Duration(8760 * time.Hour)},
		},
		Browsers: Browsers{
			Launch:               "firefox",
			Close:                []string{"firefox", "chromium", "chrome", "edge"},
			ForcePrivate:         &tru,
			ForbidPasswordSaving: &tru,
			SearchEngine:         SearchEngine{Name: "Qwant", URL: "https://www.qwant.com/?q={searchTerms}"},
		},
		Traces:  []string{"trash", "recent_files", "thumbnails"},
		Notice:  Notice{Languages: []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}, Mode: "extend", Text: map[string]string{}},
		Logging: Logging{Level: "info", Format: "text"},
	}
	if !reflect.DeepEqual(p, want) {
		got, _ := p.YAML()
		exp, _ := want.YAML()
		t.Errorf("defaults differ.\ngot:\n%s\nwant:\n%s", got, exp)
	}
}

func TestExplicitValuesAreKept(t *testing.T) {
	// idle_timeout: 0 is a choice (no idle end), not a missing value; "key:"
	// with no value is missing and takes the default; false stays false.
	p, err := Parse("explicit.yaml", []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession:\n  idle_timeout: 0\n  warn_before:\n  end_on_agent_stop: false\nbrowsers: {close: [], force_private: false}\ntraces: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Session
	if s.IdleTimeout != 0 || s.WarnBefore.D() != 5*time.Minute || *s.EndOnAgentStop {
		t.Errorf("session: idle %s, warn_before %s, end_on_agent_stop %v", s.IdleTimeout, s.WarnBefore, *s.EndOnAgentStop)
	}
	if len(p.Browsers.Close) != 0 || *p.Browsers.ForcePrivate || len(p.Traces) != 0 {
		t.Errorf("explicit empty lists or false became defaults: %+v, traces %v", p.Browsers, p.Traces)
	}
	p, err = Parse("null.yaml", []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession:\n  idle_timeout: ~\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Session.IdleTimeout.D() != 15*time.Minute {
		t.Errorf("idle_timeout: ~ gave %s, want the default 15m", p.Session.IdleTimeout)
	}
}

// TestRootPaths is rm --preserve-root for the policy (threats.md D1 and T6
// "Policy mistakes"): each path is accepted or refused on its own.
func TestRootPaths(t *testing.T) {
	ok := []string{
		"{downloads}", "{desktop}/Scans", "{documents}/a/b", "{pictures}", "{temp}", "{temp}/x", "{home}/Bibliotheque",
		"/tmp/scans", "/var/tmp/a", "/dev/shm/x", "/srv/scans", "/srv/scans/epn", "/home/public/Scans",
		`C:\Scans`, `D:\Data\Numérisations`, "C:/Scans", `C:\Users\Public\Documents`, `E:\x`,
	}
	for _, p := range ok {
		if msg := checkRootPath(p); msg != "" {
			t.Errorf("%q refused: %s", p, msg)
		}
	}
	refused := map[string]string{
		"":                       "empty",
		"/":                      "whole system",
		"relative/dir":           "relative",
		"Downloads":              "relative",
		"{home}/..":              `".."`,
		"{downloads}/../../etc":  `".."`,
		"/srv/../etc":            `".."`,
		`C:\Scans\..\Windows`:    `".."`,
		"{music}":                "not a placeholder",
		"{Downloads}":            "not a placeholder",
		"{downloads":             "no closing",
		"{downloads}x":           "followed by nothing or by /sub/folder",
		"{downloads}/{home}":     "only one placeholder",
		"/srv/{downloads}":       "", // a literal folder name under /srv: allowed
		"{home}/":                `write it as "{home}"`,
		"{home}/.":               `write it as "{home}"`,
		"{home}//":               `write it as "{home}"`,
		"/srv//scans":            `write it as "/srv/scans"`,
		"/srv/scans/":            `write it as "/srv/scans"`,
		"/etc":                   "system folder",
		"/etc/x":                 "system folder",
		"/usr/share/x":           "system folder",
		"/bin/x":                 "system folder",
		"/sbin/x":                "system folder",
		"/lib/x":                 "system folder",
		"/lib64/x":               "system folder",
		"/libexec/x":             "system folder",
		"/boot/efi":              "system folder",
		"/dev/sda":               "system folder",
		"/dev/shm":               "whole shared folder",
		"/proc/1":                "system folder",
		"/sys/x":                 "system folder",
		"/run/user/1000":         "system folder",
		"/var":                   "system folder",
		"/var/lib/x":             "system folder",
		"/var/log":               "system folder",
		"/var/tmp":               "whole shared folder",
		"/tmp":                   "whole shared folder",
		"/srv":                   "whole shared folder",
		"/home":                  "every user's home",
		"/opt/scans":             "system folder",
		"/root/x":                "system folder",
		"/media/usb":             "outside",
		"/mnt/share":             "outside",
		`\\serveur\partage`:      "network",
		"//serveur/partage":      "network",
		`\\?\C:\Scans`:           "network or device",
		`C:\`:                    "whole drive",
		"D:/":                    "whole drive",
		`C:\Windows`:             "system folder",
		`c:\windows\temp`:        "system folder",
		`C:\Program Files\App`:   "system folder",
		`C:\Program Files (x86)`: "system folder",
		`C:\ProgramData\x`:       "system folder",
		`C:\PROGRA~1`:            "system folder",
		`C:\Users`:               "every user's profile",
		`C:\Windows.\Temp`:       "not a plain Windows folder name",
		`C:\Scans \x`:            "not a plain Windows folder name",
		`C:\Scans\NUL`:           "not a plain Windows folder name",
		`C:\Scans\com1.txt`:      "not a plain Windows folder name",
		`C:\Scans:stream`:        "not a plain Windows folder name",
		`C:\Scans\`:              `write it as "C:\\Scans"`,
		`C:\Scans/x`:             `write it as "C:\\Scans\\x"`,
		`C:Scans`:                "relative",
		"/srv/scans\x00/x":       "control character",
		"{downloads}/a\nb":       "control character",
	}
	for p, want := range refused {
		msg := checkRootPath(p)
		if want == "" {
			if msg != "" {
				t.Errorf("%q refused: %s", p, msg)
			}
			continue
		}
		if !strings.Contains(msg, want) {
			t.Errorf("%q: got %q, want a message containing %q", p, msg, want)
		}
	}
}

// TestWholeHomeNeedsDedicatedAll: a whole home folder, however it is
// written, is a root only for a dedicated account and scope all.
func TestWholeHomeNeedsDedicatedAll(t *testing.T) {
	for _, path := range []string{"{home}", "/home/public", `C:\Users\public`} {
		for _, c := range []struct {
			scope, dedicated string
			ok               bool
		}{
			{"session", "false", false},
			{"all", "false", false},
			{"session", "true", false},
			{"all", "true", true},
		} {
			src := "version: 1\naccounts: {kiosk: [public], dedicated: " + c.dedicated + "}\nroots: [{path: '" + path + "', scope: " + c.scope + "}]\n"
			_, err := Parse("home.yaml", []byte(src))
			if (err == nil) != c.ok {
				t.Errorf("%s scope %s dedicated %s: err=%v, want ok=%v", path, c.scope, c.dedicated, err, c.ok)
			}
		}
	}
}

func TestAccountNames(t *testing.T) {
	for _, n := range []string{"public", "kiosque", "_saned", "epn-1", "a.b", "Public", "Médiathèque", "Usager 1", "user@example", "abcdefghijklmnopqrstuvwxyz012345"} {
		if !accountRe.MatchString(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range []string{"", "-rf", ".", "..", " public", "public ", "Public.", `DOMAIN\user`, "a/b", "a:b", "a*b", `a"b`, "a<b", "a|b", "a\nb", "a[1]", "a;b", "a=b", "a,b", "a+b", strings.Repeat("x", 65)} {
		if accountRe.MatchString(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	e := &ValidationError{File: "site.yaml", Problems: []Problem{
		{Line: 0, Msg: "file is larger than 1048576 bytes"},
		{Line: 12, Field: "roots[0].scope", Msg: `"everything" is not a scope; allowed: session, all`},
	}}
	want := "site.yaml: file is larger than 1048576 bytes\nsite.yaml:12: roots[0].scope: \"everything\" is not a scope; allowed: session, all"
	if e.Error() != want {
		t.Errorf("got:\n%s\nwant:\n%s", e.Error(), want)
	}
}

func TestShowRoundTrip(t *testing.T) {
	for _, f := range shippedPolicies(t) {
		p, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse("shown-"+filepath.Base(f), out)
		if err != nil {
			t.Fatalf("the printed form of %s does not validate: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: printing and reading back changed the policy:\n%+v\n%+v", f, p, q)
		}
	}
}

func TestLoadRefusesHugeFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(f, bytes.Repeat([]byte("# comment\n"), MaxSize/10+10), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(f)
	ve, ok := errors.AsType[*ValidationError](err)
	if !ok || len(ve.Problems) != 1 || !strings.HasPrefix(err.Error(), f+": file is larger than 1048576 bytes") {
		t.Fatalf("Load of a huge file: %v", err)
	}
	// An endless file is refused without being read: it is not a regular
	// file (on Linux; elsewhere it is cut at MaxSize).
	if _, err := os.Stat("/dev/zero"); err == nil {
		if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "larger than") && !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("Load(/dev/zero): %v", err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v, want it to wrap os.ErrNotExist", err)
	}
}

// FuzzParse feeds the loader arbitrary input. It must never panic, every
// refusal must be a ValidationError with lines, and a policy it accepts must
// print ("ardoise policy show") and read back to the same policy.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("examples/*.yaml")
	invalid, _ := filepath.Glob("testdata/invalid/*.yaml")
	for _, s := range append(append(seeds, "default.yaml"), invalid...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		policy := string(data)
		if strings.HasPrefix(s, "testdata/") {
			policy, _ = splitGolden(f, policy)
		}
		f.Add([]byte(policy))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			ve, ok := errors.AsType[*ValidationError](err)
			if !ok || len(ve.Problems) == 0 || len(ve.Problems) > MaxProblems+1 {
				t.Fatalf("error is not a ValidationError with 1 to %d problems: %v", MaxProblems+1, err)
			}
			return
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("accepted policy does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the policy:\n%s", out)
		}
	})
}

// FuzzTextReadsBack puts arbitrary text where a policy allows free text
// (a notice, a label, a keep pattern) and checks that "policy show" prints
// it so that it reads back unchanged: YAML has many ways to mangle a
// string (line breaks, leading spaces, "yes", "~", "#").
func FuzzTextReadsBack(f *testing.F) {
	for _, s := range []string{"", "Bonjour", "a\nb", " leading", "trailing ", "yes", "~", "null", "# x", "- x", "a: b", "\"quoted\"", "'", "\r\n", "\t", "\u2028", "\u0085", "0x10", "1e3", "Bureau/*.desktop", "[a]", "{x}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		p := Default()
		p.Notice.Text = map[string]string{"fr": s}
		if utf8.RuneCountInString(s) > maxNotice {
			t.Skip()
		}
		if s != "" && utf8.RuneCountInString(s) <= maxLabel && oneLineRe.MatchString(s) {
			p.Roots[0].Label = s
		}
		if checkKeepPattern(s) == "" {
			p.Roots[0].Keep = []string{s}
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse("shown.yaml", out)
		if err != nil {
			t.Fatalf("printed policy does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("text changed on the way back: %q\n%s", s, out)
		}
	})
}
