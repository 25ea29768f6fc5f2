package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"time"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/activity"
)

type reportOpts struct{ since, stateDir string }

func init() {
	register(&command{
		name:    "report",
		summary: "export the anonymous count of accompanied sessions as CSV",
		help: `Prints, as CSV, the anonymous record of the accompanied sessions since DATE
(YYYY-MM-DD; default: the first day of the current month), for the structure's
reporting (the Conseiller numérique programme counts accompaniments). One
line per session: date, duration bucket, documents erased, browsers closed,
outcome (complete: every item of the charter's checklist done and verified).
No name, file, address or account is ever recorded. Records older than the
policy's session.accompanied.report_retention are deleted. Needs root for the
system service's records.`,
		flags: func(fs *flag.FlagSet) any {
			o := &reportOpts{}
			fs.StringVar(&o.since, "since", "", "first `DATE` (YYYY-MM-DD) to include")
			fs.StringVar(&o.stateDir, "state-dir", agent.SystemStateDir, "the agent's state `DIR`")
			return o
		},
		run: func(ctx context.Context, e *env, o any, args []string) error {
			opts := o.(*reportOpts)
			if len(args) > 0 {
				return usagef("report takes no arguments; use --since DATE")
			}
			since := opts.since
			if since == "" {
				now := time.Now()
				since = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).Format(time.DateOnly)
			}
			recs, err := activity.Open(opts.stateDir, 0).Since(since)
			switch {
			case errors.Is(err, fs.ErrPermission):
				return fmt.Errorf("%w; the records are root's: run it with sudo", err)
			case err != nil:
				return &invalidInputError{err}
			}
			return activity.WriteCSV(e.stdout, recs)
		},
	})
}
