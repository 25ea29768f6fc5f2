// Package endsteps holds what a session's end does besides wiping the
// roots: closing the browsers and clearing their profiles, ending the kiosk
// account's programs, and clearing the traces a session leaves outside the
// roots (trash, thumbnails, shared memory, the recent files, the print
// jobs; on Windows the Recent items and the Recycle Bin). The name says
// what they have in common, the end of a session; "traces" is the policy's
// word for only some of them (programs and browsers are not traces).
//
// Every step has one interface, Step, called by the agent at fixed
// moments: Open at the session's start, Stop first at its end, Clean once
// the session's key is gone, Finish after the wipe. A step deletes nothing
// itself: it opens folders to be wiped as roots (Open) or lists what to
// erase (Clean), and agent/wipe erases it, entry by entry, as the entry it
// judged. The operating system's parts (systemd, CUPS, the Windows
// places) live in this package's platform files, not in the agent.
package endsteps

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
)

// Session is what the steps know of a session.
type Session struct {
	User   userdirs.User
	Policy *policies.Policy // as it was when the session started
	// System: the agent is the system service, acting for kiosk
	// accounts; a foreground agent acts for the user who started it.
	System bool
	Log    *slog.Logger
}

// Root is a folder a step asks to be watched and wiped like a policy root,
// in session scope (what was there before stays): it is journaled with the
// session's roots, so that a crash does not leave it unwiped.
type Root struct {
	Label string
	Path  string
	// Rel is its path beneath the home folder, "" if not beneath it.
	Rel string
	// Dir is the open folder, nil when Err says why it is not.
	Dir *safefs.Dir
	Err error
}

// ErrNoHome refuses a Root beneath a home folder that could not be opened
// safely.
var ErrNoHome = errors.New("dossier personnel inaccessible")

// Step is one session-end step.
type Step interface {
	// Open runs at the session's start, before what exists is recorded:
	// it may make the folders it needs (so that one made during the
	// session is still the one wiped, threats.md C9) and record how
	// things are. home is the user's home folder, nil with homeErr when
	// it could not be opened.
	Open(s *Session, home *safefs.Dir, homeErr error) []Root
	// Stop runs first at the session's end: it ends what could still
	// write (browsers, programs).
	Stop(ctx context.Context, s *Session)
	// Clean runs once the session's key is gone, before the wipe: what
	// the wipe must erase outside the roots.
	Clean(ctx context.Context, s *Session) wipe.Extra
	// Finish runs after the wipe, with what it did of Clean's part, and
	// writes what the step did into the report.
	Finish(ctx context.Context, s *Session, done wipe.ExtraResult, rep *ipc.WipeReport)
}

// nop is a step's default for the moments it has nothing to do.
type nop struct{}

func (nop) Open(*Session, *safefs.Dir, error) []Root                            { return nil }
func (nop) Stop(context.Context, *Session)                                      {}
func (nop) Clean(context.Context, *Session) wipe.Extra                          { return wipe.Extra{} }
func (nop) Finish(context.Context, *Session, wipe.ExtraResult, *ipc.WipeReport) {}

// Steps are a session's steps, in the order they run: browsers first (they
// may still be writing a download, and a profile is only cleared once
// nothing holds it open), then programs, then the traces.
type Steps struct {
	s    Session
	list []Step
	// extra[i] is how many of Clean's names and rewrites are list[i]'s.
	extra [][2]int
}

// New returns the steps of session s.
func New(s Session) *Steps {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	return &Steps{s: s, list: []Step{&browsersStep{}, &programsStep{}, &foldersStep{}, &recentStep{}, &printStep{}}}
}

// Open opens every step (Step.Open) and returns their roots.
func (ss *Steps) Open(home *safefs.Dir, homeErr error) []Root {
	var roots []Root
	for _, st := range ss.list {
		roots = append(roots, st.Open(&ss.s, home, homeErr)...)
	}
	return roots
}

// Stop stops every step (Step.Stop).
func (ss *Steps) Stop(ctx context.Context) {
	for _, st := range ss.list {
		st.Stop(ctx, &ss.s)
	}
}

// Clean returns what every step asks the wipe to erase (Step.Clean).
func (ss *Steps) Clean(ctx context.Context) wipe.Extra {
	var x wipe.Extra
	ss.extra = ss.extra[:0]
	for _, st := range ss.list {
		e := st.Clean(ctx, &ss.s)
		x.Names = append(x.Names, e.Names...)
		x.Rewrites = append(x.Rewrites, e.Rewrites...)
		ss.extra = append(ss.extra, [2]int{len(e.Names), len(e.Rewrites)})
	}
	return x
}

// Finish gives every step its part of what the wipe did (done, for the
// Extra Clean returned) and lets it report (Step.Finish).
func (ss *Steps) Finish(ctx context.Context, done wipe.ExtraResult, rep *ipc.WipeReport) {
	n, w := 0, 0
	for i, st := range ss.list {
		var part wipe.ExtraResult
		if i < len(ss.extra) {
			dn, dw := ss.extra[i][0], ss.extra[i][1]
			part.Names = sub(done.Names, n, dn)
			part.Rewrites = sub(done.Rewrites, w, dw)
			n, w = n+dn, w+dw
		}
		st.Finish(ctx, &ss.s, part, rep)
	}
}

// sub is s[i:i+n], cut to what s holds: a wipe that stopped early has
// fewer results than asked.
func sub[T any](s []T, i, n int) []T {
	if i >= len(s) {
		return nil
	}
	return s[i:min(i+n, len(s))]
}

// hasTrace says whether the session's policy lists trace tr.
func hasTrace(s *Session, tr string) bool { return slices.Contains(s.Policy.Traces, tr) }

// sidsOf is u's SID as a list: empty outside Windows.
func sidsOf(u userdirs.User) []string {
	if u.SID == "" {
		return nil
	}
	return []string{u.SID}
}

// trustFor trusts u for the folders above a step's folder.
func trustFor(u userdirs.User) safefs.RootOptions {
	return safefs.RootOptions{TrustedUIDs: []uint32{u.UID}, TrustedSIDs: sidsOf(u)}
}
