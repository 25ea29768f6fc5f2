//go:build ardoise_racewindow

package agent

import (
	"os"
	"time"
)

// A program built with -tags ardoise_racewindow (only ever by a test, to
// kill a real agent at that moment) pauses between a key's journaling and
// its encryption for ARDOISE_PAUSE_BEFORE_POLICY.
func init() {
	if d, err := time.ParseDuration(os.Getenv("ARDOISE_PAUSE_BEFORE_POLICY")); err == nil {
		policyPause = d
	}
}
