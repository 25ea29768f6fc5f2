package browsers

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// Cleaned says what the wipe erased of a Profiles plan. It holds no name or address.
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

// Profiles is what a session's end must erase in the browsers' profiles:
// the open profile folders and the names in each (PlanProfiles). It
// deletes nothing itself: the wipe erases Extra (agent/wipe, which judges
// every entry again, as the entry it removes), and Cleaned reads its
// result. Close it after the wipe.
type Profiles struct {
	dirs    []*safefs.Dir
	o       account
	data    [][]string
	refused []Refusal
}

// PlanProfiles finds, in every profile of bs under home, what keeps a
// person logged in or tells where they went (profileData). Browsers must be
// closed first (CloseUserBrowsers). Only folders directly inside the
// browser's own folders are planned, reached without following a link, on
// the home's file system, and only entries owned by the session's account
// (uid, or sid on Windows, where it decides; "" elsewhere) are erased. A
// Firefox profile that profiles.ini places elsewhere is refused and
// reported (threats.md L12): a user can write that file.
func PlanProfiles(home *safefs.Dir, uid uint32, sid string, bs []Browser) *Profiles {
	p := &Profiles{o: account{uids: []uint32{uid}, sids: sidList(sid)}}
	trust := safefs.RootOptions{TrustedUIDs: p.o.uids, TrustedSIDs: p.o.sids}
	for _, b := range bs {
		for _, rel := range b.ProfileRoots {
			root, err := home.OpenBeneath(rel, trust)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				p.refused = append(p.refused, refusal(b.ID, err))
				continue
			}
			if b.Family == MozillaFamily {
				for range outsideProfiles(root) {
					p.refused = append(p.refused, Refusal{Browser: b.ID, Code: "outside_profile_folder", Reason: "profil hors du dossier du navigateur"})
				}
			}
			p.planRoot(root, b)
			root.Close()
		}
	}
	return p
}

// Extra is what the wipe must erase: each profile's data names, by the
// wipe's rule for a list of names (wipe.RemoveNames): each entry removed
// only as the entry that was checked, so a name swapped for a library file
// at the last moment deletes nothing (R2).
func (p *Profiles) Extra() []wipe.Names {
	out := make([]wipe.Names, len(p.dirs))
	for i, d := range p.dirs {
		out[i] = wipe.Names{Dir: d, Names: p.data[i], Owners: p.o.uids, OwnerSIDs: p.o.sids}
	}
	return out
}

// Cleaned reads what the wipe did of Extra (res, in Extra's order). A
// folder counts as a profile when it held some of a visit's data: browsers
// keep other folders beside their profiles (crash reports, components).
func (p *Profiles) Cleaned(res []wipe.NamesResult) Cleaned {
	c := Cleaned{Refused: p.refused}
	for _, r := range res {
		if r.Found > 0 {
			c.Profiles++
		}
		c.Removed += r.Removed
		c.Pending += r.Pending
	}
	return c
}

// Close closes the profile folders.
func (p *Profiles) Close() {
	for _, d := range p.dirs {
		d.Close()
	}
	p.dirs = nil
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

// planRoot adds every profile folder directly inside root.
func (p *Profiles) planRoot(root *safefs.Dir, b Browser) {
	var names []string
	for {
		ents, err := root.ReadEntries(256)
		for _, e := range ents {
			names = append(names, e.Name)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				p.refused = append(p.refused, refusal(b.ID, err))
			}
			break
		}
	}
	rootInfo := root.Info()
	for _, name := range names {
		info, err := root.Stat(name)
		if err != nil || !info.IsDir() || !info.OwnedBy(p.o.uids, p.o.sids) || (rootInfo.MntID != 0 && info.MntID != rootInfo.MntID) || info.Dev != rootInfo.Dev {
			continue // not a profile folder of this user on this disk
		}
		prof, err := root.OpenDirExpect(name, info.Identity)
		if err != nil {
			continue
		}
		p.dirs = append(p.dirs, prof)
		p.data = append(p.data, profileData[b.Family])
	}
}
