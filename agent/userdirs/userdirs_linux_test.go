package userdirs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// scratchHome makes a home folder with .config/user-dirs.dirs holding
// content (no file when content is empty) and a sentinel folder beside it,
// outside the home.
func scratchHome(t *testing.T, content string) (u User, src Source, sentinel string) {
	t.Helper()
	base := t.TempDir()
	home := filepath.Join(base, "home")
	sentinel = filepath.Join(base, "sentinel")
	for _, d := range []string{filepath.Join(home, ".config"), filepath.Join(sentinel, "dir")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if content != "" {
		if err := os.WriteFile(filepath.Join(home, ".config", "user-dirs.dirs"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u = User{UID: uint32(os.Getuid()), GID: uint32(os.Getgid()), Name: "public", Home: home}
	return u, Source{Mode: System, ConfigDir: filepath.Join(home, ".config")}, sentinel
}

func TestFrenchDesktop(t *testing.T) {
	u, src, _ := scratchHome(t, `# This file is written by xdg-user-dirs-update
# If you want to change or add directories, just edit the line you're
# interested in. All local changes will be retained on the next run.
XDG_DESKTOP_DIR="$HOME/Bureau"
XDG_DOWNLOAD_DIR="$HOME/Téléchargements"
XDG_TEMPLATES_DIR="$HOME/Modèles"
XDG_PUBLICSHARE_DIR="$HOME/Public"
XDG_DOCUMENTS_DIR="$HOME/Documents"
XDG_MUSIC_DIR="$HOME/Musique"
XDG_PICTURES_DIR="$HOME/Images"
XDG_VIDEOS_DIR="$HOME/Vidéos"
`)
	for _, c := range []struct{ root, rel, label string }{
		{"{downloads}", "Téléchargements", "Téléchargements"},
		{"{desktop}", "Bureau", "Bureau"},
		{"{documents}", "Documents", "Documents"},
		{"{pictures}", "Images", "Images"},
		{"{home}", ".", "Dossier personnel"},
		{"{downloads}/Scans", "Téléchargements/Scans", "Scans (Téléchargements)"},
		{"{home}/Scans/", "Scans", "Scans (Dossier personnel)"},
	} {
		loc, err := Resolve(u, src, c.root)
		if err != nil {
			t.Fatalf("%s: %v", c.root, err)
		}
		want := Location{Placeholder: c.root[:strings.IndexByte(c.root, '}')+1], Base: BaseHome, Anchor: u.Home, Rel: c.rel,
			Path: filepath.Join(u.Home, c.rel), InHome: true, Label: c.label}
		if loc != want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.root, loc, want)
		}
	}
}

func TestTempAndAbsoluteRoots(t *testing.T) {
	u, src, _ := scratchHome(t, `XDG_DOWNLOAD_DIR="$HOME/dl"`)
	for _, c := range []struct {
		root string
		want Location
	}{
		{"{temp}", Location{Placeholder: Temp, Base: BaseTemp, Anchor: "/tmp", Rel: ".", Path: "/tmp", Label: "Fichiers temporaires"}},
		{"{temp}/scans", Location{Placeholder: Temp, Base: BaseTemp, Anchor: "/tmp", Rel: "scans", Path: "/tmp/scans", Label: "scans (Fichiers temporaires)"}},
		{"/srv/scans", Location{Base: BaseAbsolute, Anchor: "/", Rel: "srv/scans", Path: "/srv/scans", Label: "scans"}},
		{"/srv//scans/", Location{Base: BaseAbsolute, Anchor: "/", Rel: "srv/scans", Path: "/srv/scans", Label: "scans"}},
	} {
		loc, err := Resolve(u, src, c.root)
		if err != nil || loc != c.want {
			t.Errorf("%s:\n got %+v %v\nwant %+v", c.root, loc, err, c.want)
		}
	}
}

func TestMissingFileGivesDefaults(t *testing.T) {
	u, src, _ := scratchHome(t, "")
	os.Remove(src.ConfigDir)
	for ph, want := range map[string]string{Downloads: "Downloads", Desktop: "Desktop", Documents: "Documents", Pictures: "Pictures"} {
		loc, err := Resolve(u, src, ph)
		if err != nil || loc.Rel != want || loc.Fallback || loc.Reason != "" {
			t.Errorf("%s: %+v %v, want %s without fallback", ph, loc, err, want)
		}
	}
}

// TestL11_UserDirsInjection: every hostile XDG_DOWNLOAD_DIR of L11 falls
// back to the default folder beneath home, with a reason; none names a
// folder outside the home folder.
func TestL11_UserDirsInjection(t *testing.T) {
	for _, c := range []struct{ name, value, code string }{
		{"root", `"/"`, CodeOutsideHome},
		{"etc", `"/etc"`, CodeOutsideHome},
		{"climb", `"$HOME/../other"`, CodeDotDot},
		{"sentinel", `"$SENTINEL/dir"`, CodeOutsideHome},
		{"home", `"$HOME"`, CodeDisabled},
		{"home slash", `"$HOME/"`, CodeDisabled},
		{"empty", `""`, CodeEmpty},
		{"newline", "\"$HOME/a\nb\"", CodeUnterminated},
		{"climb after a folder", `"$HOME/x/../../sentinel/dir"`, CodeDotDot},
		{"home by absolute path", `"$ABSHOME"`, CodeDisabled},
		{"home's parent", `"$ABSHOME/.."`, CodeDotDot},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, src, sentinel := scratchHome(t, "")
			v := strings.NewReplacer("$SENTINEL", sentinel, "$ABSHOME", u.Home).Replace(c.value)
			if err := os.WriteFile(filepath.Join(src.ConfigDir, "user-dirs.dirs"), []byte("XDG_DOWNLOAD_DIR="+v+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			loc, err := Resolve(u, src, "{downloads}")
			if err != nil {
				t.Fatal(err)
			}
			if loc.Rel != "Downloads" || !loc.Fallback || loc.Code != c.code || loc.Reason == "" {
				t.Errorf("value %q: %+v; want the default Downloads, refused with %s", v, loc, c.code)
			}
			if loc.Path != filepath.Join(u.Home, "Downloads") || loc.Anchor != u.Home || !loc.InHome {
				t.Errorf("value %q leads to %s, outside %s/Downloads", v, loc.Path, u.Home)
			}
		})
	}
}

// TestL11_LinkedFolderIsTheOpenersJob documents the split of duties for
// the last L11 subcase: "$HOME/dl" with dl -> $SENTINEL/dir is a fine text,
// so Resolve returns Rel "dl". What refuses it is the opener the agent
// uses, safefs.Dir.OpenBeneath on the home handle, which never follows a
// link; this test runs it to show the two together are safe.
func TestL11_LinkedFolderIsTheOpenersJob(t *testing.T) {
	u, src, sentinel := scratchHome(t, `XDG_DOWNLOAD_DIR="$HOME/dl"`+"\n")
	if err := os.Symlink(filepath.Join(sentinel, "dir"), filepath.Join(u.Home, "dl")); err != nil {
		t.Fatal(err)
	}
	loc, err := Resolve(u, src, "{downloads}")
	if err != nil || loc.Rel != "dl" || loc.Fallback {
		t.Fatalf("Resolve: %+v %v; want Rel dl (links are not its business)", loc, err)
	}
	opts := safefs.RootOptions{TrustedUIDs: []uint32{u.UID}}
	home, err := safefs.OpenRoot(loc.Anchor, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer home.Close()
	if d, err := home.OpenBeneath(loc.Rel, opts); !errors.Is(err, safefs.ErrSymlink) {
		if d != nil {
			d.Close()
		}
		t.Errorf("OpenBeneath(%q) = %v; want ErrSymlink", loc.Rel, err)
	}
}

// TestUserDirsFileIsOpenedSafely: the hint file and the folders above it
// belong to the user; a link, a FIFO or an oversized file is refused
// without being followed, blocking or read whole.
func TestUserDirsFileIsOpenedSafely(t *testing.T) {
	const evil = `XDG_DOWNLOAD_DIR="$HOME/Evil"` + "\n"
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, cfg, outside string)
		code  string
	}{
		{"file is a link", func(t *testing.T, cfg, outside string) {
			must(t, os.WriteFile(filepath.Join(outside, "dirs"), []byte(evil), 0o644))
			must(t, os.Symlink(filepath.Join(outside, "dirs"), filepath.Join(cfg, "user-dirs.dirs")))
		}, CodeUnreadable},
		{".config is a link", func(t *testing.T, cfg, outside string) {
			must(t, os.WriteFile(filepath.Join(outside, "user-dirs.dirs"), []byte(evil), 0o644))
			must(t, os.Remove(cfg))
			must(t, os.Symlink(outside, cfg))
		}, CodeUnreadable},
		{"FIFO", func(t *testing.T, cfg, _ string) {
			must(t, syscall.Mkfifo(filepath.Join(cfg, "user-dirs.dirs"), 0o644))
		}, CodeUnreadable},
		{"directory", func(t *testing.T, cfg, _ string) {
			must(t, os.Mkdir(filepath.Join(cfg, "user-dirs.dirs"), 0o755))
		}, CodeUnreadable},
		{"huge", func(t *testing.T, cfg, _ string) {
			data := strings.Repeat("# padding\n", maxUserDirsFile/10+1) + evil
			must(t, os.WriteFile(filepath.Join(cfg, "user-dirs.dirs"), []byte(data), 0o644))
		}, CodeTooLarge},
		{"sparse 1 GiB", func(t *testing.T, cfg, _ string) {
			f, err := os.Create(filepath.Join(cfg, "user-dirs.dirs"))
			must(t, err)
			must(t, f.Truncate(1<<30))
			must(t, f.Close())
		}, CodeTooLarge},
		{"just under the cap", func(t *testing.T, cfg, _ string) {
			data := evil + strings.Repeat("#", maxUserDirsFile-len(evil))
			must(t, os.WriteFile(filepath.Join(cfg, "user-dirs.dirs"), []byte(data), 0o644))
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, src, sentinel := scratchHome(t, "")
			c.setup(t, src.ConfigDir, sentinel)
			done := make(chan Location, 1)
			go func() {
				loc, err := Resolve(u, src, "{downloads}")
				if err != nil {
					t.Error(err)
				}
				done <- loc
			}()
			var loc Location
			select {
			case loc = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Resolve blocked on the hint file")
			}
			want := "Downloads"
			if c.code == "" {
				want = "Evil"
			}
			if loc.Rel != want || loc.Code != c.code {
				t.Errorf("got %+v, want %s (%s)", loc, want, c.code)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	u, src, _ := scratchHome(t, "")
	for _, root := range []string{"", "{music}", "{downloads", "{downloads}x", "{home}/../etc", "{home}/a/../../etc", "relative/dir", "/srv/../etc", "{temp}/a\nb"} {
		if loc, err := Resolve(u, src, root); err == nil {
			t.Errorf("%q accepted: %+v", root, loc)
		}
	}
	if _, err := Resolve(u, src, "{music}"); !errors.Is(err, ErrUnknownPlaceholder) {
		t.Errorf("{music}: %v, want ErrUnknownPlaceholder", err)
	}
	for _, home := range []string{"", "home", "/", "/home/x/"} {
		bad := u
		bad.Home = home
		if loc, err := Resolve(bad, src, "{downloads}"); err == nil {
			t.Errorf("home %q accepted: %+v", home, loc)
		}
	}
}

// TestSystemModeReadsThePasswordDatabase: Lookup takes the home folder from
// /etc/passwd (os/user without cgo), whatever $HOME says.
func TestSystemModeReadsThePasswordDatabase(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	u, src, err := Lookup(0)
	if err != nil {
		t.Fatal(err)
	}
	if u.UID != 0 || u.Name != "root" || u.Home != passwdHome(t, "root") || src != (Source{Mode: System, ConfigDir: filepath.Join(u.Home, ".config")}) {
		t.Errorf("Lookup(0) = %+v %+v", u, src)
	}
	if n, nsrc, err := LookupName("root"); err != nil || n != u || nsrc != src {
		t.Errorf("LookupName(root) = %+v %+v %v", n, nsrc, err)
	}
	if _, _, err := Lookup(4000000000); err == nil {
		t.Error("a uid missing from the password database was found")
	}
}

// TestForegroundModeReadsTheEnvironment: a program acting for its own user
// follows $HOME and $XDG_CONFIG_HOME, which is what lets tests use a scratch
// home.
func TestForegroundModeReadsTheEnvironment(t *testing.T) {
	env := map[string]string{"HOME": "/scratch/home/", "XDG_CONFIG_HOME": "/scratch/cfg"}
	u, src, err := Current(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if u.UID != uint32(os.Getuid()) || u.Home != "/scratch/home" || src != (Source{Mode: Foreground, ConfigDir: "/scratch/cfg"}) {
		t.Errorf("Current = %+v %+v", u, src)
	}
	env["XDG_CONFIG_HOME"] = "relative/cfg" // ignored, as the XDG spec says
	if _, src, _ = Current(func(k string) string { return env[k] }); src.ConfigDir != "/scratch/home/.config" {
		t.Errorf("relative XDG_CONFIG_HOME: %+v", src)
	}
}

// TestForegroundScratchHome resolves {downloads} from a scratch home given
// through the environment, end to end.
func TestForegroundScratchHome(t *testing.T) {
	home := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(home, "cfg"), 0o755))
	must(t, os.WriteFile(filepath.Join(home, "cfg", "user-dirs.dirs"), []byte(`XDG_DOWNLOAD_DIR="$HOME/Téléchargements"`+"\n"), 0o644))
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "cfg")}
	u, src, err := Current(func(k string) string { return env[k] })
	must(t, err)
	loc, err := Resolve(u, src, "{downloads}")
	if err != nil || loc.Path != filepath.Join(home, "Téléchargements") {
		t.Errorf("%+v %v", loc, err)
	}
}

// passwdHome reads name's home folder from /etc/passwd, independently of
// os/user.
func passwdHome(t *testing.T, name string) string {
	data, err := os.ReadFile("/etc/passwd")
	must(t, err)
	for line := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Split(line, ":"); len(f) == 7 && f[0] == name {
			return f[5]
		}
	}
	t.Fatalf("no %s in /etc/passwd", name)
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
