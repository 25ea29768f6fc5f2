package userdirs

import (
	"path"
	"strings"
	"unicode/utf8"
)

// maxUserDirsFile bounds how much of user-dirs.dirs is read: the file is
// attacker data (a real one is under 1 KiB).
const maxUserDirsFile = 64 << 10

// xdgKeys are the user-dirs.dirs variables of each placeholder.
var xdgKeys = map[string]string{
	Downloads: "XDG_DOWNLOAD_DIR",
	Desktop:   "XDG_DESKTOP_DIR",
	Documents: "XDG_DOCUMENTS_DIR",
	Pictures:  "XDG_PICTURES_DIR",
}

// Refusal codes (Location.Code) and their plain-French reasons
// (Location.Reason).
const (
	CodeTooLarge       = "too_large"
	CodeUnreadable     = "unreadable"
	CodeOtherMount     = "other_mount"
	CodeNotQuoted      = "not_quoted"
	CodeUnterminated   = "unterminated"
	CodeEmpty          = "empty"
	CodeDisabled       = "disabled"
	CodeNotAbsolute    = "not_absolute"
	CodeControlChar    = "control_char"
	CodeInvalidUTF8    = "invalid_utf8"
	CodeDotDot         = "dotdot"
	CodeOutsideHome    = "outside_home"
	CodeOutsideProfile = "outside_profile"
	CodeNetwork        = "network"
	CodeRemovable      = "removable"
	CodeInvalid        = "invalid"
)

var reasons = map[string]string{
	CodeTooLarge:       "fichier de réglages trop gros",
	CodeUnreadable:     "fichier de réglages illisible sans risque (lien, fichier spécial ou droits)",
	CodeOtherMount:     "fichier de réglages sur un autre support",
	CodeNotQuoted:      "réglage mal écrit (guillemets manquants)",
	CodeUnterminated:   "réglage mal écrit (guillemet fermant manquant)",
	CodeEmpty:          "réglage vide",
	CodeDisabled:       "réglage désactivé (le dossier personnel lui-même)",
	CodeNotAbsolute:    "réglage mal écrit (ni $HOME/… ni chemin absolu)",
	CodeControlChar:    "nom contenant un caractère de contrôle",
	CodeInvalidUTF8:    "nom mal encodé (UTF-8 invalide)",
	CodeDotDot:         "hors du dossier personnel (« .. »)",
	CodeOutsideHome:    "hors du dossier personnel",
	CodeOutsideProfile: "hors du profil",
	CodeNetwork:        "dossier réseau",
	CodeRemovable:      "support amovible",
	CodeInvalid:        "chemin invalide",
}

// refused is the default folder def, with the reason the user's setting
// was not used.
func refused(def, code string) hint { return hint{rel: def, code: code, reason: reasons[code]} }

// xdgValue is one assignment read from user-dirs.dirs.
type xdgValue struct {
	// text is the value with escapes removed, after "$HOME/" when
	// relative is true.
	text     string
	relative bool
	// bad is a refusal code when the line could not be used.
	bad string
}

// parseUserDirs finds the last assignment of key in a user-dirs.dirs file.
// It follows xdg-user-dir-lookup.c (xdg-user-dirs 0.18): leading blanks,
// KEY, blanks, '=', blanks, a double-quoted value that starts with "$HOME/"
// or "/", where a backslash makes the next character literal, and text after
// the closing quote ignored. Where that reader would silently skip a line,
// this one keeps it as a refused value, so that the log says why the
// setting was not used. One difference is on purpose: a value without its
// closing quote is refused, because lines are split on newlines and such a
// value may be the first half of a name holding a newline (threats.md L11).
func parseUserDirs(data, key string) (xdgValue, bool) {
	var last xdgValue
	found := false
	for line := range strings.SplitSeq(data, "\n") {
		line = strings.TrimSuffix(line, "\r")
		p := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(p, key) {
			continue
		}
		p = strings.TrimLeft(p[len(key):], " \t")
		if !strings.HasPrefix(p, "=") {
			continue // another key with key as a prefix, or a stray line
		}
		found = true
		last = parseValue(strings.TrimLeft(p[1:], " \t"))
	}
	return last, found
}

func parseValue(p string) xdgValue {
	if !strings.HasPrefix(p, `"`) {
		return xdgValue{bad: CodeNotQuoted}
	}
	p = p[1:]
	v := xdgValue{}
	switch {
	case strings.HasPrefix(p, "$HOME/"):
		p, v.relative = p[len("$HOME/"):], true
	case strings.HasPrefix(p, `$HOME"`):
		return xdgValue{bad: CodeDisabled}
	case strings.HasPrefix(p, `"`):
		return xdgValue{bad: CodeEmpty}
	case !strings.HasPrefix(p, "/"):
		return xdgValue{bad: CodeNotAbsolute}
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			v.text = b.String()
			return v
		case c == '\\' && i+1 < len(p):
			i++
			b.WriteByte(p[i])
		default:
			b.WriteByte(c)
		}
	}
	return xdgValue{bad: CodeUnterminated}
}

// xdgFolder returns the folder for key relative to home, from the content
// of user-dirs.dirs, or the default name def with the reason the file's
// value was refused. The result is only textually beneath home: links and
// mounts on the way are the opener's to refuse (safefs.Dir.OpenBeneath).
func xdgFolder(home, data, key, def string) hint {
	v, found := parseUserDirs(data, key)
	if !found {
		return hint{rel: def}
	}
	if v.bad != "" {
		return refused(def, v.bad)
	}
	switch {
	case strings.ContainsFunc(v.text, isControl):
		return refused(def, CodeControlChar)
	case !utf8.ValidString(v.text):
		return refused(def, CodeInvalidUTF8)
	case hasDotDot(v.text):
		return refused(def, CodeDotDot)
	}
	var rel string
	if v.relative {
		rel = path.Clean(strings.TrimLeft(v.text, "/"))
	} else {
		abs := path.Clean(v.text)
		switch {
		case abs == home:
			return refused(def, CodeDisabled)
		case home == "/" || !strings.HasPrefix(abs, home+"/"):
			return refused(def, CodeOutsideHome)
		}
		rel = abs[len(home)+1:]
	}
	if rel == "." || rel == "" {
		// "$HOME/" and "$HOME/." name the home folder: XDG's "disabled".
		return refused(def, CodeDisabled)
	}
	return hint{rel: rel}
}
