package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/kardianos/service"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/installer"
	"github.com/ardoise-fr/ardoise/policies"
)

type installOpts struct {
	root, policy, stateDir, metricsDir string
	dryRun, noWindow, noBrowsers       bool
}

const installHelp = `Sets this computer up for the public, as the Debian package and the Windows
installer do: writes the default policy (unless one is already there), makes
the window open at every login (XDG autostart, the Run key of Windows, a
LaunchAgent on macOS), applies the browsers' managed settings, registers the
agent as a service that starts with the computer and restarts if it stops,
and starts it. Needs root (Administrator on Windows).

What it added is recorded in the state folder (install.json), so that
"ardoise uninstall" takes away exactly that: a policy you edited since stays.
On a computer where Ardoise came from a package, use the package instead.

--dry-run prints every step and changes nothing. --root writes only the
files, under another folder, and leaves the service alone (for packaging).`

func init() {
	register(&command{
		name: "install", summary: "set this computer up: service, window at login, browsers, policy",
		help: installHelp,
		flags: func(fs *flag.FlagSet) any {
			o := &installOpts{}
			installFlags(fs, o)
			fs.StringVar(&o.policy, "policy", "", "where the policy file goes (default: /etc/ardoise/policy.yaml, %ProgramData%\\Ardoise\\policy.yaml on Windows)")
			fs.StringVar(&o.metricsDir, "metrics-dir", "", "have the service write Prometheus metrics to `DIR` (node_exporter's textfile folder)")
			fs.BoolVar(&o.noWindow, "no-window", false, "do not open the window at login")
			fs.BoolVar(&o.noBrowsers, "no-browsers", false, "do not apply the browsers' managed settings")
			return o
		},
		run: runInstall,
	})
	register(&command{
		name: "uninstall", summary: "take away exactly what 'ardoise install' added",
		help: `Stops and unregisters the service, takes away the browsers' managed settings
and the window's start at login, and deletes the files "ardoise install"
wrote — except those changed since (your policy, usually), which are kept
and named. The state folder stays if a wipe is still to be finished.`,
		flags: func(fs *flag.FlagSet) any { o := &installOpts{}; installFlags(fs, o); return o },
		run:   runUninstall,
	})
	for _, c := range []struct{ verb, summary string }{
		{"start", "start the installed service"},
		{"stop", "stop the installed service (it ends the running session first)"},
	} {
		verb := c.verb
		register(&command{
			name: verb, summary: c.summary,
			help: "Asks the system's service manager to " + c.summary[:len(verb)] + " the agent. Needs root.",
			run: func(ctx context.Context, e *env, _ any, args []string) error {
				if len(args) > 0 {
					return usagef("%s takes no arguments", verb)
				}
				s, err := systemService(installTarget(&installOpts{}))
				if err != nil {
					return err
				}
				if err := service.Control(s, verb); err != nil {
					return fmt.Errorf("%s the service %q: %w", verb, installer.Name, err)
				}
				fmt.Fprintf(e.stdout, "Service %q: %s done.\n", installer.Name, verb)
				return nil
			},
		})
	}
	register(&command{
		name: "status", summary: "say whether the service is installed and running, and what it does",
		help: `Prints whether the service is installed and running (from the system's
service manager), how it was installed, and the agent's own state and last
wipe when it answers, and whether this computer keeps the promise made for
encrypted folders (swap encrypted or absent, hibernation off), with what to
do when it does not. Exit status 1 when the service is not running.`,
		run: runServiceStatus,
	})
}

func installFlags(fs *flag.FlagSet, o *installOpts) {
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be done, change nothing")
	fs.StringVar(&o.root, "root", "", "write files under this `DIR` only; leave the service alone (packaging)")
	fs.StringVar(&o.stateDir, "state-dir", "", "the agent's state `DIR` (default: /var/lib/ardoise, %ProgramData%\\Ardoise\\state on Windows)")
}

// installTarget is this computer, with the programs where they are now.
func installTarget(o *installOpts) installer.Target {
	t := installer.DefaultTarget(runtime.GOOS, os.Getenv("ProgramData"))
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		t.Exe = exe
		gui := filepath.Join(filepath.Dir(exe), "ardoise-gui")
		if runtime.GOOS == "windows" {
			gui += ".exe"
		}
		if fi, err := os.Stat(gui); err == nil && fi.Mode().IsRegular() && !o.noWindow {
			t.GUI = gui
		}
	}
	if o.policy != "" {
		t.PolicyFile, _ = filepath.Abs(o.policy)
	}
	if o.stateDir != "" {
		t.StateDir, _ = filepath.Abs(o.stateDir)
	}
	if o.metricsDir != "" {
		t.MetricsDir, _ = filepath.Abs(o.metricsDir)
	}
	return t
}

// packagedUnits are where the Debian package puts the unit: such a
// computer is managed by its package, not by install.
var packagedUnits = []string{"/lib/systemd/system/ardoise.service", "/usr/lib/systemd/system/ardoise.service"}

func runInstall(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*installOpts)
	if len(args) > 0 {
		return usagef("install takes no arguments")
	}
	t := installTarget(opts)
	plan, err := installer.For(t)
	if err != nil {
		return err
	}
	if opts.root == "" {
		if err := needAdmin(opts.dryRun); err != nil {
			return err
		}
		if i := slices.IndexFunc(packagedUnits, fileExists); i >= 0 && runtime.GOOS == "linux" {
			return fmt.Errorf("Ardoise is installed from its package here (%s): upgrade or remove the package instead", packagedUnits[i])
		}
	}
	if t.GUI == "" && !opts.noWindow {
		fmt.Fprintln(e.stderr, "note: ardoise-gui is not beside this program: the window will not open at login")
	}
	hooks, err := installHooks(plan, t, opts.noBrowsers)
	if err != nil {
		return err
	}
	err = installer.Install(plan, t.StateDir, hooks, installer.Options{Root: opts.root, DryRun: opts.dryRun, Out: e.stdout})
	if err != nil {
		if !errors.Is(err, installer.ErrInstalled) {
			err = fmt.Errorf("%w\nWhat was done so far is recorded: \"ardoise uninstall\" takes it away", err)
		}
		return err
	}
	if !opts.dryRun && opts.root == "" {
		fmt.Fprintf(e.stdout, "Ardoise is installed. Policy: %s. Check it with: ardoise status\n", t.PolicyFile)
		printInstalledCheck(e, t.PolicyFile)
	}
	return nil
}

// printInstalledCheck says, right after an install, what a session would
// do on this computer with the installed policy: which kiosk accounts and
// folders would be refused, which folders would be encrypted for each
// session (and if not, why and what to do), and whether swap and
// hibernation keep the promise made for encrypted folders. The same as
// "ardoise policy check --on-this-machine"; it changes nothing.
func printInstalledCheck(e *env, policyFile string) {
	p, err := checkPolicyFile(policyFile, false)
	if err != nil {
		fmt.Fprintf(e.stdout, "The policy cannot be checked on this computer: %v\n", err)
		return
	}
	fmt.Fprintln(e.stdout, "On this computer, with this policy:")
	printMachineCheck(e.stdout, p, loadSandbox(unitDirs))
	printPromiseChecks(e.stdout, "", agent.PromiseChecks())
}

func runUninstall(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*installOpts)
	if len(args) > 0 {
		return usagef("uninstall takes no arguments")
	}
	t := installTarget(opts)
	if opts.root == "" {
		if err := needAdmin(opts.dryRun); err != nil {
			return err
		}
	}
	plan, err := installer.For(t)
	if err != nil {
		return err
	}
	hooks, err := installHooks(plan, t, false)
	if err != nil {
		return err
	}
	return installer.Uninstall(t.StateDir, hooks, installer.Options{Root: opts.root, DryRun: opts.dryRun, Out: e.stdout})
}

func needAdmin(dryRun bool) error {
	if dryRun || runtime.GOOS == "windows" { // the service manager says no on Windows
		return nil
	}
	if os.Geteuid() != 0 {
		return errors.New("installing needs root: run it with sudo (or try --dry-run first)")
	}
	return nil
}

// installHooks connects install to the system's service manager, the
// registry and the browsers' settings.
func installHooks(plan installer.Plan, t installer.Target, noBrowsers bool) (installer.Hooks, error) {
	s, err := newService(plan.Service, nil)
	if err != nil {
		return installer.Hooks{}, err
	}
	h := installer.Hooks{Service: s, Registry: systemRegistry()}
	if !noBrowsers {
		h.Browsers = func(remove, dryRun bool) error {
			bo := browsers.Options{Root: "/", StateDir: t.StateDir, DryRun: dryRun}
			if remove {
				_, err := browsers.Remove(bo)
				return err
			}
			p := policies.Default()
			if fileExists(t.PolicyFile) {
				if p, err = policies.Load(t.PolicyFile); err != nil {
					return fmt.Errorf("the policy %s is invalid; fix it first: %w", t.PolicyFile, err)
				}
			}
			bs := browsers.Select(append(slices.Clone(p.Browsers.Close), p.Browsers.Launch))
			_, err := browsers.Apply(bs, browsers.SettingsFrom(p.Browsers), bo)
			return err
		}
	}
	return h, nil
}

// systemService is the installed service, for start, stop and status.
func systemService(t installer.Target) (service.Service, error) {
	plan, err := installer.For(t)
	if err != nil {
		return nil, err
	}
	return newService(plan.Service, nil)
}

func newService(spec installer.ServiceSpec, prog service.Interface) (service.Service, error) {
	if prog == nil {
		prog = idleProgram{}
	}
	s, err := service.New(prog, &service.Config{
		Name: spec.Name, DisplayName: spec.DisplayName, Description: spec.Description,
		Executable: spec.Exe, Arguments: spec.Args, Option: service.KeyValue(spec.Options),
	})
	if err != nil {
		return nil, fmt.Errorf("this system's service manager is not supported (%s): %w", service.Platform(), err)
	}
	return s, nil
}

// idleProgram stands for the agent where only the service's registration
// is wanted.
type idleProgram struct{}

func (idleProgram) Start(service.Service) error { return nil }
func (idleProgram) Stop(service.Service) error  { return nil }

func runServiceStatus(ctx context.Context, e *env, _ any, args []string) error {
	if len(args) > 0 {
		return usagef("status takes no arguments")
	}
	t := installTarget(&installOpts{})
	s, err := systemService(t)
	if err != nil {
		return err
	}
	st, serr := s.Status()
	word := map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}[st]
	installed := fileExists(filepath.Join(t.StateDir, installer.ManifestName)) || slices.ContainsFunc(packagedUnits, fileExists)
	switch {
	case errors.Is(serr, service.ErrNotInstalled), serr != nil && !installed && runtime.GOOS == "linux":
		word = "not installed"
	case word == "":
		word = "unknown"
		if serr != nil {
			word += " (" + serr.Error() + ")"
		}
	}
	fmt.Fprintf(e.stdout, "Service %q (%s): %s\n", installer.Name, service.Platform(), word)
	how := "no"
	switch {
	case fileExists(filepath.Join(t.StateDir, installer.ManifestName)):
		how = "by \"ardoise install\" (" + filepath.Join(t.StateDir, installer.ManifestName) + ")"
	case slices.ContainsFunc(packagedUnits, fileExists):
		how = "by the Debian package"
	case serr == nil:
		how = "by hand"
	}
	fmt.Fprintf(e.stdout, "Installed: %s\n", how)
	fmt.Fprintf(e.stdout, "Policy: %s\n", t.PolicyFile)
	so := &sessionOpts{}
	if stat, err := so.client(e).Status(ctx); err == nil {
		fmt.Fprintf(e.stdout, "Agent: %s, version %s", stat.State, stat.AgentVersion)
		if stat.LastWipe != nil {
			fmt.Fprintf(e.stdout, "; last wipe %s, verified: %v", stat.LastWipe.Finished.Local().Format("2006-01-02 15:04"), stat.LastWipe.Verified)
		}
		fmt.Fprintln(e.stdout)
	} else {
		fmt.Fprintf(e.stdout, "Agent: not answering (%v)\n", err)
	}
	printPromiseChecks(e.stdout, "", agent.PromiseChecks())
	if st != service.StatusRunning {
		if how == "no" {
			return errors.New("Ardoise is not installed here; see docs/admin.md (apt install ./ardoise_X_amd64.deb, or ardoise install)")
		}
		return errors.New("the service is not running; start it with: ardoise start")
	}
	return nil
}
