package userdirs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func setup(t *testing.T, content string) (User, Source) {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, ".config")
	os.MkdirAll(cfg, 0o755)
	if content != "" {
		if err := os.WriteFile(filepath.Join(cfg, "user-dirs.dirs"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return User{UID: 1000, Home: home}, Source{ConfigDir: cfg}
}

func TestFrenchDesktop(t *testing.T) {
	u, src := setup(t, `# This file is written by xdg-user-dirs-update
XDG_DESKTOP_DIR="$HOME/Bureau"
XDG_DOWNLOAD_DIR="$HOME/Téléchargements"
XDG_DOCUMENTS_DIR="$HOME/Documents"
XDG_PICTURES_DIR="$HOME/Images"
`)
	for ph, want := range map[string]string{"{downloads}": "Téléchargements", "{desktop}": "Bureau", "{pictures}": "Images", "{downloads}/Scans": "Téléchargements/Scans", "{home}": "."} {
		loc, err := Resolve(u, src, ph)
		if err != nil || !loc.InHome || loc.Rel != want || loc.Fallback {
			t.Errorf("%s: %+v %v, want %s", ph, loc, err, want)
		}
	}
	loc, _ := Resolve(u, src, "{temp}")
	if loc.InHome || loc.Path != "/tmp" {
		t.Errorf("{temp}: %+v", loc)
	}
	loc, _ = Resolve(u, src, "/srv/scans")
	if loc.InHome || loc.Path != "/srv/scans" {
		t.Errorf("absolute root: %+v", loc)
	}
}

func TestMissingFileGivesDefaults(t *testing.T) {
	u, src := setup(t, "")
	loc, err := Resolve(u, src, "{downloads}")
	if err != nil || loc.Rel != "Downloads" || loc.Fallback {
		t.Errorf("%+v %v", loc, err)
	}
}

// TestL11_UserDirsInjection: every hostile value falls back to the default
// folder beneath home, with a reason; none leads outside the home folder.
func TestL11_UserDirsInjection(t *testing.T) {
	for _, v := range []string{`"/"`, `"/etc"`, `"$HOME/../other"`, `"/tmp/sentinel/dir"`, `"$HOME"`, `""`, `"$HOME/a` + "\n" + `b"`, `$HOME/unquoted`, `"relative/dir"`, `"$HOME/x/../../y"`} {
		u, src := setup(t, "XDG_DOWNLOAD_DIR="+v+"\n")
		loc, err := Resolve(u, src, "{downloads}")
		if err != nil {
			t.Fatal(err)
		}
		if loc.Rel != "Downloads" || !loc.Fallback || loc.Reason == "" {
			t.Errorf("value %s: %+v; want the default Downloads with a reason", v, loc)
		}
		if !strings.HasPrefix(loc.Path, u.Home+"/") {
			t.Errorf("value %s leads outside home: %s", v, loc.Path)
		}
	}
	// A value that is a link to elsewhere ("$HOME/dl" with dl -> sentinel)
	// passes here, as text: it is safefs.OpenBeneath, used by the agent,
	// that refuses to go through the link (tested in agent/safefs).
	u, src := setup(t, `XDG_DOWNLOAD_DIR="$HOME/dl"`+"\n")
	if loc, _ := Resolve(u, src, "{downloads}"); loc.Rel != "dl" {
		t.Errorf("%+v", loc)
	}
	// A huge file is not read.
	u, src = setup(t, strings.Repeat("# padding\n", maxFile/10+1)+`XDG_DOWNLOAD_DIR="$HOME/x"`+"\n")
	if loc, _ := Resolve(u, src, "{downloads}"); loc.Rel != "Downloads" || !loc.Fallback {
		t.Errorf("huge file: %+v", loc)
	}
}

func TestUnknownPlaceholder(t *testing.T) {
	u, src := setup(t, "")
	if _, err := Resolve(u, src, "{music}"); err == nil {
		t.Error("unknown placeholder accepted")
	}
}
