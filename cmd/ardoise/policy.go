package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/ardoise-fr/ardoise/policies"
)

type policyShowOpts struct{ policy string }

func init() {
	register(&command{
		name:    "policy check",
		args:    "FILE...",
		summary: "check policy files and list every problem",
		help: `Checks each policy FILE without applying it. Every problem is printed at once,
one per line, as FILE:LINE: FIELD: what is wrong; allowed: …

A file that passes is reported as "FILE: ok". Use it before dropping a new
policy on the computers (by hand, GPO, Ansible): a running agent refuses an
invalid policy and keeps the last good one.`,
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

func runPolicyCheck(ctx context.Context, e *env, _ any, args []string) error {
	if len(args) == 0 {
		return usagef("policy check needs at least one FILE")
	}
	invalid := 0
	for _, f := range args {
		if _, err := policies.Load(f); err != nil {
			fmt.Fprintln(e.stderr, err)
			invalid++
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok\n", f)
	}
	if invalid > 0 {
		return &invalidInputError{fmt.Errorf("%d of %d policy files are invalid", invalid, len(args))}
	}
	return nil
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
