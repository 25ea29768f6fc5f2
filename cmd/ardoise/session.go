package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent"
	"github.com/ardoise-fr/ardoise/agent/ipc"
)

type sessionOpts struct {
	socket      string
	json        bool
	accompanied bool
	codeStdin   bool
	limit       int
}

func sessionFlags(start, preview bool) func(fs *flag.FlagSet) any {
	return func(fs *flag.FlagSet) any {
		o := &sessionOpts{}
		fs.StringVar(&o.socket, "socket", "", "socket `PATH` of the agent (default: the foreground agent's if it runs, else the system service's)")
		fs.BoolVar(&o.json, "json", false, "print the answer as JSON (stable; field reference in agent/ipc)")
		if start {
			fs.BoolVar(&o.accompanied, "accompanied", false, "start an accompanied session (an aidant helps the person)")
			fs.BoolVar(&o.codeStdin, "code-stdin", false, "read the aidants' staff code from the first line of standard input (when the policy asks for one; root needs none)")
		}
		if preview {
			fs.IntVar(&o.limit, "limit", 100, "list at most `N` entries (the count covers all)")
		}
		return o
	}
}

const sessionHelpTail = `
The agent only ever acts for the user running this command (or for anyone
when run by root); it checks who is calling from the operating system, and
this command checks that the agent answering is run by root or by you.`

func init() {
	register(&command{
		name: "session start", summary: "start a session for yourself",
		help:  "Asks the agent to start a session for the user running this command.\n" + sessionHelpTail,
		flags: sessionFlags(true, false), run: runSessionStart,
	})
	register(&command{
		name: "session status", summary: "show what the agent is doing",
		help:  "Shows the agent's state, the folders it watches and the result of the last wipe. It shows no file name.\n" + sessionHelpTail,
		flags: sessionFlags(false, false), run: runSessionStatus,
	})
	register(&command{
		name: "session preview", summary: "list what the end of the session will erase",
		help:  "Lists the documents the end of the session will erase, with their folder and size.\nNames are printed escaped: no control character reaches the terminal.\n" + sessionHelpTail,
		flags: sessionFlags(false, true), run: runSessionPreview,
	})
	register(&command{
		name: "session end", summary: "end the session and erase what it created",
		help:  "Ends the session, erases what it created, checks that nothing is left and prints the result.\nIt returns once the wipe is done; exit status 1 if something could not be erased yet.\n\nWhen the last wipe is pending (session status: pending), it retries that wipe\nnow instead, and prints the same result: the procedure for staff is in\ndocs/admin.md (\"A wipe left pending\").\n" + sessionHelpTail,
		flags: sessionFlags(false, false), run: runSessionEnd,
	})
}

func (o *sessionOpts) client(e *env) *ipc.Client {
	socket := o.socket
	self := os.Getuid()
	if socket == "" {
		socket = agent.SystemSocket
		if fg := agent.ForegroundSocket(e.getenv, self); fileExists(fg) {
			socket = fg
		}
	}
	return ipc.NewClient(socket) // root or our own user (the foreground agent)
}

func fileExists(p string) bool { _, err := os.Lstat(p); return err == nil }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func runSessionStart(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*sessionOpts)
	if len(args) > 0 {
		return usagef("session start takes no arguments")
	}
	mode := ipc.ModePublic
	if opts.accompanied {
		mode = ipc.ModeAccompanied
	}
	req := ipc.StartRequest{Mode: mode}
	if opts.codeStdin {
		code, err := readCode(e.stdin)
		if err != nil {
			return err
		}
		req.StaffCode = code
	}
	st, err := opts.client(e).Start(ctx, req)
	if err != nil {
		return fmt.Errorf("start a session: %w", err)
	}
	if opts.json {
		return printJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "Session %s started (%s).\n", st.SessionID, st.Mode)
	printRoots(e.stdout, st.Roots)
	return nil
}

func runSessionStatus(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*sessionOpts)
	if len(args) > 0 {
		return usagef("session status takes no arguments")
	}
	st, err := opts.client(e).Status(ctx)
	if err != nil {
		return fmt.Errorf("ask the agent: %w", err)
	}
	if opts.json {
		return printJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "State: %s\n", st.State)
	if st.SessionID != "" {
		fmt.Fprintf(e.stdout, "Session: %s (%s, uid %d, since %s)\n", st.SessionID, st.Mode, st.UserUID, st.Started.Format(time.DateTime))
		printRoots(e.stdout, st.Roots)
	}
	for _, d := range []struct {
		name string
		at   *time.Time
	}{{"idle", st.Deadlines.IdleEnd}, {"maximum duration", st.Deadlines.MaxEnd}, {"closing time", st.Deadlines.ClosingEnd}} {
		if d.at != nil {
			fmt.Fprintf(e.stdout, "Ends by %s at %s\n", d.name, d.at.Format(time.DateTime))
		}
	}
	if w := st.LastWipe; w != nil {
		fmt.Fprintf(e.stdout, "Last wipe: %s\n", wipeLine(w))
		if k := keyLine(w.Key); k != "" {
			fmt.Fprintf(e.stdout, "  %s\n", k)
		}
	}
	if st.State == ipc.StatePending {
		fmt.Fprintln(e.stdout, "New sessions are refused until that wipe is finished: free what could not be erased, then run 'ardoise session end' (as root) to retry it now.")
	}
	fmt.Fprintf(e.stdout, "Agent version: %s\n", st.AgentVersion)
	return nil
}

func printRoots(w io.Writer, roots []ipc.RootStatus) {
	for _, r := range roots {
		line := fmt.Sprintf("  %-24s %s", r.Label, r.State)
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		fmt.Fprintln(w, line)
		if r.Protection != "" {
			fmt.Fprintf(w, "  %-24s %s\n", "", protectionWords(r.Protection, r.ProtectionCode))
		}
	}
}

func wipeLine(w *ipc.WipeReport) string {
	r := w.Removed
	s := fmt.Sprintf("%d erased (%d files, %d folders, %d links, %d other, %s), %d kept as they were there before",
		r.Files+r.Dirs+r.Links+r.Other, r.Files, r.Dirs, r.Links, r.Other, humanBytes(w.Bytes), w.Kept.Preexisting+w.Kept.Modified)
	if w.SecurityEvents > 0 {
		s += fmt.Sprintf("; %d SECURITY EVENT(S): someone swapped or planted names to mislead the wipe (nothing of the library was deleted; see the agent's log)", w.SecurityEvents)
	}
	if w.Verified {
		return s + ", verified: nothing left"
	}
	return s + fmt.Sprintf(", NOT verified: %d NOT ERASED, still on this computer", w.PendingCount)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func runSessionPreview(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*sessionOpts)
	if len(args) > 0 {
		return usagef("session preview takes no arguments")
	}
	p, err := opts.client(e).Preview(ctx, opts.limit)
	if err != nil {
		return fmt.Errorf("ask what will be erased: %w", err)
	}
	if opts.json {
		return printJSON(e.stdout, p)
	}
	fmt.Fprintf(e.stdout, "%d documents will be erased (%s):\n", p.Count, humanBytes(p.Bytes))
	for _, it := range p.Items {
		fmt.Fprintf(e.stdout, "  %s — %s — in %s — %s\n", ipc.EscapeForTerminal(it.Name), it.Kind, it.Folder, humanBytes(it.Size))
	}
	if p.Truncated {
		fmt.Fprintf(e.stdout, "  … and %d more\n", p.Count-len(p.Items))
	}
	return nil
}

func runSessionEnd(ctx context.Context, e *env, o any, args []string) error {
	opts := o.(*sessionOpts)
	if len(args) > 0 {
		return usagef("session end takes no arguments")
	}
	// "command", not "button": the logs and metrics tell the window's
	// button from the command line (staff, scripts).
	rep, err := opts.client(e).End(context.WithoutCancel(ctx), ipc.EndRequest{Reason: ipc.ReasonCommand})
	if err != nil {
		return fmt.Errorf("end the session: %w", err)
	}
	if opts.json {
		if err := printJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "Session ended: %s\n", wipeLine(&rep))
		for _, p := range rep.Pending {
			fmt.Fprintf(e.stdout, "  not erased yet: %s in %s (%s)\n", ipc.EscapeForTerminal(p.Name), p.Folder, p.Reason)
		}
		for _, g := range rep.Gone {
			fmt.Fprintf(e.stdout, "  folder deleted during the session, nothing left in it: %s\n", g)
		}
		printChecklist(e.stdout, rep.Checklist)
		if k := keyLine(rep.Key); k != "" {
			fmt.Fprintf(e.stdout, "  %s\n", k)
		}
	}
	if !rep.Verified {
		return leftError(&rep)
	}
	return nil
}

// leftError is what session end says when its wipe left something: that
// the person's documents are still on the computer, what that means for
// the next person, when the agent tries again, and what staff should do.
// The journal's state is only mentioned when it is not "ok": a bare "(ok)"
// after a failure reads as if all were well (RCR15).
func leftError(rep *ipc.WipeReport) error {
	msg := fmt.Sprintf("NOT ERASED: %d entries of this session are still on this computer. "+
		"No new session can start until they are erased; the agent tries again at the next session start and when it restarts. "+
		"Staff: close the program that may hold them (or ask an administrator), then run 'ardoise session end' again to retry now; if they stay, call the administrator (docs/admin.md, \"NOT ERASED\")",
		rep.PendingCount)
	if j := strings.TrimSpace(rep.Journal); j != "" && j != "ok" {
		msg += "; " + j
	}
	return errors.New(msg)
}

// checkLabels are the checklist's lines for the terminal (staff).
var checkLabels = map[string]string{
	ipc.CheckPrivateBrowsing: "private browsing",
	ipc.CheckDocuments:       "scanned and downloaded documents erased",
	ipc.CheckBrowsersClosed:  "browsers closed, with the accounts opened in them",
	ipc.CheckBrowserData:     "browsers' data cleared",
	ipc.CheckOtherTraces:     "other traces cleared",
}

func printChecklist(w io.Writer, items []ipc.CheckItem) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintln(w, "Charter checklist:")
	for _, it := range items {
		mark := "[x]"
		if !it.OK {
			mark = "[ ]"
		}
		line := fmt.Sprintf("  %s %s (%d)", mark, checkLabels[it.Code], it.Count)
		if it.Why != "" {
			line += " — " + it.Why
		}
		fmt.Fprintln(w, line)
	}
}
