package agent

import (
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

// The traces' places on Windows. They are plain folders, wiped in session
// scope like the Linux ones: what the session added goes, what was there
// stays.
//
//   - recent_files: the Recent items (%APPDATA%\Microsoft\Windows\Recent),
//     shortcuts named after every document opened, which show in Explorer
//     and the Start menu.
//   - trash: the account's own Recycle Bin folder on the profile's drive
//     (X:\$Recycle.Bin\<SID>). Explorer makes it at the first deletion and
//     sets its ACL; Ardoise never makes it (a wrong ACL would break the
//     Recycle Bin), so one made during the session is missed and the log
//     says so at the start.
//
// The thumbnail cache (thumbcache_*.db, held open by Explorer) and the
// print spooler are not handled on Windows yet: warned, not silently
// skipped. shared_memory is a Linux place.
func windowsTraceRoot(u userdirs.User, tr string) (label, path, rel string, ok bool) {
	switch tr {
	case "recent_files":
		rel = `AppData\Roaming\Microsoft\Windows\Recent`
		return "Documents récents", filepath.Join(u.Home, rel), rel, true
	case "trash":
		vol := filepath.VolumeName(u.Home)
		if len(vol) != 2 || u.SID == "" || strings.ContainsAny(u.SID, `\/:`) {
			return "", "", "", false
		}
		return "Corbeille", vol + `\$Recycle.Bin\` + u.SID, "", true
	}
	return "", "", "", false
}

// openWindowsTrace adds the root of trace tr for the session, or says why
// it cannot.
func (a *Agent) openWindowsTrace(s *activeSession, home *safefs.Dir, homeErr error, tr string) {
	label, path, rel, ok := windowsTraceRoot(s.user, tr)
	if !ok {
		a.log.Warn("trace not cleared on Windows yet", "trace", tr)
		return
	}
	r := &sessionRoot{policy: policies.Root{Label: label, Kind: "files", Scope: "session"}, owners: []uint32{s.user.UID}, ownerSIDs: sidsOf(s.user), path: path, state: "watching"}
	s.roots = append(s.roots, r)
	var d *safefs.Dir
	var err error
	switch {
	case rel != "" && homeErr != nil:
		r.refuse("error", "dossier personnel inaccessible")
		return
	case rel != "":
		d, err = home.OpenBeneath(filepath.ToSlash(rel), trustFor(s.user))
	default:
		d, err = safefs.OpenRoot(path, trustFor(s.user))
	}
	if err != nil {
		r.refuseErr(err)
		a.log.Warn("trace folder not watched (it is made by Windows at first use; one made during this session is not wiped)", "trace", tr, "code", r.code, logging.Personal("err", err.Error()))
		return
	}
	r.dir = d
}
