//go:build !windows

package main

import (
	"context"
	"log/slog"
)

// asService reports false: systemd and launchd start the agent as an
// ordinary process and stop it with SIGTERM, which run handles.
func asService(ctx context.Context, run func(context.Context) error) (bool, error) {
	return false, nil
}

// eventLog is nil: the system log is reached through journald or syslog.
func eventLog() func(slog.Level, string) error { return nil }
