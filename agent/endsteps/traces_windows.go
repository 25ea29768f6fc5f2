package endsteps

import (
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
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

// foldersStep opens the traces' folders as roots: on Windows every trace
// but the clipboard (which the window clears) is a folder, or is warned
// about.
type foldersStep struct{ nop }

func (foldersStep) Open(s *Session, home *safefs.Dir, homeErr error) []Root {
	var out []Root
	for _, tr := range s.Policy.Traces {
		if tr == "clipboard" {
			continue
		}
		label, path, rel, ok := windowsTraceRoot(s.User, tr)
		if !ok {
			s.Log.Warn("trace not cleared on Windows yet", "trace", tr)
			continue
		}
		// Rel stays "": the journal and the end wipe these by their
		// handle only, as before.
		r := Root{Label: label, Path: path}
		switch {
		case rel != "" && homeErr != nil:
			r.Err = ErrNoHome
			out = append(out, r)
			continue
		case rel != "":
			r.Dir, r.Err = home.OpenBeneath(filepath.ToSlash(rel), trustFor(s.User))
		default:
			r.Dir, r.Err = safefs.OpenRoot(path, trustFor(s.User))
		}
		if r.Err != nil {
			s.Log.Warn("trace folder not watched (it is made by Windows at first use; one made during this session is not wiped)", "trace", tr, logging.Personal("err", r.Err.Error()))
		}
		out = append(out, r)
	}
	return out
}

// openRecent: on Windows the Recent items are a folder (foldersStep).
func openRecent(*Session, *safefs.Dir, error) (string, *safefs.Info) { return "", nil }

// openPrint: the Windows print spooler is not handled yet (foldersStep
// warns).
func openPrint(*Session) bool { return false }

func cupsServer() string { return "" }
