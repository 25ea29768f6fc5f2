package endsteps

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// programsStep ends every program the kiosk account still runs when the
// policy asks for it (a dedicated account, system service): nothing the
// person started may go on writing into the next session (threats.md
// P-1, P-2). Ardoise's own window is kept.
type programsStep struct {
	nop
	ended int
}

func (p *programsStep) Stop(ctx context.Context, s *Session) {
	p.ended = 0
	if !s.System || !s.Policy.Accounts.EndPrograms || s.User.UID == 0 {
		return
	}
	endLinger(ctx, s)
	r, err := procs.EndUser(ctx, procs.System{}, s.User.UID, procs.Options{Keep: isArdoise})
	if err != nil {
		s.Log.Error("some programs of the kiosk account could not be ended; the wipe goes on", "err", err, "ended", r.Killed)
	} else {
		s.Log.Info("programs of the kiosk account ended", "ended", r.Killed, "kept", r.Kept, "rounds", r.Rounds, "duration", r.Duration.Round(time.Millisecond))
	}
	p.ended = r.Killed
}

func (p *programsStep) Finish(_ context.Context, _ *Session, _ wipe.ExtraResult, rep *ipc.WipeReport) {
	rep.ProgramsEnded = p.ended
}

// isArdoise reports an installed Ardoise program (the window): a file
// named so, owned by root and writable by root alone, so that the person
// cannot make a program of theirs pass for it.
func isArdoise(p procs.Proc) bool {
	switch filepath.Base(p.Exe) {
	case "ardoise", "ardoise-gui":
	default:
		return false
	}
	fi, err := os.Stat(p.Exe)
	if err != nil || fi.Mode().Perm()&0o022 != 0 {
		return false
	}
	return fileOwnedByRoot(fi)
}
