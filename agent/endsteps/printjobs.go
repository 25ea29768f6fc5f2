package endsteps

import (
	"context"
	"errors"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/printspool"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// printStep purges the session user's print jobs, finished or not, through
// the print system (threats.md C10) when the policy lists print_queue. The
// scheduler removes the jobs' files itself: deleting them behind its back
// would leave the jobs listed (agent/printspool).
type printStep struct {
	nop
	asked bool
}

func (p *printStep) Open(s *Session, _ *safefs.Dir, _ error) []Root {
	p.asked = openPrint(s)
	return nil
}

func (p *printStep) Finish(ctx context.Context, s *Session, _ wipe.ExtraResult, rep *ipc.WipeReport) {
	if p.purge(ctx, s) {
		rep.Traces = append(rep.Traces, "print_queue")
	}
}

// purge reports whether the queue is clear of the session's jobs.
func (p *printStep) purge(ctx context.Context, s *Session) bool {
	if !p.asked || s.User.Name == "" {
		return false
	}
	res, err := printspool.PurgeUser(ctx, cupsServer(), s.User.Name)
	switch {
	case errors.Is(err, printspool.ErrNoScheduler):
		s.Log.Debug("no print system: no print queue to clear")
		return true
	case err != nil:
		s.Log.Error("print jobs of the session could not all be purged; purge them with: cancel -a -x", "purged", res.Purged, "failed", len(res.Errors), logging.Personal("err", err.Error()))
		return false
	}
	s.Log.Info("print jobs of the session purged", "purged", res.Purged, "cancelled", res.Cancelled)
	return true
}
