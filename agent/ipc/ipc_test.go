package ipc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestI8_DisplayName is the golden list of what the window and the command
// line show for hostile names.
func TestI8_DisplayName(t *testing.T) {
	for raw, want := range map[string]string{
		"Attestation CAF.pdf":                      "Attestation CAF.pdf",
		"x\n2026-11-24 ardoise: nettoyage terminé": "x␊2026-11-24 ardoise: nettoyage terminé",
		"\x1b[2J":              "␛[2J",
		"facture\u202Efdp.exe": "facture<U+202E>fdp.exe",
		"a\xffb":               "a\uFFFDb",
		"zéro\u200Blargeur":    "zéro<U+200B>largeur",
		"tab\there":            "tab␉here",
	} {
		if got := DisplayName(raw); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestI8_EscapeForTerminal(t *testing.T) {
	for _, raw := range []string{"x\n2026-11-24 ardoise: nettoyage terminé", "\x1b[2J", "facture\u202Efdp.exe", "a\xffb"} {
		got := EscapeForTerminal(raw)
		if strings.ContainsAny(got, "\n\x1b\u202E") || strings.Contains(got, "\xff") {
			t.Errorf("EscapeForTerminal(%q) = %q still holds a raw control", raw, got)
		}
	}
	if got := EscapeForTerminal("Téléchargement.pdf"); got != "Téléchargement.pdf" {
		t.Errorf("plain names must stay readable: %q", got)
	}
}

// TestOnlyStandardLibrary keeps this package linkable into the window
// without bringing anything of the agent: it imports the standard library
// only.
func TestOnlyStandardLibrary(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range strings.Fields(string(out)) {
			if p != "github.com/ardoise-fr/ardoise/agent/ipc" {
				t.Errorf("GOOS=%s: agent/ipc imports %s", goos, p)
			}
		}
	}
}
