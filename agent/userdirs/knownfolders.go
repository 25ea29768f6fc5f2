package userdirs

import (
	"fmt"
	"strings"
)

// Windows Known Folder IDs as they appear as value names under
// HKEY_USERS\<SID>\Software\Microsoft\Windows\CurrentVersion\Explorer\User
// Shell Folders (some folders keep their legacy names there).
var knownFolderValues = map[string][]string{
	"{downloads}": {"{374DE290-123F-4565-9164-39C4925E467B}"},
	"{desktop}":   {"Desktop", "{B4BFCC3A-DB2C-424C-B029-7FE99A87C641}"},
	"{documents}": {"Personal", "{FDD39AD0-238F-46AF-ADB4-6C85480369C7}"},
	"{pictures}":  {"My Pictures", "{33E28130-4E1E-4676-835A-98395C3BC3BB}"},
}

var knownFolderDefaults = map[string]string{
	"{downloads}": "Downloads",
	"{desktop}":   "Desktop",
	"{documents}": "Documents",
	"{pictures}":  "Pictures",
}

// ResolveWindowsFolder picks the folder for placeholder ph from the user's
// shell-folder values (read by the caller from the registry; the user can
// change them), as a path relative to the profile folder (read from HKLM
// ProfileList, not from the user's environment). A value that leads outside
// the profile, to a network share or to another drive is refused with a
// plain-French reason and the default folder is used instead (threats.md
// W5). It is pure logic, so it is tested on Linux.
func ResolveWindowsFolder(profile string, values map[string]string, ph string) (rel string, refused string) {
	def, ok := knownFolderDefaults[ph]
	if !ok {
		return "", fmt.Sprintf("%s is not a Windows known folder", ph)
	}
	var raw string
	for _, name := range knownFolderValues[ph] {
		if v, ok := values[name]; ok {
			raw = v
			break
		}
	}
	if raw == "" {
		return def, ""
	}
	v := expandProfile(raw, profile)
	switch {
	case strings.HasPrefix(v, `\\`) || strings.HasPrefix(v, "//"):
		return def, "dossier réseau"
	case len(v) < 3 || v[1] != ':' || (v[2] != '\\' && v[2] != '/'):
		return def, "chemin invalide"
	}
	p := winClean(v)
	prof := winClean(profile)
	if !strings.EqualFold(p[:2], prof[:2]) {
		return def, "support amovible ou autre disque"
	}
	if len(p) <= len(prof) || !strings.EqualFold(p[:len(prof)], prof) || p[len(prof)] != '\\' {
		return def, "hors du profil"
	}
	return strings.ReplaceAll(p[len(prof)+1:], `\`, "/"), ""
}

// expandProfile replaces %USERPROFILE% (any case); other variables are
// left, and so make the value refused as invalid or outside the profile.
func expandProfile(v, profile string) string {
	const key = "%USERPROFILE%"
	if len(v) >= len(key) && strings.EqualFold(v[:len(key)], key) {
		return profile + v[len(key):]
	}
	return v
}

// winClean normalises separators and removes "." and ".." components
// textually, refusing to climb above the drive.
func winClean(p string) string {
	p = strings.ReplaceAll(p, "/", `\`)
	parts := strings.Split(p[3:], `\`)
	var out []string
	for _, c := range parts {
		switch c {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, c)
		}
	}
	return strings.ToUpper(p[:1]) + `:\` + strings.Join(out, `\`)
}
