package safefs

import (
	"sync"
	"time"
)

// A RaceOp names a moment between a check and the act that relies on it,
// where a user who can write the folder could swap a name (threats.md §4.0,
// the R- cases of docs/design.md). Tests widen these moments to make a race
// that can be won be won in every run; the shipped program never does.
type RaceOp string

const (
	// RaceMkdir is after a folder is made and before it is opened.
	RaceMkdir RaceOp = "mkdir"
	// RaceUnlink is after an entry is judged and before its name is acted on
	// (unlinked, or moved into quarantine).
	RaceUnlink RaceOp = "unlink"
	// RaceRmdir is the same for a folder about to be removed.
	RaceRmdir RaceOp = "rmdir"
	// RaceReplace is after a new file is written and before it takes the
	// name of the old one.
	RaceReplace RaceOp = "replace"
	// RaceOpen is after an entry is listed and before it is opened.
	RaceOpen RaceOp = "open"
	// RaceRecover is after a restarted agent's socket answers and before
	// it finishes the session a crash left (the agent's, not safefs's: the
	// windows of a process are all set here).
	RaceRecover RaceOp = "recover"
)

// Pause waits for the race window set for op, if any: for moments outside
// safefs (RaceRecover).
func Pause(op RaceOp) { pause(op) }

var raceWindow struct {
	sync.RWMutex
	d map[RaceOp]time.Duration
}

// SetRaceWindow makes every op of this process pause for d, and returns
// the function that undoes it. For tests only: a race test sets it so that
// an attacker looping in another process wins whenever winning is possible.
// A subprocess built with the tag ardoise_racewindow reads the same from
// ARDOISE_RACE_WINDOW ("unlink=2ms,mkdir=1ms").
func SetRaceWindow(op RaceOp, d time.Duration) (restore func()) {
	raceWindow.Lock()
	defer raceWindow.Unlock()
	if raceWindow.d == nil {
		raceWindow.d = map[RaceOp]time.Duration{}
	}
	old, had := raceWindow.d[op]
	raceWindow.d[op] = d
	return func() {
		raceWindow.Lock()
		defer raceWindow.Unlock()
		if had {
			raceWindow.d[op] = old
		} else {
			delete(raceWindow.d, op)
		}
	}
}

// pause is called at each RaceOp moment; without a window set it costs one
// read lock.
func pause(op RaceOp) {
	raceWindow.RLock()
	d := raceWindow.d[op]
	raceWindow.RUnlock()
	if d > 0 {
		time.Sleep(d)
	}
}
