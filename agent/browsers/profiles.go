package browsers

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// Cleaned says what ClearProfiles did. It holds no name or address.
type Cleaned struct {
	// Profiles counts the profile folders cleaned.
	Profiles int
	// Removed counts the entries erased (files and folders).
	Removed int
	// Pending counts entries that could not be erased (busy, or
	// belonging to another account); the next session end tries again.
	Pending int
	// Refused lists what was not cleaned on purpose, with why.
	Refused []Refusal
}

// Refusal is a profile or profile folder left alone.
type Refusal struct {
	Browser ID
	// Code is for programs: "outside_profile_folder", "symlink",
	// "other_mount", "foreign", "error".
	Code string
	// Reason is the same in plain French, for the window and staff.
	Reason string
}

// What a profile keeps of a person's visit: being logged in (cookies,
// site storage, saved logins), where they went (history, sessions and
// tabs to restore, caches) and what they typed (form data). Settings,
// extensions and bookmarks stay: they are the library's.
var profileData = map[Family][]string{
	MozillaFamily: {
		"cookies.sqlite", "cookies.sqlite-wal", "cookies.sqlite-shm",
		"places.sqlite", "places.sqlite-wal", "places.sqlite-shm",
		"favicons.sqlite", "favicons.sqlite-wal", "favicons.sqlite-shm",
		"formhistory.sqlite", "formhistory.sqlite-wal", "formhistory.sqlite-shm",
		"webappsstore.sqlite", "webappsstore.sqlite-wal", "webappsstore.sqlite-shm",
		"permissions.sqlite", "content-prefs.sqlite",
		"logins.json", "logins-backup.json", "logins.db", "key4.db", "signedInUser.json",
		"bounce-tracking-protection.sqlite", "bounce-tracking-protection.sqlite-wal",
		"sessionstore.jsonlz4", "sessionstore-backups", "sessionCheckpoints.json",
		"storage", "cache2", "startupCache", "thumbnails", "downloads.json",
		"SiteSecurityServiceState.bin", "SiteSecurityServiceState.txt",
	},
	ChromiumFamily: {
		"Cookies", "Cookies-journal", "Extension Cookies", "Extension Cookies-journal", "Network",
		"History", "History-journal", "Visited Links", "Top Sites", "Top Sites-journal",
		"Favicons", "Favicons-journal", "Shortcuts", "Shortcuts-journal", "Network Action Predictor", "Network Action Predictor-journal",
		"Login Data", "Login Data-journal", "Login Data For Account", "Login Data For Account-journal",
		"Web Data", "Web Data-journal", "Affiliation Database", "Affiliation Database-journal",
		"Sessions", "Session Storage", "Current Session", "Current Tabs", "Last Session", "Last Tabs",
		"Local Storage", "IndexedDB", "Service Worker", "File System", "Storage", "Shared Dictionary", "blob_storage",
		"Cache", "Code Cache", "GPUCache", "DawnGraphiteCache", "DawnWebGPUCache",
	},
}

// account is the session's account, as files and processes name it.
type account struct {
	uids []uint32
	sids []string
}

func sidList(sid string) []string {
	if sid == "" {
		return nil
	}
	return []string{sid}
}

// maxProfilesIni bounds the profiles.ini read: it lists a few profiles.
const maxProfilesIni = 64 << 10

// ClearProfiles erases, in every profile of bs under home, what keeps a
// person logged in or tells where they went (profileData). Browsers must be
// closed first (CloseUserBrowsers). Only folders directly inside the
// browser's own folders are cleaned, reached without following a link,
// on the home's file system, and only entries owned by the session's
// account (uid, or sid on Windows, where it decides; "" elsewhere) are
// erased. A Firefox profile that profiles.ini places elsewhere is refused
// and reported (threats.md L12): a user can write that file.
func ClearProfiles(ctx context.Context, home *safefs.Dir, uid uint32, sid string, bs []Browser) Cleaned {
	var c Cleaned
	o := account{uids: []uint32{uid}, sids: sidList(sid)}
	trust := safefs.RootOptions{TrustedUIDs: o.uids, TrustedSIDs: o.sids}
	for _, b := range bs {
		for _, rel := range b.ProfileRoots {
			root, err := home.OpenBeneath(rel, trust)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				c.Refused = append(c.Refused, refusal(b.ID, err))
				continue
			}
			if b.Family == MozillaFamily {
				for range outsideProfiles(root) {
					c.Refused = append(c.Refused, Refusal{Browser: b.ID, Code: "outside_profile_folder", Reason: "profil hors du dossier du navigateur"})
				}
			}
			clearRoot(ctx, root, o, b, &c)
			root.Close()
		}
	}
	return c
}

func refusal(id ID, err error) Refusal {
	switch {
	case errors.Is(err, safefs.ErrSymlink):
		return Refusal{Browser: id, Code: "symlink", Reason: "lien symbolique"}
	case errors.Is(err, safefs.ErrOtherMount):
		return Refusal{Browser: id, Code: "other_mount", Reason: "autre support que le dossier personnel"}
	case errors.Is(err, safefs.ErrUnsafeAncestor):
		return Refusal{Browser: id, Code: "foreign", Reason: "dossier modifiable par d'autres utilisateurs"}
	}
	return Refusal{Browser: id, Code: "error", Reason: "dossier du navigateur inaccessible"}
}

// outsideProfiles returns the profiles.ini entries that point outside
// the folder holding it: an absolute path, or a relative one with a
// folder separator or "..". Firefox itself only ever writes
// "Profiles/name" or "name" there; such a profile is not followed.
func outsideProfiles(root *safefs.Dir) []string {
	data, err := root.ReadFile("profiles.ini", maxProfilesIni)
	if err != nil {
		return nil
	}
	var out []string
	type section struct {
		path     string
		relative bool
	}
	flush := func(s *section) {
		if s == nil || s.path == "" {
			return
		}
		p := strings.TrimPrefix(s.path, "Profiles/") // Firefox on Windows and macOS
		if !s.relative || p == "" || strings.ContainsAny(p, `/\`) || p == ".." || p == "." {
			out = append(out, s.path)
		}
	}
	var cur *section
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			flush(cur)
			cur = &section{relative: true}
		case cur == nil:
		case strings.HasPrefix(line, "Path="):
			cur.path = strings.TrimPrefix(line, "Path=")
		case strings.HasPrefix(line, "IsRelative="):
			cur.relative = strings.TrimPrefix(line, "IsRelative=") != "0"
		}
	}
	flush(cur)
	return out
}

// clearRoot cleans every profile folder directly inside root.
func clearRoot(ctx context.Context, root *safefs.Dir, o account, b Browser, c *Cleaned) {
	var names []string
	for {
		ents, err := root.ReadEntries(256)
		for _, e := range ents {
			names = append(names, e.Name)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				c.Refused = append(c.Refused, refusal(b.ID, err))
			}
			break
		}
	}
	rootInfo := root.Info()
	for _, name := range names {
		info, err := root.Stat(name)
		if err != nil || !info.IsDir() || !info.OwnedBy(o.uids, o.sids) || (rootInfo.MntID != 0 && info.MntID != rootInfo.MntID) || info.Dev != rootInfo.Dev {
			continue // not a profile folder of this user on this disk
		}
		prof, err := root.OpenDirExpect(name, info.Identity)
		if err != nil {
			continue
		}
		// Browsers keep other folders beside their profiles (crash
		// reports, components): a folder counts as a profile when it held
		// some of a visit's data.
		if clearProfile(ctx, prof, o, profileData[b.Family], c) > 0 {
			c.Profiles++
		}
		prof.Close()
	}
}

// clearProfile erases the data names in prof and returns how many were
// there. The deletion rule is the wipe's (wipe.RemoveNames): each entry is
// removed only as the entry that was checked, so a name swapped for a
// library file at the last moment deletes nothing (R2).
func clearProfile(ctx context.Context, prof *safefs.Dir, o account, data []string, c *Cleaned) int {
	r := wipe.RemoveNames(ctx, prof, data, o.uids, o.sids)
	c.Removed += r.Removed
	c.Pending += r.Pending
	return r.Found
}
