package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/harden"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

type runOpts struct {
	policy, stateDir, socket string
	metricsDir, log          string
	system, noSession        bool
	noBrowser, noWindow      bool
	emptyHome                bool
}

func init() {
	register(&command{
		name:    "run",
		summary: "run the agent in the foreground",
		help: `Runs the agent in the foreground until it is stopped (Ctrl-C or SIGTERM).

Without --system, the agent acts for the user who started it: it watches that
user's usual folders (from $HOME and $XDG_CONFIG_HOME/user-dirs.dirs), starts a
session at once (and, in a graphical session, opens the window for the person,
ardoise-gui, and the policy's browser in a private window), and when the session
ends (ardoise session end, or stopping
the agent) erases what was created in them since — and only that. Files that
were there before are never touched. A policy with scope "all" on that user's
home folder is refused unless --i-understand-this-empties-my-home is given:
it would erase every file of theirs at each session end. The agent's own
state folder and socket are never erased, whatever the policy.

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
			fs.BoolVar(&o.noWindow, "no-window", false, "do not open the window (ardoise-gui) for the person (foreground)")
			fs.BoolVar(&o.emptyHome, strings.TrimPrefix(agent.EmptyHomeFlag, "--"), false, "accept a policy with scope \"all\" on your own home folder: each session end then erases every file of yours in it (foreground; refused without it)")
			fs.StringVar(&o.log, "log", "auto", "where logs go: "+logTargets+" (auto: the journal under systemd, the Event Log for the Windows service, else standard error)")
			fs.StringVar(&o.metricsDir, "metrics-dir", "", "write Prometheus metrics to `DIR`/ardoise.prom for node_exporter's textfile collector (e.g. /var/lib/prometheus/node-exporter)")
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
	if _, err := newLogger(e, opts.log, slog.LevelInfo, "text"); err != nil {
		return err
	}
	if opts.system && !privileged() {
		return errors.New(needPrivilege)
	}
	if opts.system && opts.emptyHome {
		return usagef("%s is for the foreground only: the system service empties only the kiosk accounts' homes the policy names", agent.EmptyHomeFlag)
	}
	cfg := agent.Config{Version: agentVersion(), StartSession: !opts.system && !opts.noSession, AllowEmptyHome: opts.emptyHome}
	if opts.system {
		cfg.Mode = agent.System
		cfg.StateDir, cfg.Socket = agent.SystemStateDir, agent.SystemSocket
	} else {
		u, src, err := userdirs.Current(e.getenv)
		if err != nil {
			return err
		}
		cfg.User, cfg.Source = u, src
		cfg.LaunchBrowser = graphicalSession(e.getenv) && !opts.noBrowser && os.Geteuid() != 0
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
	cfg.Logger, _ = newLogger(e, opts.log, slog.LevelInfo, "text")
	cfg.Policy, cfg.PolicyRefused = loadRunPolicy(cfg.Logger, opts.policy, cfg.StateDir, opts.system)
	if opts.policy != "" {
		cfg.PolicyFile = opts.policy
		cfg.LoadPolicy = func() (*policies.Policy, error) { return loadPolicyFile(opts.policy, cfg.StateDir, opts.system) }
	}
	cfg.MetricsDir = opts.metricsDir
	level, _ := logging.ParseLevel(cfg.Policy.Logging.Level)
	if cfg.Logger, err = newLogger(e, opts.log, level, cfg.Policy.Logging.Format); err != nil {
		return err
	}
	if opts.system {
		for _, s := range harden.Apply() {
			if s.Err != nil {
				cfg.Logger.Warn("a protection of the operating system could not be turned on; the agent goes on without it", "protection", s.Name, "err", s.Err)
			} else {
				cfg.Logger.Info("protection on", "protection", s.Name)
			}
		}
	}
	prevReady := cfg.Ready
	cfg.Ready = func() {
		if prevReady != nil {
			prevReady()
		}
		if err := sdNotify(e.getenv, "READY=1"); err != nil {
			cfg.Logger.Warn("could not tell systemd the agent is ready", "err", err)
		}
	}
	if !opts.system && !opts.noWindow && graphicalSession(e.getenv) {
		if gui, err := findWindow(); err != nil {
			cfg.Logger.Info("no window for the person: " + err.Error())
		} else {
			stop := startWindowWhenReady(&cfg, gui)
			defer stop()
		}
	}
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	if ok, err := asService(ctx, a.Run); ok {
		return err
	}
	return a.Run(ctx)
}

func graphicalSession(getenv func(string) string) bool {
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// findWindow returns the window's program: ardoise-gui beside this
// program, else in PATH.
func findWindow() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "ardoise-gui")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	p, err := exec.LookPath("ardoise-gui")
	if err != nil {
		return "", errors.New("ardoise-gui is neither beside ardoise nor in PATH; build it with: go build -o bin/ ./cmd/...")
	}
	return p, nil
}

// startWindowWhenReady opens the window once the agent answers, and
// returns what closes it when the agent stops.
func startWindowWhenReady(cfg *agent.Config, gui string) func() {
	var mu sync.Mutex
	var cmd *exec.Cmd
	prev := cfg.Ready
	log := cfg.Logger
	socket := cfg.Socket
	cfg.Ready = func() {
		if prev != nil {
			prev()
		}
		c := exec.Command(gui, "--socket", socket)
		c.Stdout, c.Stderr = os.Stderr, os.Stderr
		c.SysProcAttr = windowProcAttr()
		if err := c.Start(); err != nil {
			log.Warn("the window could not be opened", "err", err)
			return
		}
		mu.Lock()
		cmd = c
		mu.Unlock()
		go c.Wait()
	}
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if cmd != nil && cmd.Process != nil {
			cmd.Process.Signal(os.Interrupt)
		}
	}
}

// loadRunPolicy returns the policy to run with: the file if it is valid and
// safe, else the last good one saved in the state directory, else the
// built-in one. A policy that fails validation is never applied.
func loadRunPolicy(log *slog.Logger, file, stateDir string, system bool) (p *policies.Policy, refused bool) {
	if file == "" {
		return policies.Default(), false
	}
	lastGood := filepath.Join(stateDir, "last-good-policy.yaml")
	p, err := loadPolicyFile(file, stateDir, system)
	if err == nil {
		return p, false
	}
	log.Error("policy refused; keeping the last good policy", "file", file, "problems", err.Error())
	if p, lerr := policies.Load(lastGood); lerr == nil {
		log.Warn("running with the last good policy", "file", lastGood)
		return p, true
	}
	log.Warn("running with the built-in policy")
	return policies.Default(), true
}

// loadPolicy reads and checks a policy file as the agent does: its content,
// and for the system service its owner and mode too, checked before a byte
// of it is read, through the descriptor it reads: a file it must refuse (a
// link to /etc/shadow, a FIFO, one the public can write) is never parsed,
// so none of its lines reach the log (RC13, RC14). "policy check" calls
// it, so that what it says ok is what the service takes.
func loadPolicy(file string, system bool) (*policies.Policy, error) {
	if system {
		return policies.LoadTrusted(file)
	}
	return policies.Load(file)
}

// loadPolicyFile reads and checks a policy file (its owner and mode too,
// for the system service) and saves it as the last good one.
func loadPolicyFile(file, stateDir string, system bool) (*policies.Policy, error) {
	p, err := loadPolicy(file, system)
	if err != nil {
		return nil, err
	}
	if data, rerr := p.YAML(); rerr == nil {
		os.MkdirAll(stateDir, 0o700)
		os.WriteFile(filepath.Join(stateDir, "last-good-policy.yaml"), data, 0o600)
	}
	return p, nil
}
