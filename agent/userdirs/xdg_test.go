package userdirs

import (
	"strings"
	"testing"
)

// TestUserDirsSyntax checks the parser on the syntax xdg-user-dirs writes
// and reads: blanks, comments, quotes, backslash escapes, the last
// assignment winning.
func TestUserDirsSyntax(t *testing.T) {
	const home = "/home/public"
	for _, c := range []struct {
		name, file, rel, code string
	}{
		{"plain", `XDG_DOWNLOAD_DIR="$HOME/Téléchargements"`, "Téléchargements", ""},
		{"blanks", " \tXDG_DOWNLOAD_DIR \t=\t \"$HOME/Mes scans\"  # trailing text", "Mes scans", ""},
		{"escaped quote", `XDG_DOWNLOAD_DIR="$HOME/Mes \"scans\""`, `Mes "scans"`, ""},
		{"escaped backslash", `XDG_DOWNLOAD_DIR="$HOME/a\\b"`, `a\b`, ""},
		{"escaped letter", `XDG_DOWNLOAD_DIR="$HOME/\T\élé"`, "Télé", ""},
		{"CRLF", "XDG_DOWNLOAD_DIR=\"$HOME/dl\"\r\n", "dl", ""},
		{"double slash", `XDG_DOWNLOAD_DIR="$HOME//dl//sub/"`, "dl/sub", ""},
		{"absolute beneath home", `XDG_DOWNLOAD_DIR="/home/public/Téléchargements"`, "Téléchargements", ""},
		{"last wins", "XDG_DOWNLOAD_DIR=\"$HOME/a\"\nXDG_DOWNLOAD_DIR=\"$HOME/b\"", "b", ""},
		{"last refused wins", "XDG_DOWNLOAD_DIR=\"$HOME/a\"\nXDG_DOWNLOAD_DIR=\"/etc\"", "Downloads", CodeOutsideHome},
		{"comment", `# XDG_DOWNLOAD_DIR="/etc"`, "Downloads", ""},
		{"other key", `XDG_DOWNLOAD_DIRS="/etc"`, "Downloads", ""},
		{"other folder", `XDG_DESKTOP_DIR="/etc"`, "Downloads", ""},
		{"empty file", "", "Downloads", ""},
		{"unquoted", `XDG_DOWNLOAD_DIR=$HOME/dl`, "Downloads", CodeNotQuoted},
		{"single quotes", `XDG_DOWNLOAD_DIR='$HOME/dl'`, "Downloads", CodeNotQuoted},
		{"unterminated", `XDG_DOWNLOAD_DIR="$HOME/dl`, "Downloads", CodeUnterminated},
		{"trailing backslash", `XDG_DOWNLOAD_DIR="$HOME/dl\`, "Downloads", CodeUnterminated},
		{"escaped $HOME", `XDG_DOWNLOAD_DIR="\$HOME/dl"`, "Downloads", CodeNotAbsolute},
		{"other variable", `XDG_DOWNLOAD_DIR="$HOMEDIR/dl"`, "Downloads", CodeNotAbsolute},
		{"invalid UTF-8", "XDG_DOWNLOAD_DIR=\"$HOME/\xff\xfe\"", "Downloads", CodeInvalidUTF8},
		{"NUL", "XDG_DOWNLOAD_DIR=\"$HOME/a\x00b\"", "Downloads", CodeControlChar},
		{"escape sequence", "XDG_DOWNLOAD_DIR=\"$HOME/\x1b[2J\"", "Downloads", CodeControlChar},
		{"CR inside", "XDG_DOWNLOAD_DIR=\"$HOME/a\rb\"", "Downloads", CodeControlChar},
		{"home prefix", `XDG_DOWNLOAD_DIR="/home/publicity/dl"`, "Downloads", CodeOutsideHome},
		{"home itself, absolute", `XDG_DOWNLOAD_DIR="/home/public/"`, "Downloads", CodeDisabled},
		{"home itself, dot", `XDG_DOWNLOAD_DIR="$HOME/."`, "Downloads", CodeDisabled},
		{"dot dot hidden", `XDG_DOWNLOAD_DIR="$HOME/x/../../y"`, "Downloads", CodeDotDot},
		{"dot dot that stays inside", `XDG_DOWNLOAD_DIR="$HOME/x/../y"`, "Downloads", CodeDotDot},
	} {
		got := xdgFolder(home, c.file, "XDG_DOWNLOAD_DIR", "Downloads")
		if got.rel != c.rel || got.code != c.code || (c.code != "") != (got.reason != "") {
			t.Errorf("%s: got %+v, want %q (%s)", c.name, got, c.rel, c.code)
		}
	}
}

// TestUserDirsNeverLeavesHome feeds the parser random-looking lines built
// from hostile pieces: whatever comes out is a clean relative path without
// "..", never the home folder itself.
func TestUserDirsNeverLeavesHome(t *testing.T) {
	pieces := []string{"$HOME", "/", "..", ".", "\\", `"`, "etc", "$HOME/", "/home/public", " ", "\x00", "dl"}
	var n int
	var rec func(prefix string, depth int)
	rec = func(prefix string, depth int) {
		if depth == 0 {
			n++
			h := xdgFolder("/home/public", `XDG_DOWNLOAD_DIR="`+prefix+`"`, "XDG_DOWNLOAD_DIR", "Downloads")
			if h.rel == "" || h.rel == "." || strings.HasPrefix(h.rel, "/") || hasDotDot(h.rel) || strings.ContainsRune(h.rel, 0) {
				t.Errorf("value %q gave %+v", prefix, h)
			}
			return
		}
		for _, p := range pieces {
			rec(prefix+p, depth-1)
		}
	}
	rec("", 4)
	if n != len(pieces)*len(pieces)*len(pieces)*len(pieces) {
		t.Fatalf("only %d values tried", n)
	}
}
