// Command ardoise is Ardoise's agent and command line: it runs the agent that
// keeps a public computer clean between users, checks and prints policies,
// and talks to a running agent.
//
// Every command answers --help. Exit status: 0 success, 1 runtime failure,
// 2 usage error or invalid input (a bad policy file, an unknown flag).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// env is what a command may touch of the outside world, so that tests can run
// commands in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one entry of the command table.
type command struct {
	name    string // words after "ardoise", e.g. "policy check"
	args    string // argument synopsis, e.g. "FILE..."
	summary string // one line for the command list
	help    string // paragraphs for --help
	flags   func(fs *flag.FlagSet) any
	run     func(ctx context.Context, e *env, opts any, args []string) error
}

// Exit statuses, documented in every command's help.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const exitStatusHelp = `EXIT STATUS
  0  success
  1  runtime failure (the agent is not running, a wipe failed, …)
  2  usage error or invalid input (unknown flag, invalid policy file, …)`

// usageError marks an error caused by how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// invalidInputError marks an error caused by invalid input such as a policy
// file; it maps to exit status 2 like a usage error.
type invalidInputError struct{ err error }

func (e *invalidInputError) Error() string { return e.err.Error() }
func (e *invalidInputError) Unwrap() error { return e.err }

var commands []*command

func register(c *command) { commands = append(commands, c) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(runMain(ctx, e, os.Args[1:]))
}

// runMain runs one command line and returns the exit status. It is the one
// place where errors become exit statuses.
func runMain(ctx context.Context, e *env, args []string) int {
	err := dispatch(ctx, e, args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	var ie *invalidInputError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "ardoise: %v\nRun 'ardoise --help' for usage.\n", ue.msg)
		return exitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(e.stderr, "%v\n", ie.err)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "ardoise: %v\n", err)
		return exitFailure
	}
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return dispatch(ctx, e, append(args[1:], "--help"))
		}
		printMainHelp(e.stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	c, rest := findCommand(args)
	if c == nil {
		if group := commandGroup(args[0]); len(group) > 0 {
			if len(args) == 1 || args[1] == "-h" || args[1] == "--help" {
				printGroupHelp(e.stdout, args[0], group)
				if len(args) == 1 {
					return usagef("%q needs a subcommand: %s", args[0], strings.Join(group, ", "))
				}
				return nil
			}
			return usagef("unknown command %q; %q has: %s", strings.Join(args[:2], " "), args[0], strings.Join(group, ", "))
		}
		return usagef("unknown command %q", args[0])
	}
	fs := flag.NewFlagSet("ardoise "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	fs.Usage = func() {}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(e.stdout, c, fs)
			return flag.ErrHelp
		}
		return usagef("%s: %v", c.name, err)
	}
	return c.run(ctx, e, opts, fs.Args())
}

// findCommand picks the longest registered command name that prefixes args.
func findCommand(args []string) (*command, []string) {
	var best *command
	bestLen := 0
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) > len(args) || len(words) <= bestLen {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			best, bestLen = c, len(words)
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[bestLen:]
}

// commandGroup returns the subcommands of a multi-word command group such
// as "policy".
func commandGroup(word string) []string {
	var subs []string
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) > 1 && words[0] == word {
			subs = append(subs, strings.Join(words[1:], " "))
		}
	}
	sort.Strings(subs)
	return subs
}

func sortedCommands() []*command {
	cs := append([]*command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

func printMainHelp(w io.Writer) {
	fmt.Fprintf(w, "Ardoise keeps a public computer clean between users: it watches the folders\n"+
		"where documents are downloaded or scanned and, when the session ends, erases\n"+
		"what the session created and nothing else.\n\nUsage: ardoise COMMAND [FLAGS] [ARGS]\n\nCommands:\n")
	for _, c := range sortedCommands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'ardoise COMMAND --help' for the details of a command.\n\n%s\n", exitStatusHelp)
}

func printGroupHelp(w io.Writer, group string, subs []string) {
	fmt.Fprintf(w, "Usage: ardoise %s SUBCOMMAND\n\nSubcommands:\n", group)
	for _, c := range sortedCommands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\n%s\n", exitStatusHelp)
}

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: ardoise %s", c.name)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, " [FLAGS]")
	}
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", strings.TrimSpace(c.help))
	if hasFlags {
		fmt.Fprint(w, "\nFLAGS\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fmt.Fprintf(w, "\n%s\n", exitStatusHelp)
}
