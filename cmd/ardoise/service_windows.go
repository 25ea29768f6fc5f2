package main

import (
	"context"
	"log/slog"

	"github.com/kardianos/service"

	"github.com/ardoise-fr/ardoise/installer"
)

// asService runs run under the Windows service manager when the program
// was started by it: Windows talks to a service through its own protocol,
// not signals. It reports false when started from a console.
func asService(ctx context.Context, run func(context.Context) error) (bool, error) {
	if service.Interactive() {
		return false, nil
	}
	p := &serviceProgram{run: run, ctx: ctx}
	s, err := newService(installer.ServiceSpec{Name: installer.Name}, p)
	if err != nil {
		return true, err
	}
	return true, s.Run()
}

// eventLog returns a handler writing to the Windows Event Log under the
// service's name, or nil when the program runs in a console.
func eventLog() func(slog.Level, string) error {
	if service.Interactive() {
		return nil
	}
	s, err := newService(installer.ServiceSpec{Name: installer.Name}, idleProgram{})
	if err != nil {
		return nil
	}
	l, err := s.SystemLogger(nil)
	if err != nil {
		return nil
	}
	return func(level slog.Level, line string) error {
		switch {
		case level >= slog.LevelError:
			return l.Error(line)
		case level >= slog.LevelWarn:
			return l.Warning(line)
		}
		return l.Info(line)
	}
}

// serviceProgram is the agent as the service manager starts and stops it.
type serviceProgram struct {
	ctx    context.Context
	run    func(context.Context) error
	cancel context.CancelFunc
	done   chan error
}

func (p *serviceProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(p.ctx)
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() { p.done <- p.run(ctx) }()
	return nil
}

func (p *serviceProgram) Stop(service.Service) error {
	p.cancel()
	return <-p.done
}
