// Package userdirs resolves the policy's placeholders ({home}, {downloads},
// {desktop}, {documents}, {pictures}, {temp}) for one user.
//
// Every value a user can change is a hint, never an authority (threats.md
// T3, D1, L11, W5): user-dirs.dirs on Linux, the shell folders of the
// registry on Windows, and $HOME or $XDG_CONFIG_HOME when the agent runs as
// a service for someone else. A hint must lead strictly beneath the home
// folder; otherwise the default folder name is used and the reason is kept
// for the log.
//
// The work is split in two, on purpose:
//
//   - here, textual checks: the result is a path relative to a trusted
//     anchor (the home folder from the password database or HKLM
//     ProfileList, /tmp, or "/"), with no "..", never the anchor itself
//     for a user folder;
//   - in the opener, safefs.Dir.OpenBeneath (called by the agent), checks
//     on handles: no symbolic link on the way, the same mount, owners that
//     the user cannot fake.
//
// Neither alone is enough: "$HOME/dl" is a fine text, and only the opener
// sees that dl is a link to /etc; "/etc" opens fine, and only this package
// knows it is not beneath the home folder. So this package never opens the
// folders it names, and the agent never opens a user folder by absolute
// path.
package userdirs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// User is an account whose folders are resolved.
type User struct {
	// UID and GID are the numeric ids (0 on Windows, where SID is used).
	UID, GID uint32
	// Name is the login name.
	Name string
	// Home is the absolute, clean home folder (the profile folder on
	// Windows). It comes from the password database or HKLM ProfileList,
	// except in foreground mode (see [Current]).
	Home string
	// SID is the Windows security identifier; empty elsewhere.
	SID string
}

// Mode says where a user's hints come from.
type Mode int

const (
	// System is the service acting for a kiosk account: the home folder
	// comes from the password database and the environment is not read,
	// since it belongs to the user (T3).
	System Mode = iota
	// Foreground is an ordinary program acting for the user who started
	// it: $HOME and $XDG_CONFIG_HOME are read, as desktop programs do. It
	// grants nothing the user does not already have.
	Foreground
)

func (m Mode) String() string {
	if m == Foreground {
		return "foreground"
	}
	return "system"
}

// Source says where a user's folder hints come from.
type Source struct {
	// Mode is System or Foreground.
	Mode Mode
	// ConfigDir is the folder holding user-dirs.dirs on Linux: Home/.config
	// in system mode, $XDG_CONFIG_HOME (default $HOME/.config) in
	// foreground mode. Unused on Windows and macOS.
	ConfigDir string
}

// Bases a Location is relative to.
const (
	// BaseHome: Rel is relative to the user's home (profile) folder.
	BaseHome = "home"
	// BaseTemp: Rel is relative to the system's shared temporary folder.
	BaseTemp = "tmp"
	// BaseAbsolute: the policy gave an absolute path; Rel is relative to
	// the file system root ("/", or the drive on Windows).
	BaseAbsolute = "abs"
)

// Location is where a policy root is for one user.
type Location struct {
	// Placeholder is the placeholder the root starts with ("{downloads}"),
	// or empty for an absolute root.
	Placeholder string
	// Base is BaseHome, BaseTemp or BaseAbsolute.
	Base string
	// Anchor is the trusted absolute folder Rel is relative to: the home
	// folder, /tmp, or the file system root.
	Anchor string
	// Rel is the root relative to Anchor, clean, with "/" as separator and
	// no ".." ("." for the anchor itself, as for "{home}"). It is meant for
	// safefs.Dir.OpenBeneath on a handle of Anchor, which refuses links and
	// other mounts on the way.
	Rel string
	// Path is Anchor joined with Rel, for messages and for roots that are
	// not in the home folder (opened with safefs.OpenRoot).
	Path string
	// InHome reports whether Base is BaseHome.
	InHome bool
	// Label names the folder in plain French for the public
	// ("Téléchargements", "Scans (Téléchargements)").
	Label string
	// Fallback reports that the user's setting for this folder was refused
	// and the default name used instead. Code says why for programs and
	// Reason in plain French, for the log and the staff.
	Fallback bool
	Code     string
	Reason   string
}

// ErrUnknownPlaceholder means a root uses a placeholder this build does not
// know. Policy validation rejects it first; Resolve checks again.
var ErrUnknownPlaceholder = errors.New("unknown placeholder")

// Placeholders, as written in a policy.
const (
	Home      = "{home}"
	Downloads = "{downloads}"
	Desktop   = "{desktop}"
	Documents = "{documents}"
	Pictures  = "{pictures}"
	Temp      = "{temp}"
)

// labels are the plain-French names shown to the public, whatever the
// folder is called on disk.
var labels = map[string]string{
	Home:      "Dossier personnel",
	Downloads: "Téléchargements",
	Desktop:   "Bureau",
	Documents: "Documents",
	Pictures:  "Images",
	Temp:      "Fichiers temporaires",
}

// Label returns the plain-French name of a placeholder ("Téléchargements"
// for "{downloads}"), or "" for an unknown one.
func Label(placeholder string) string { return labels[placeholder] }

// defaultNames are the folder names xdg-user-dirs, Windows and macOS create
// when nothing else is set. They are used when a hint is refused.
var defaultNames = map[string]string{
	Downloads: "Downloads",
	Desktop:   "Desktop",
	Documents: "Documents",
	Pictures:  "Pictures",
}

// hint is a user folder relative to the home folder, and why the user's
// own setting was refused (code empty when it was used or absent).
type hint struct {
	rel, code, reason string
}

// Resolve says where the policy root rootPath ("{downloads}/Scans",
// "/srv/scans") is for user u, reading the user's hints from src. It opens
// nothing but the hint file (user-dirs.dirs on Linux, through safefs) or
// the registry (Windows): the caller opens the result with safefs, beneath
// Anchor.
func Resolve(u User, src Source, rootPath string) (Location, error) {
	if rootPath == "" {
		return Location{}, errors.New("resolve root: empty path")
	}
	if !strings.HasPrefix(rootPath, "{") {
		return resolveAbsolute(rootPath)
	}
	end := strings.IndexByte(rootPath, '}')
	if end < 0 {
		return Location{}, fmt.Errorf("resolve root %q: the placeholder has no closing brace", rootPath)
	}
	ph, rest := rootPath[:end+1], rootPath[end+1:]
	if _, ok := labels[ph]; !ok {
		return Location{}, fmt.Errorf("resolve root %q: %w %s; allowed: {home}, {downloads}, {desktop}, {documents}, {pictures}, {temp}", rootPath, ErrUnknownPlaceholder, ph)
	}
	sub, err := subPath(rest)
	if err != nil {
		return Location{}, fmt.Errorf("resolve root %q: %w", rootPath, err)
	}
	loc := Location{Placeholder: ph, Base: BaseHome, Rel: "."}
	switch ph {
	case Home:
	case Temp:
		loc.Base, loc.Anchor, loc.Rel, err = tempLocation(u)
		if err != nil {
			return Location{}, fmt.Errorf("resolve root %q: %w", rootPath, err)
		}
	default:
		if err := checkHome(u); err != nil {
			return Location{}, fmt.Errorf("resolve root %q: %w", rootPath, err)
		}
		h, err := userFolder(u, src, ph)
		if err != nil {
			return Location{}, fmt.Errorf("resolve root %q: %w", rootPath, err)
		}
		loc.Rel = h.rel
		loc.Fallback, loc.Code, loc.Reason = h.code != "", h.code, h.reason
	}
	if loc.Base == BaseHome {
		if err := checkHome(u); err != nil {
			return Location{}, fmt.Errorf("resolve root %q: %w", rootPath, err)
		}
		loc.Anchor = u.Home
	}
	loc.Rel = path.Join(loc.Rel, sub)
	loc.Path = filepath.Join(loc.Anchor, filepath.FromSlash(loc.Rel))
	loc.InHome = loc.Base == BaseHome
	loc.Label = labels[ph]
	if sub != "." {
		loc.Label = path.Base(sub) + " (" + loc.Label + ")"
	}
	return loc, nil
}

// checkHome refuses an account without a usable home folder: joining a
// relative path to an empty home would name a folder relative to the
// agent's working directory, and a home of "/" makes every folder a user
// folder.
func checkHome(u User) error {
	if u.Home == "" || !filepath.IsAbs(u.Home) || filepath.Clean(u.Home) != u.Home {
		return fmt.Errorf("account %q (uid %d) has no absolute home folder (%q); check the password database", u.Name, u.UID, u.Home)
	}
	if filepath.Dir(u.Home) == u.Home {
		// A home of "/" would make {home} the whole file system.
		return fmt.Errorf("account %q (uid %d) has the file system root as home folder; give it a home folder of its own", u.Name, u.UID)
	}
	return nil
}

// resolveAbsolute handles a root the policy gives as an absolute path. The
// policy is trusted (root-owned), but ".." is still refused: the opener
// walks components and must never go up.
func resolveAbsolute(p string) (Location, error) {
	if !filepath.IsAbs(p) {
		return Location{}, fmt.Errorf("resolve root %q: neither a placeholder nor an absolute path", p)
	}
	if hasDotDot(filepath.ToSlash(p)) {
		return Location{}, fmt.Errorf("resolve root %q: contains \"..\"", p)
	}
	clean := filepath.Clean(p)
	anchor := filepath.VolumeName(clean) + string(filepath.Separator)
	rel := filepath.ToSlash(strings.TrimPrefix(clean, anchor))
	if rel == "" {
		rel = "."
	}
	return Location{Base: BaseAbsolute, Anchor: anchor, Rel: rel, Path: clean, Label: filepath.Base(clean)}, nil
}

// subPath checks what follows a placeholder: nothing, or a separator and a
// relative path without "..".
func subPath(rest string) (string, error) {
	if rest == "" {
		return ".", nil
	}
	if !os.IsPathSeparator(rest[0]) {
		return "", fmt.Errorf("a placeholder must be followed by %q or nothing", string(filepath.Separator))
	}
	rel := filepath.ToSlash(rest)
	if hasDotDot(rel) {
		return "", errors.New("contains \"..\"")
	}
	if strings.ContainsFunc(rel, isControl) {
		return "", errors.New("contains a control character")
	}
	return path.Clean(strings.TrimLeft(rel, "/")), nil
}

func hasDotDot(slashPath string) bool {
	for _, c := range strings.Split(slashPath, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
