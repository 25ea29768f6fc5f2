//go:build !windows

package endsteps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// Trace folders outside the roots that a session fills: they are wiped like
// roots, in session scope (what was there before stays). They are created
// at session start if missing, so that one created during the session is
// still the one wiped (threats.md C9).
var traceFolders = map[string]struct{ rel, label string }{
	"trash":      {".local/share/Trash", "Corbeille"},
	"thumbnails": {".cache/thumbnails", "Miniatures d'images"},
}

// sharedMemory is where programs share memory through files (POSIX shm).
const sharedMemory = "/dev/shm"

// recentFiles is the desktop's list of recently used files (freedesktop).
const recentFiles = ".local/share/recently-used.xbel"

// foldersStep opens the trace folders as roots.
type foldersStep struct{ nop }

func (foldersStep) Open(s *Session, home *safefs.Dir, homeErr error) []Root {
	trust := trustFor(s.User)
	var later []string
	var out []Root
	for _, tr := range s.Policy.Traces {
		switch tr {
		case "trash", "thumbnails":
			tf := traceFolders[tr]
			r := Root{Label: tf.label, Path: filepath.Join(s.User.Home, tf.rel), Rel: tf.rel}
			if homeErr != nil {
				r.Err = ErrNoHome
				out = append(out, r)
				continue
			}
			r.Dir, r.Err = home.MkdirBeneath(tf.rel, s.User.UID, s.User.GID, trust)
			switch {
			case errors.Is(r.Err, safefs.ErrChanged):
				// Someone swapped the folder the agent had just made (R1):
				// an attack, not a missing folder.
				s.Log.Error("trace folder not watched: the folder the agent made was replaced at once by something else, left untouched; someone is racing the agent", "trace", tr, logging.Personal("err", r.Err.Error()))
			case r.Err != nil:
				s.Log.Warn("trace folder not watched", "trace", tr, logging.Personal("err", r.Err.Error()))
			}
			out = append(out, r)
		case "shared_memory":
			r := Root{Label: "Mémoire partagée", Path: sharedMemory}
			r.Dir, r.Err = safefs.OpenRoot(sharedMemory, trust)
			out = append(out, r)
		case "recent_files", "print_queue":
			// Their own steps (recentStep, printStep).
		case "clipboard":
			// Only a program in the person's graphical session can reach
			// the clipboard: the window clears it (Status.ClearClipboard).
		default:
			later = append(later, tr)
		}
	}
	if len(later) > 0 {
		s.Log.Warn("some traces of the policy are not cleared by this version of the agent", "traces", later)
	}
	return out
}

// openRecent records recently-used.xbel as it is at the session's start
// (recentStep), when the policy lists recent_files: its path beneath the
// home ("/"-separated), "" when not asked.
func openRecent(s *Session, home *safefs.Dir, homeErr error) (rel string, at *safefs.Info) {
	if !hasTrace(s, "recent_files") {
		return "", nil
	}
	if homeErr == nil && home != nil {
		if share, err := home.OpenBeneath(filepath.Dir(recentFiles), trustFor(s.User)); err == nil {
			if in, err := share.Stat(filepath.Base(recentFiles)); err == nil {
				at = &in
			}
			share.Close()
		}
	}
	return recentFiles, at
}

// openPrint says whether the session's print jobs are purged at its end.
func openPrint(s *Session) bool { return hasTrace(s, "print_queue") }

// cupsServer is the CUPS scheduler's socket: CUPS_SERVER names another
// one when it is a socket path, as for the CUPS tools; "" for the default.
func cupsServer() string {
	if v := os.Getenv("CUPS_SERVER"); strings.HasPrefix(v, "/") {
		return v
	}
	return ""
}
