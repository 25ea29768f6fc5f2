package agent

import (
	"context"
	"path/filepath"
	"time"

	"github.com/ardoise-fr/ardoise/policies"
	"github.com/fsnotify/fsnotify"
)

// policy returns the policy in force.
func (a *Agent) policy() *policies.Policy { return a.pol.Load() }

// watchPolicy reloads the policy file when it changes, as configuration
// tools (GPO, Ansible, a package upgrade) replace it. The folder is
// watched, not the file, because tools write a new file and rename it
// over the old one. A policy that does not validate is not applied: the
// running one stays, every problem is logged, and the metrics count it.
// A new policy applies from the next session on; the running session
// keeps the one it started with (its roots and baseline depend on it).
func (a *Agent) watchPolicy(ctx context.Context) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		a.log.Warn("policy changes will not be noticed; restart the agent after changing it", "err", err)
		return
	}
	defer w.Close()
	file := filepath.Clean(a.cfg.PolicyFile)
	if err := w.Add(filepath.Dir(file)); err != nil {
		a.log.Warn("policy changes will not be noticed; restart the agent after changing it", "err", err)
		return
	}
	// Tools write in several steps: wait until the file is quiet.
	const settle = 500 * time.Millisecond
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-w.Errors:
			a.log.Warn("watching the policy file", "err", err)
		case ev := <-w.Events:
			if filepath.Clean(ev.Name) == file {
				timer = time.After(settle)
			}
		case <-timer:
			timer = nil
			a.policyChanged() // the actor reloads it (actor.go)
		}
	}
}

func (a *Agent) reloadPolicy() {
	p, err := a.cfg.LoadPolicy()
	if err != nil {
		a.metrics.PolicyError()
		a.log.Error("the changed policy is refused; the running policy stays", "file", a.cfg.PolicyFile, "problems", err.Error())
		return
	}
	a.pol.Store(p)
	a.metrics.SetBuildInfo(a.cfg.Version, policyHash(p))
	a.log.Info("policy reloaded; it applies from the next session", "file", a.cfg.PolicyFile)
}
