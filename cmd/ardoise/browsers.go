package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/policies"
)

type browsersOpts struct {
	policy, root, stateDir, format string
	dryRun                         bool
}

func browsersFlags(apply bool) func(fs *flag.FlagSet) any {
	return func(fs *flag.FlagSet) any {
		o := &browsersOpts{}
		if apply {
			fs.StringVar(&o.policy, "policy", "", "policy `FILE` whose browsers part is applied (default: the built-in policy)")
		}
		fs.StringVar(&o.root, "root", "/", "apply under this `DIR` instead of the system (for packaging and tests)")
		fs.StringVar(&o.stateDir, "state-dir", agent.SystemStateDir, "`DIR` where Ardoise remembers what it wrote")
		fs.BoolVar(&o.dryRun, "dry-run", false, "print what would change, change nothing")
		return o
	}
}

func init() {
	register(&command{
		name:    "browsers apply",
		summary: "write the browsers' managed settings (private mode forced, no passwords)",
		help: `Writes the managed settings the policy asks for into the browsers' own policy
files, which the browsers read at start and the public cannot change:
private browsing as the only mode, no password saving, no sign-in or sync, the
policy's default search engine, downloads saved without a dialog.

Chromium, Chrome and Edge get a file of their own (ardoise.json) beside the
organisation's. Firefox has one policies.json: Ardoise merges its settings
into the organisation's, keeps the file as it found it, and puts it back on
"browsers remove". A file Ardoise wrote and someone changed since is left
alone, with an error. Needs root.`,
		flags: browsersFlags(true),
		run:   runBrowsersApply,
	})
	register(&command{
		name:    "browsers remove",
		summary: "take away exactly what 'browsers apply' wrote",
		help: `Deletes the files "browsers apply" wrote, puts back the organisation's Firefox
policies.json as it was, and removes the folders it created when they are
empty. A file changed by someone else since is kept and reported. Needs root.`,
		flags: browsersFlags(false),
		run:   runBrowsersRemove,
	})
	register(&command{
		name:    "browsers show",
		args:    "[linux|windows|windows-undo|wix|macos]",
		summary: "print the managed settings for each browser",
		help: `Prints the managed settings the policy gives each browser, in the form the
system takes: the Linux policy files (default), a Windows .reg file for
Group Policy or the installer (and windows-undo, the .reg file that takes
exactly those values away again), the same values as a WiX include for the
MSI (wix), or macOS configuration profile payloads.`,
		flags: func(fs *flag.FlagSet) any {
			o := &browsersOpts{}
			fs.StringVar(&o.policy, "policy", "", "policy `FILE` (default: the built-in policy)")
			return o
		},
		run: runBrowsersShow,
	})
}

func browserPolicy(path string) (*policies.Policy, error) {
	if path == "" {
		return policies.Default(), nil
	}
	p, err := policies.Load(path)
	if err != nil {
		return p, &invalidInputError{err}
	}
	return p, nil
}

func runBrowsersApply(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*browsersOpts)
	if len(args) > 0 {
		return usagef("browsers apply takes no arguments")
	}
	p, err := browserPolicy(opts.policy)
	if err != nil {
		return err
	}
	// The browser launched for the public and every browser closed at the
	// end: Select keeps each once.
	bs := browsers.Select(append(slices.Clone(p.Browsers.Close), p.Browsers.Launch))
	changes, err := browsers.Apply(bs, browsers.SettingsFrom(p.Browsers), browsers.Options{Root: opts.root, StateDir: opts.stateDir, DryRun: opts.dryRun})
	printChanges(e.stdout, changes, opts.dryRun)
	if err != nil {
		return fmt.Errorf("apply the browsers' settings: %w", err)
	}
	return nil
}

func runBrowsersRemove(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*browsersOpts)
	if len(args) > 0 {
		return usagef("browsers remove takes no arguments")
	}
	changes, err := browsers.Remove(browsers.Options{Root: opts.root, StateDir: opts.stateDir, DryRun: opts.dryRun})
	printChanges(e.stdout, changes, opts.dryRun)
	if len(changes) == 0 && err == nil {
		fmt.Fprintln(e.stdout, "Nothing to remove: Ardoise has not written browser settings here.")
	}
	if err != nil {
		return fmt.Errorf("remove the browsers' settings: %w", err)
	}
	return nil
}

func printChanges(w io.Writer, changes []browsers.Change, dry bool) {
	prefix := ""
	if dry {
		prefix = "would "
	}
	for _, c := range changes {
		line := fmt.Sprintf("%-8s %s%s %s", c.Browser, prefix, c.Action, c.Path)
		if len(c.Conflicts) > 0 {
			line += " (replacing the organisation's " + strings.Join(c.Conflicts, ", ") + ")"
		}
		if c.Action == "keep" {
			line += " (changed by someone else since Ardoise wrote it: left alone)"
		}
		fmt.Fprintln(w, line)
	}
}

func runBrowsersShow(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*browsersOpts)
	form := "linux"
	switch {
	case len(args) == 1:
		form = args[0]
	case len(args) > 1:
		return usagef("browsers show takes at most one argument: linux, windows, windows-undo, wix or macos")
	}
	p, err := browserPolicy(opts.policy)
	if err != nil {
		return err
	}
	s := browsers.SettingsFrom(p.Browsers)
	bs := browsers.Select([]string{"firefox", "chromium", "chrome", "edge"})
	switch form {
	case "linux":
		for _, b := range bs {
			if b.PolicyFile == "" {
				return errors.New("this system has no policy files; use: ardoise browsers show windows, or macos")
			}
			fmt.Fprintf(e.stdout, "# %s: %s\n%s\n", b.Name, b.PolicyFile, browsers.PolicyJSON(b, s))
		}
	case "windows":
		io.WriteString(e.stdout, browsers.RegistryFile(bs, s))
	case "windows-undo":
		io.WriteString(e.stdout, browsers.RegistryRemovalFile(bs, s))
	case "wix":
		io.WriteString(e.stdout, browsers.WixInclude(bs, s))
	case "macos":
		for _, b := range bs {
			fmt.Fprintf(e.stdout, "<!-- %s: domain %s -->\n%s\n", b.Name, b.MacDomain, browsers.Plist(b, s))
		}
	default:
		return usagef("unknown form %q: linux, windows, windows-undo, wix or macos", form)
	}
	return nil
}
