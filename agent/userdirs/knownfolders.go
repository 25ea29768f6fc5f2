package userdirs

import (
	"strings"
	"unicode/utf8"
)

// Windows Known Folder IDs and the value names under which they appear in
// HKEY_USERS\<SID>\Software\Microsoft\Windows\CurrentVersion\Explorer\User
// Shell Folders. Some folders keep a legacy name there (Personal is
// Documents, My Pictures is Pictures); the legacy name is what Explorer
// writes, so it is read first.
var knownFolderValues = map[string][]string{
	Downloads: {"{374DE290-123F-4565-9164-39C4925E467B}"}, // FOLDERID_Downloads
	Desktop:   {"Desktop", "{B4BFCC3A-DB2C-424C-B029-7FE99A87C641}"},
	Documents: {"Personal", "{FDD39AD0-238F-46AF-ADB4-6C85480369C7}"},
	Pictures:  {"My Pictures", "{33E28130-4E1E-4676-835A-98395C3BC3BB}"},
}

// maxRegistryValue bounds a shell-folder value read from the registry
// (the user writes it); a real one is a path, well under MAX_PATH.
const maxRegistryValue = 32 << 10

// windowsFolder picks the folder for placeholder ph from the user's shell
// folder values (REG_EXPAND_SZ strings as stored, read by the caller from
// HKEY_USERS\<SID>; the user can change them), as a path relative to the
// profile folder (read from HKLM ProfileList, which the user cannot
// change). A value that leads outside the profile, to a network share, to
// another drive, or to a device path is refused and the default folder is
// used instead (threats.md W5). Only %USERPROFILE% is expanded, with the
// trusted profile: every other variable (%TEMP%, %HOMEDRIVE%) comes from the
// user's environment, so a value using one is refused. It is pure logic, so
// that it is tested on Linux.
func windowsFolder(profile string, values map[string]string, ph string) hint {
	def := defaultNames[ph]
	raw, set := "", false
	for _, name := range knownFolderValues[ph] {
		if v, ok := values[name]; ok {
			raw, set = v, true
			break
		}
	}
	switch {
	case !set:
		return hint{rel: def}
	case raw == "":
		return refused(def, CodeEmpty)
	case len(raw) > maxRegistryValue:
		return refused(def, CodeInvalid)
	case strings.ContainsFunc(raw, isControl):
		return refused(def, CodeControlChar)
	case !utf8.ValidString(raw):
		return refused(def, CodeInvalidUTF8)
	}
	v := strings.ReplaceAll(expandProfile(raw, profile), "/", `\`)
	switch {
	case hasPrefixFold(v, `\\?\UNC\`), hasPrefixFold(v, `\??\UNC\`):
		return refused(def, CodeNetwork)
	case strings.HasPrefix(v, `\\?\`), strings.HasPrefix(v, `\\.\`), strings.HasPrefix(v, `\??\`):
		// The NT and device namespaces skip Win32 path rules; a shell
		// folder has no business there.
		return refused(def, CodeInvalid)
	case strings.HasPrefix(v, `\\`):
		return refused(def, CodeNetwork)
	case !isDrivePath(v):
		return refused(def, CodeInvalid)
	}
	comps, ok := winComponents(v)
	if !ok {
		return refused(def, CodeInvalid)
	}
	for _, c := range comps {
		if c == ".." {
			return refused(def, CodeOutsideProfile)
		}
	}
	pcomps, ok := winComponents(profile)
	if !isDrivePath(profile) || !ok {
		return refused(def, CodeInvalid)
	}
	if !strings.EqualFold(v[:1], profile[:1]) {
		return refused(def, CodeRemovable)
	}
	if len(comps) < len(pcomps) {
		return refused(def, CodeOutsideProfile)
	}
	for i, c := range pcomps {
		if !asciiEqualFold(c, comps[i]) {
			return refused(def, CodeOutsideProfile)
		}
	}
	if len(comps) == len(pcomps) {
		return refused(def, CodeDisabled)
	}
	return hint{rel: strings.Join(comps[len(pcomps):], "/")}
}

// expandProfile replaces a leading %USERPROFILE% (any case) with profile.
func expandProfile(v, profile string) string {
	const key = "%USERPROFILE%"
	if hasPrefixFold(v, key) {
		return profile + v[len(key):]
	}
	return v
}

// isDrivePath reports whether p starts with a drive letter, a colon and a
// backslash ("C:\"); "C:foo" is relative to the drive's current folder.
func isDrivePath(p string) bool {
	if len(p) < 3 || p[1] != ':' || p[2] != '\\' {
		return false
	}
	c := p[0] | 0x20
	return c >= 'a' && c <= 'z'
}

// winComponents splits a drive path after "C:\" into its components,
// dropping empty and "." ones. It refuses names Windows would rewrite or
// read specially: a colon (alternate data stream), wildcard and reserved
// characters, and a trailing dot or space, which Win32 strips ("Temp." is
// "Temp", and "..." would not be what it seems).
func winComponents(p string) ([]string, bool) {
	var out []string
	for c := range strings.SplitSeq(p[3:], `\`) {
		switch {
		case c == "" || c == ".":
			continue
		case c == "..":
		case strings.ContainsAny(c, `:*?"<>|`), strings.HasSuffix(c, "."), strings.HasSuffix(c, " "):
			return nil, false
		}
		out = append(out, c)
	}
	return out, true
}

// asciiEqualFold compares names as NTFS does for ASCII letters. Other
// letters must match exactly: Unicode case folding is not NTFS's upcase
// table (the Kelvin sign folds to "k" for strings.EqualFold, not for
// NTFS), and a mismatch only refuses a value, the safe direction.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && asciiEqualFold(s[:len(prefix)], prefix)
}
