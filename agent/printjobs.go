package agent

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/printspool"
)

// purgePrintJobs purges the session user's print jobs, finished or not,
// through the print system (threats.md C10) when the policy lists
// print_queue. It reports whether the queue is clear of them.
func (a *Agent) purgePrintJobs(ctx context.Context, s *activeSession) bool {
	if !s.tracePrint || s.user.Name == "" {
		return false
	}
	// CUPS_SERVER names another scheduler when it is a socket path, as
	// for the CUPS tools.
	server := ""
	if v := os.Getenv("CUPS_SERVER"); strings.HasPrefix(v, "/") {
		server = v
	}
	res, err := printspool.PurgeUser(ctx, server, s.user.Name)
	switch {
	case errors.Is(err, printspool.ErrNoScheduler):
		a.log.Debug("no print system: no print queue to clear")
		return true
	case err != nil:
		a.log.Error("print jobs of the session could not all be purged; purge them with: cancel -a -x", "purged", res.Purged, "failed", len(res.Errors), logging.Personal("err", err.Error()))
		return false
	}
	a.log.Info("print jobs of the session purged", "purged", res.Purged, "cancelled", res.Cancelled)
	return true
}
