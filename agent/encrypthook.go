package agent

import "time"

// policyPause widens, in tests only, the moment between the journaling of
// a session key and the setting of its encryption, where a crash leaves a
// key without a folder (encrypthook_env.go, tag ardoise_racewindow).
var policyPause time.Duration

func pauseBeforePolicy() {
	if policyPause > 0 {
		time.Sleep(policyPause)
	}
}
