//go:build unix

package main

import (
	"log/slog"
	"log/syslog"

	"github.com/ardoise-fr/ardoise/agent/logging"
)

// syslogSink writes to the local syslog daemon (/dev/log), facility daemon,
// with each line's severity.
func syslogSink() (logging.Sink, error) {
	w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "ardoise")
	if err != nil {
		return nil, err
	}
	return func(level slog.Level, line []byte) error {
		switch logging.Priority(level) {
		case 3:
			return w.Err(string(line))
		case 4:
			return w.Warning(string(line))
		case 6:
			return w.Info(string(line))
		}
		return w.Debug(string(line))
	}, nil
}
