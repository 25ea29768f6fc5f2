package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/policies"
)

type policyShowOpts struct{ policy string }

type policyCheckOpts struct{ contentOnly, onMachine bool }

func init() {
	register(&command{
		name:    "policy check",
		args:    "FILE...",
		summary: "check policy files and list every problem",
		help: `Checks each policy FILE without applying it. Every problem is printed at once,
one per line, as FILE:LINE: FIELD: what is wrong; allowed: …

A file that passes is reported as "FILE: ok". Use it before dropping a new
policy on the computers (by hand, GPO, Ansible): a running agent refuses an
invalid policy and keeps the last good one.

The file itself is checked as the system service checks it before reading
it: owned by root, writable by nobody else, in folders only root can
change, not a link (Linux). The service refuses such a file and runs with
the last good policy, so this command refuses it too. --content-only skips
that, for a draft that is not in its place yet.

--on-this-machine (as root, on one PC before a rollout) also does what a
session start does there, and nothing else: for each kiosk account it
checks the account (it exists, and is not a system account: uid below
UID_MIN in /etc/login.defs, unless accounts.kiosk_below_uid_min names
it), resolves its folders and opens each root as the service would, then
says per root "watched", or "refused (CODE): why" (a link, absent, a USB
key, another file system, a folder others may change, read-only for the
service, outside the unit's ReadWritePaths with ProtectSystem=strict).
Nothing is created, changed or erased. Exit status 1 when an account or a
root would be refused.

It then says whether this computer keeps the promise made for encrypted
folders (once a session's key is destroyed, nobody can read its documents
again): swap encrypted (dm-crypt), in memory (zram) or absent, and
hibernation off, each with what to do when it is not ("swapoff, or encrypt
swap with cryptsetup, or use zram"; "systemctl mask hibernate.target …").
These refuse no session and do not change the exit status.`,
		flags: func(fs *flag.FlagSet) any {
			o := &policyCheckOpts{}
			fs.BoolVar(&o.contentOnly, "content-only", false, "check only what the file says, not its owner, mode and folders (a draft)")
			fs.BoolVar(&o.onMachine, "on-this-machine", false, "also resolve each kiosk account's folders on this computer as a session start would, and say per root whether it is watched (needs root)")
			return o
		},
		run: runPolicyCheck,
	})
	register(&command{
		name:    "policy show",
		summary: "print the effective policy, defaults included",
		help: `Prints the policy the agent would use, with every default filled in: the
policy FILE given with --policy, or else the default policy built into Ardoise.`,
		flags: func(fs *flag.FlagSet) any {
			o := &policyShowOpts{}
			fs.StringVar(&o.policy, "policy", "", "policy `FILE` to show (default: the built-in policy)")
			return o
		},
		run: runPolicyShow,
	})
}

func runPolicyCheck(ctx context.Context, e *env, o any, args []string) error {
	opts, _ := o.(*policyCheckOpts)
	if opts == nil {
		opts = &policyCheckOpts{}
	}
	if len(args) == 0 {
		return usagef("policy check needs at least one FILE")
	}
	if opts.onMachine && opts.contentOnly {
		return usagef("--on-this-machine checks the installed file: it cannot go with --content-only")
	}
	if opts.onMachine && os.Geteuid() != 0 {
		return usagef("--on-this-machine opens the kiosk accounts' folders as the service does: run it as root")
	}
	invalid, refused := 0, 0
	for _, f := range args {
		p, err := checkPolicyFile(f, opts.contentOnly)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			invalid++
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok\n", f)
		if opts.onMachine {
			refused += printMachineCheck(e.stdout, p, loadSandbox(unitDirs))
		}
	}
	if opts.onMachine && invalid < len(args) {
		printPromiseChecks(e.stdout, "", agent.PromiseChecks())
	}
	if invalid > 0 {
		return &invalidInputError{fmt.Errorf("%d of %d policy files are invalid", invalid, len(args))}
	}
	if refused > 0 {
		return fmt.Errorf("on this computer %d kiosk accounts or folders would be refused (see above); fix them before the rollout", refused)
	}
	return nil
}

// checkPolicyFile is the system service's load (loadPolicyFile with
// system set) without saving a last good copy: one function decides for
// both what is refused.
func checkPolicyFile(f string, contentOnly bool) (*policies.Policy, error) {
	if contentOnly {
		return policies.Load(f)
	}
	return loadPolicy(f, true)
}

// printMachineCheck prints the verdict of a session start for each kiosk
// account and root of p on this computer, and returns how many would be
// refused.
func printMachineCheck(w io.Writer, p *policies.Policy, sb sandbox) int {
	refused := 0
	if len(p.Accounts.Kiosk) == 0 {
		fmt.Fprintln(w, "  no kiosk account: the system service starts no session (accounts.kiosk)")
		return 1
	}
	if sb.note != "" {
		fmt.Fprintf(w, "  %s\n", sb.note)
	}
	for _, ac := range applySandbox(agent.CheckMachine(p), sb) {
		if ac.Refused != "" {
			fmt.Fprintf(w, "  account %s: refused: %s\n", ac.Name, ac.Refused)
			refused++
			continue
		}
		fmt.Fprintf(w, "  account %s (uid %d):\n", ac.Name, ac.UID)
		for _, r := range ac.Roots {
			where := r.Path
			if where == "" {
				where = "?"
			}
			if r.State == "watching" {
				fmt.Fprintf(w, "    %s (%s): watched\n", r.Label, where)
				printRootProtection(w, r)
				continue
			}
			fmt.Fprintf(w, "    %s (%s): refused (%s): %s\n", r.Label, where, r.Code, r.Reason)
			refused++
		}
	}
	return refused
}

func runPolicyShow(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*policyShowOpts)
	if len(args) > 0 {
		return usagef("policy show takes no arguments; use --policy FILE")
	}
	p := policies.Default()
	if opts.policy != "" {
		var err error
		if p, err = policies.Load(opts.policy); err != nil {
			return &invalidInputError{err}
		}
	}
	out, err := p.YAML()
	if err != nil {
		return fmt.Errorf("print policy: %w", err)
	}
	_, err = e.stdout.Write(out)
	return err
}
