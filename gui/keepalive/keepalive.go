// Package keepalive starts the window again when it is killed: a member of
// the public must not be able to make the end-of-session screen and the
// idle countdown disappear by closing the window's process from a task
// manager. The agent enforces the policy without the window (maximum
// duration, closing time, logout), but the person would no longer see what
// is erased, nor be warned.
//
// It stays small on purpose: it runs one program, restarts it when it dies
// of a signal or a failure, stops when the program ends normally (exit
// status 0) or when it fails too often in a row (a display that is gone at
// logout, a broken install), and passes its own termination on.
package keepalive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"time"
)

// Options bound the restarts.
type Options struct {
	// Delay is the wait before a restart (default 1s).
	Delay time.Duration
	// Burst restarts within Window give up (default 5 within a minute):
	// a program that cannot stay up is not restarted forever.
	Burst  int
	Window time.Duration
	Log    *slog.Logger
}

// ErrTooManyRestarts means the program kept failing.
var ErrTooManyRestarts = errors.New("the window keeps stopping; not restarted again")

// Run starts the command newCmd returns, and again each time it dies,
// until it exits with status 0, ctx ends (the command is then stopped with
// the context's cancellation), or it fails Burst times within Window. It
// returns nil on a normal exit or cancellation.
func Run(ctx context.Context, newCmd func(context.Context) *exec.Cmd, o Options) error {
	if o.Delay <= 0 {
		o.Delay = time.Second
	}
	if o.Burst <= 0 {
		o.Burst = 5
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var failures []time.Time
	for {
		cmd := newCmd(ctx)
		err := cmd.Run()
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			return nil
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return fmt.Errorf("start the window: %w", err)
		}
		now := time.Now()
		failures = append(failures, now)
		for len(failures) > 0 && now.Sub(failures[0]) > o.Window {
			failures = failures[1:]
		}
		if len(failures) >= o.Burst {
			return fmt.Errorf("%w (%d times within %s, last: %v)", ErrTooManyRestarts, len(failures), o.Window, ee)
		}
		o.Log.Warn("the window stopped; starting it again", "status", ee.String())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.Delay):
		}
	}
}
