// Package userdirs resolves the policy's placeholders ({home}, {downloads},
// {desktop}, {documents}, {pictures}, {temp}) for one user.
//
// Every value a user can change (user-dirs.dirs on Linux, the shell folders
// of the registry on Windows, $HOME for a service) is a hint: it must lead
// strictly beneath the home folder, or the default name is used instead
// (threats.md T3, L11). Resolve returns a location relative to the home
// folder; the agent then opens it with safefs.OpenBeneath, which refuses
// links and other mounts on the way. Textual checks here, handle checks
// there: neither alone is enough.
package userdirs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"
)

// User is the person's account.
type User struct {
	UID, GID uint32
	Name     string
	Home     string
}

// Source says where a user's folder hints come from.
type Source struct {
	// ConfigDir holds user-dirs.dirs ($XDG_CONFIG_HOME, or ~/.config).
	ConfigDir string
}

// Current returns the user running this program, for the foreground agent:
// the home folder comes from $HOME and the configuration folder from
// $XDG_CONFIG_HOME, as desktop programs do.
func Current(getenv func(string) string) (User, Source, error) {
	u, err := user.Current()
	if err != nil {
		return User{}, Source{}, fmt.Errorf("who is running Ardoise: %w", err)
	}
	usr, err := fromOS(u)
	if err != nil {
		return User{}, Source{}, err
	}
	if h := getenv("HOME"); path.IsAbs(h) {
		usr.Home = path.Clean(h)
	}
	cfg := getenv("XDG_CONFIG_HOME")
	if !path.IsAbs(cfg) {
		cfg = path.Join(usr.Home, ".config")
	}
	return usr, Source{ConfigDir: path.Clean(cfg)}, nil
}

// Lookup returns the account uid from the password database, for the
// system service: never from the environment, which the user controls.
func Lookup(uid uint32) (User, Source, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return User{}, Source{}, fmt.Errorf("look up uid %d: %w", uid, err)
	}
	return fromPasswd(u)
}

// fromPasswd returns an account of the password database with its folder
// hints read from its own home, never from the environment.
func fromPasswd(u *user.User) (User, Source, error) {
	usr, err := fromOS(u)
	if err != nil {
		return User{}, Source{}, err
	}
	return usr, Source{ConfigDir: path.Join(usr.Home, ".config")}, nil
}

func fromOS(u *user.User) (User, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return User{}, fmt.Errorf("account %q has no numeric uid/gid", u.Username)
	}
	if !path.IsAbs(u.HomeDir) {
		return User{}, fmt.Errorf("account %q has no home folder", u.Username)
	}
	return User{UID: uint32(uid), GID: uint32(gid), Name: u.Username, Home: path.Clean(u.HomeDir)}, nil
}

// Location is where a policy root is for one user.
type Location struct {
	// Path is the absolute path, for messages and for absolute roots.
	Path string
	// InHome reports a root beneath the home folder; Rel is then its path
	// relative to it ("." for the home folder itself).
	InHome bool
	Rel    string
	// Fallback reports that a hint was refused and the default name used;
	// Reason says why, for the log.
	Fallback bool
	Reason   string
}

// ErrUnknownPlaceholder means a root uses a placeholder this build does not
// know (policy validation rejects it first).
var ErrUnknownPlaceholder = errors.New("unknown placeholder")

// Resolve says where the policy root p ("{downloads}/Scans", "/srv/scans")
// is for user u.
func Resolve(u User, src Source, p string) (Location, error) {
	if !strings.HasPrefix(p, "{") {
		if !path.IsAbs(p) || path.Clean(p) != strings.TrimRight(p, "/") && path.Clean(p) != p {
			return Location{}, fmt.Errorf("root %q is not an absolute clean path", p)
		}
		return Location{Path: path.Clean(p)}, nil
	}
	ph, rest, _ := strings.Cut(p, "}")
	ph += "}"
	rest = strings.Trim(rest, "/")
	var loc Location
	switch ph {
	case "{home}":
		loc = Location{InHome: true, Rel: "."}
	case "{temp}":
		// /tmp, not $TMPDIR: the environment is the user's (T3). The wipe's
		// owner rule keeps other users' files there.
		loc = Location{Path: "/tmp"}
		if rest != "" {
			loc.Path = path.Join("/tmp", rest)
		}
		return loc, nil
	default:
		key, ok := xdgKeys[ph]
		if !ok {
			return Location{}, fmt.Errorf("%w %s", ErrUnknownPlaceholder, ph)
		}
		rel, reason := readUserDir(u.Home, src.ConfigDir, key)
		loc = Location{InHome: true, Rel: rel, Fallback: reason != "", Reason: reason}
	}
	if rest != "" {
		loc.Rel = path.Join(loc.Rel, rest)
	}
	loc.Path = path.Join(u.Home, loc.Rel)
	return loc, nil
}

var xdgKeys = map[string]string{
	"{downloads}": "XDG_DOWNLOAD_DIR",
	"{desktop}":   "XDG_DESKTOP_DIR",
	"{documents}": "XDG_DOCUMENTS_DIR",
	"{pictures}":  "XDG_PICTURES_DIR",
}

var defaults = map[string]string{
	"XDG_DOWNLOAD_DIR":  "Downloads",
	"XDG_DESKTOP_DIR":   "Desktop",
	"XDG_DOCUMENTS_DIR": "Documents",
	"XDG_PICTURES_DIR":  "Pictures",
}

// maxFile bounds how much of user-dirs.dirs is read: it is attacker data.
const maxFile = 64 << 10

// readUserDir returns the folder for key relative to home, and why the
// file's value was refused (empty when it was used, or absent).
func readUserDir(home, configDir, key string) (rel, reason string) {
	def := defaults[key]
	f, err := os.Open(path.Join(configDir, "user-dirs.dirs"))
	if err != nil {
		return def, ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil || len(data) > maxFile {
		return def, "user-dirs.dirs is unreadable or too large"
	}
	val, found := parseUserDirs(string(data), key)
	if !found {
		return def, ""
	}
	rel, reason = beneath(home, val)
	if reason != "" {
		return def, reason
	}
	return rel, ""
}

// parseUserDirs finds KEY="value" the way xdg-user-dirs writes it; the
// last assignment wins. It reports a value that cannot be parsed as empty.
func parseUserDirs(data, key string) (string, bool) {
	val, found := "", false
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			val, found = "", true
			continue
		}
		val, found = unescape(v[1:len(v)-1]), true
	}
	return val, found
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// beneath checks that a user-dirs value leads strictly beneath home and
// returns it relative to home.
func beneath(home, val string) (string, string) {
	switch {
	case val == "":
		return "", "empty value"
	case strings.ContainsAny(val, "\x00\n\r"):
		return "", "value holds a control character"
	case val == "$HOME" || val == "$HOME/":
		return "", "value is the home folder itself (XDG: disabled)"
	}
	var abs string
	switch {
	case strings.HasPrefix(val, "$HOME/"):
		abs = home + "/" + strings.TrimPrefix(val, "$HOME/")
	case strings.HasPrefix(val, "/"):
		abs = val
	default:
		return "", "value is neither $HOME/… nor an absolute path"
	}
	for _, c := range strings.Split(abs, "/") {
		if c == ".." {
			return "", "value climbs out with .."
		}
	}
	abs = path.Clean(abs)
	if !strings.HasPrefix(abs, home+"/") {
		return "", "value is outside the home folder"
	}
	return strings.TrimPrefix(abs, home+"/"), ""
}

// LookupName returns the account called name from the password database.
func LookupName(name string) (User, Source, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return User{}, Source{}, fmt.Errorf("look up account %q: %w", name, err)
	}
	return fromPasswd(u)
}
