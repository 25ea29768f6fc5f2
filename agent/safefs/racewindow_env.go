//go:build ardoise_racewindow

package safefs

import (
	"os"
	"strings"
	"time"
)

// A program built with -tags ardoise_racewindow (only ever by a test, to
// attack a real agent process) takes its race windows from the environment.
func init() {
	for _, kv := range strings.Split(os.Getenv("ARDOISE_RACE_WINDOW"), ",") {
		op, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		if d, err := time.ParseDuration(val); err == nil {
			SetRaceWindow(RaceOp(op), d)
		}
	}
}
