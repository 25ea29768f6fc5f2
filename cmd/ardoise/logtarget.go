package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/ardoise-fr/ardoise/agent/logging"
)

// logTargets are the values of run's --log flag.
const logTargets = "auto, stderr, journal, syslog or eventlog"

// newLogger returns the agent's logger for target. "auto" picks the
// journal when standard error leads to it (a systemd service), the Event
// Log under the Windows service manager, else standard error.
func newLogger(e *env, target string, level slog.Level, format string) (*slog.Logger, error) {
	stderrFile, _ := e.stderr.(*os.File)
	el := eventLog()
	if target == "auto" {
		switch {
		case stderrFile != nil && logging.ToJournal(e.getenv, stderrFile):
			target = "journal"
		case el != nil:
			target = "eventlog"
		default:
			target = "stderr"
		}
	}
	switch target {
	case "stderr":
		return logging.New(e.stderr, level, format), nil
	case "journal":
		// journald stamps each line itself.
		return logging.Join(logging.Lines(level, format, false, logging.JournalPrefix(e.stderr))), nil
	case "syslog":
		sink, err := syslogSink()
		if err != nil {
			return nil, fmt.Errorf("the system log cannot be reached (%w); use --log stderr", err)
		}
		return logging.Join(logging.Lines(level, format, false, sink)), nil
	case "eventlog":
		if el == nil {
			return nil, fmt.Errorf("the Windows Event Log is only used by the installed service; use --log stderr")
		}
		return logging.Join(logging.Lines(level, format, false, func(l slog.Level, line []byte) error { return el(l, string(line)) })), nil
	}
	return nil, usagef("unknown --log %q; use %s", target, logTargets)
}
