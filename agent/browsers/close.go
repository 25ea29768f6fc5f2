package browsers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Closed says what CloseUserBrowsers did. It holds no name or address.
type Closed struct {
	// Browsers are the browsers that had processes, in the order of IDs.
	Browsers []ID
	// Graceful counts processes that ended after the polite request (the
	// browser could save its state, which the profile cleaning then
	// removes); Killed those that had to be stopped.
	Graceful, Killed int
	// Left counts processes still running after the kill (a process stuck
	// in the kernel); the profile is cleaned anyway.
	Left int
}

// DefaultGrace is how long browsers get to close by themselves.
const DefaultGrace = 5 * time.Second

// CloseUserBrowsers closes every process of bs run by the session's
// account (uid; on Windows sid, which then decides): first politely
// (SIGTERM, which browsers take as "quit"), then, after grace, by force,
// with their child processes. Processes of other users, and of root or
// SYSTEM, are never touched. Processes are recognised by their
// executable, since browsers' helper processes have other names.
//
// On Linux the processes are found and signalled through agent/procs: each
// signal goes through a pidfd on the process listed, checked to be it
// still, so that a number given again to another program, root's say, is
// never signalled (threats.md P-3); the account's other programs go on
// (procs.EndProcs, not procs.EndUser, which freezes the whole account: a
// foreground agent runs as that account, beside the person's desktop).
//
// On Windows a polite close must come from inside the user's session
// (gopsutil's Terminate is a hard kill there); the window does it, and the
// agent's call is the forced step.
func CloseUserBrowsers(ctx context.Context, uid uint32, sid string, bs []Browser, grace time.Duration) (Closed, error) {
	if (sid == "" && uid == 0) || strings.EqualFold(sid, "S-1-5-18") {
		return Closed{}, errors.New("refusing to close root's or SYSTEM's processes: browsers are closed for the session's user only")
	}
	return closeAccount(ctx, account{uids: []uint32{uid}, sids: sidList(sid)}, bs, grace)
}

// browsersOf lists, in the order of IDs, the browsers that have a
// process in running (its browser per process).
func browsersOf(running []ID) []ID {
	var out []ID
	for _, id := range IDs {
		if slices.Contains(running, id) {
			out = append(out, id)
		}
	}
	return out
}
