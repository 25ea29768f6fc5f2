package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

type runOpts struct {
	policy, stateDir, socket string
	system, noSession        bool
	noBrowser                bool
}

func init() {
	register(&command{
		name:    "run",
		summary: "run the agent in the foreground",
		help: `Runs the agent in the foreground until it is stopped (Ctrl-C or SIGTERM).

Without --system, the agent acts for the user who started it: it watches that
user's usual folders (from $HOME and $XDG_CONFIG_HOME/user-dirs.dirs), starts a
session at once (and, in a graphical session, opens the policy's browser in a
private window), and when the session ends (ardoise session end, or stopping
the agent) erases what was created in them since — and only that. Files that
were there before are never touched.

With --system (what the installed service runs, as root), it acts for the kiosk
accounts of the policy: a session starts when such a user asks for one.

The policy is the built-in one unless --policy names a file. If that file is
invalid, every problem is logged with its line, and the agent uses the last
good policy it saved (or the built-in one).`,
		flags: func(fs *flag.FlagSet) any {
			o := &runOpts{}
			fs.StringVar(&o.policy, "policy", "", "policy `FILE` (default: the built-in policy)")
			fs.StringVar(&o.stateDir, "state-dir", "", "state `DIR` for the journal (default: ~/.local/state/ardoise, or /var/lib/ardoise with --system)")
			fs.StringVar(&o.socket, "socket", "", "socket `PATH` of the local interface (default: $XDG_RUNTIME_DIR/ardoise/agent.sock, or /run/ardoise/agent.sock with --system)")
			fs.BoolVar(&o.system, "system", false, "run as the system service, for the policy's kiosk accounts (needs root)")
			fs.BoolVar(&o.noSession, "no-session", false, "do not start a session at once (foreground)")
			fs.BoolVar(&o.noBrowser, "no-browser", false, "do not open the policy's browser when a session starts (foreground)")
			return o
		},
		run: runAgent,
	})
}

func runAgent(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*runOpts)
	if len(args) > 0 {
		return usagef("run takes no arguments")
	}
	if opts.system && os.Geteuid() != 0 {
		return errors.New("--system needs root: the system service cleans other accounts' folders")
	}
	cfg := agent.Config{Version: agentVersion(), StartSession: !opts.system && !opts.noSession}
	if opts.system {
		cfg.Mode = agent.System
		cfg.StateDir, cfg.Socket = agent.SystemStateDir, agent.SystemSocket
	} else {
		u, src, err := userdirs.Current(e.getenv)
		if err != nil {
			return err
		}
		cfg.User, cfg.Source = u, src
		graphical := e.getenv("DISPLAY") != "" || e.getenv("WAYLAND_DISPLAY") != ""
		cfg.LaunchBrowser = graphical && !opts.noBrowser && os.Geteuid() != 0
		cfg.StateDir = agent.ForegroundStateDir(e.getenv)
		cfg.Socket = agent.ForegroundSocket(e.getenv, os.Getuid())
	}
	if opts.stateDir != "" {
		cfg.StateDir = opts.stateDir
	}
	if opts.socket != "" {
		cfg.Socket = opts.socket
	}
	var err error
	if cfg.StateDir, err = filepath.Abs(cfg.StateDir); err != nil {
		return err
	}
	if cfg.Socket, err = filepath.Abs(cfg.Socket); err != nil {
		return err
	}
	// Logs go to standard error first with the built-in level, so that a
	// broken policy can be reported.
	cfg.Logger = logging.New(e.stderr, slog.LevelInfo, "text")
	cfg.Policy = loadRunPolicy(cfg.Logger, opts.policy, cfg.StateDir, opts.system)
	level, _ := logging.ParseLevel(cfg.Policy.Logging.Level)
	cfg.Logger = logging.New(e.stderr, level, cfg.Policy.Logging.Format)
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// loadRunPolicy returns the policy to run with: the file if it is valid and
// safe, else the last good one saved in the state directory, else the
// built-in one. A policy that fails validation is never applied.
func loadRunPolicy(log *slog.Logger, file, stateDir string, system bool) *policies.Policy {
	if file == "" {
		return policies.Default()
	}
	lastGood := filepath.Join(stateDir, "last-good-policy.yaml")
	p, err := policies.Load(file)
	if err == nil && system {
		err = policies.CheckFileSafety(file)
	}
	if err == nil {
		if data, rerr := p.YAML(); rerr == nil {
			os.MkdirAll(stateDir, 0o700)
			os.WriteFile(lastGood, data, 0o600)
		}
		return p
	}
	log.Error("policy refused; keeping the last good policy", "file", file, "problems", err.Error())
	if p, lerr := policies.Load(lastGood); lerr == nil {
		log.Warn("running with the last good policy", "file", lastGood)
		return p
	}
	log.Warn("running with the built-in policy")
	return policies.Default()
}
