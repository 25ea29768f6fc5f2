package ipc

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// hostileNames are threats.md I8's names and their relatives.
var hostileNames = []string{
	"Attestation CAF.pdf",
	"x\n2026-11-24 ardoise: nettoyage terminé",
	"\x1b[2J",
	"facture\u202Efdp.exe",
	"\u2066isolé\u2069 \u2067rtl\u2069 \u2068first\u2069",
	"\u202Altr\u202C \u202Brtl\u202C \u202Doverride\u202C",
	"mark\u200Eltr\u200Frtl\u061Carabic",
	"zéro\u200Blargeur\u200C\u200D\u2060\uFEFF",
	"ligne\u2028paragraphe\u2029fin",
	"c1\u0085next\u009bcsi",
	"a\xffb\xc3",
	"tab\there\r\x00\x7f",
	"Téléchargements/日本語 😀.pdf",
	`back\slash "quoted"`,
}

type goldenName struct {
	Raw      string `json:"raw"`
	Display  string `json:"display"`
	Terminal string `json:"terminal"`
}

// TestI8_DisplayNameGolden pins what the window (DisplayName) and the
// command line (EscapeForTerminal) show for hostile names. The raw names are
// stored Go-quoted so the golden file itself stays readable.
func TestI8_DisplayNameGolden(t *testing.T) {
	var got []goldenName
	for _, raw := range hostileNames {
		got = append(got, goldenName{Raw: strconv.Quote(raw), Display: DisplayName(raw), Terminal: EscapeForTerminal(raw)})
	}
	path := filepath.Join("testdata", "I8_names.golden.json")
	if *update {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var want []goldenName
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w goldenName
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("name %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}
}

// TestI8_NothingRawReachesTheScreen checks the properties the golden file
// stands for, so a careless -update cannot bless a regression.
func TestI8_NothingRawReachesTheScreen(t *testing.T) {
	forbidden := func(r rune) bool {
		return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202A && r <= 0x202E) ||
			(r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C || r == 0x2028 || r == 0x2029
	}
	for _, raw := range hostileNames {
		for what, s := range map[string]string{"DisplayName": DisplayName(raw), "EscapeForTerminal": EscapeForTerminal(raw)} {
			if strings.ContainsFunc(s, forbidden) {
				t.Errorf("%s(%q) = %q keeps a control or bidi character", what, raw, s)
			}
			if !strings.ContainsRune(raw, 0xFFFD) && strings.Contains(s, "\xff") {
				t.Errorf("%s(%q) = %q keeps an invalid byte", what, raw, s)
			}
		}
		if back, err := strconv.Unquote(`"` + EscapeForTerminal(raw) + `"`); err != nil || back != raw {
			t.Errorf("EscapeForTerminal(%q) does not read back: %q, %v", raw, back, err)
		}
	}
	for _, plain := range []string{"Téléchargement.pdf", "Numérisation 2026-11-24.jpg", "日本語 😀.pdf"} {
		if DisplayName(plain) != plain || EscapeForTerminal(plain) != plain {
			t.Errorf("plain name %q must stay as it is: %q, %q", plain, DisplayName(plain), EscapeForTerminal(plain))
		}
	}
}

// TestRoutesKeepItSorted: the route table is sorted and every route is
// under the API version.
func TestRoutesKeepItSorted(t *testing.T) {
	rs := Routes()
	if !slices.IsSortedFunc(rs, func(a, b Route) int { return strings.Compare(a.Path, b.Path) }) {
		t.Errorf("route table not sorted by path: %v", rs)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if !strings.HasPrefix(r.Path, "/"+APIVersion+"/") {
			t.Errorf("route %s is not under /%s/", r.Path, APIVersion)
		}
		if seen[r.Path] {
			t.Errorf("route %s listed twice", r.Path)
		}
		seen[r.Path] = true
	}
	if len(rs) != 6 {
		t.Errorf("%d routes, want the 6 of the design (status, preview, session start and end, idle, events)", len(rs))
	}
}

// TestRequestsCarryIntentsOnly: no request type has a field that could name
// a path, a pattern or a user (threats.md D8, invariant 5). Adding one must
// be a deliberate change to this test.
func TestRequestsCarryIntentsOnly(t *testing.T) {
	words := []string{"path", "file", "dir", "folder", "glob", "pattern", "target", "uid", "user", "sid", "name", "root"}
	want := map[reflect.Type][]string{
		// The staff code is a secret the aidant types, not a path.
		reflect.TypeFor[StartRequest](): {"mode", "staff_code"},
		reflect.TypeFor[EndRequest]():   {"reason"},
		reflect.TypeFor[IdleReport]():   {"idle_seconds"},
	}
	for typ, fields := range want {
		var got []string
		for f := range typ.Fields() {
			if f.Type.Kind() != reflect.String && f.Type.Kind() != reflect.Int {
				t.Errorf("%s.%s is a %s: requests hold only plain strings and numbers", typ.Name(), f.Name, f.Type)
			}
			tag := strings.Split(f.Tag.Get("json"), ",")[0]
			got = append(got, tag)
			for _, w := range words {
				if strings.Contains(strings.ToLower(f.Name+" "+tag), w) {
					t.Errorf("%s.%s (json %q) looks like it names a %s", typ.Name(), f.Name, tag, w)
				}
			}
		}
		if !slices.Equal(got, fields) {
			t.Errorf("%s has fields %v, want %v", typ.Name(), got, fields)
		}
	}
}

// TestOnlyStandardLibrary keeps this package linkable into the window
// without bringing in anything of the agent: it imports the standard
// library only, on every operating system we build for.
func TestOnlyStandardLibrary(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH:", err)
	}
	for _, goos := range []string{"linux", "windows", "darwin"} {
		cmd := exec.Command(goBin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list for %s: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, "github.com/ardoise-fr/ardoise/agent/ipc") {
			t.Fatalf("GOOS=%s: go list did not list the package itself: %q", goos, out)
		}
		for _, p := range deps {
			if p != "github.com/ardoise-fr/ardoise/agent/ipc" {
				t.Errorf("GOOS=%s: agent/ipc imports %s", goos, p)
			}
		}
	}
}
