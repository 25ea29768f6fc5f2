// Package session holds the pure parts of a session's life: its states and
// the allowed moves between them, why a session ends, and when the automatic
// ends (idle, maximum duration, closing time) and their warnings come.
//
// It makes no system call and reads no clock of its own: every instant is
// passed in, so that it is tested with testing/synctest, and so that the
// agent needs one time.Timer set to [Timers.Next] instead of polling
// (DESIGN.md invariant 7).
package session

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/policies"
)

// State is where a session is in its life (DESIGN.md):
//
//	idle → active → ending → wiping → idle
//	  ↘ wiping (recovery)        ↘ pending (entries left to retry) → wiping
//
// There is no "clean" state: a verified wipe goes back to idle, and the
// report (ipc.WipeReport.Verified) says it was verified (docs/design.md,
// the session actor). An active session is public or accompanied; that is
// the agent's to record, the lifecycle is the same.
type State int

const (
	// Idle: no session; the computer waits for the next person.
	Idle State = iota
	// Active: a session runs; its roots are watched.
	Active
	// Ending: an end was triggered; programs are being closed.
	Ending
	// Wiping: the session's entries are being deleted and checked.
	Wiping
	// Pending: the wipe left entries it could not delete; they are retried.
	Pending
)

// stateNames are the wire's names (agent/ipc), which the window and the
// command line read; TestStatesAreTheWire ties the two lists.
var stateNames = [...]string{ipc.StateIdle, ipc.StateActive, ipc.StateEnding, ipc.StateWiping, ipc.StatePending}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// transitions lists, for each state, the states it may move to.
var transitions = map[State][]State{
	Idle:    {Active, Wiping}, // a session starts; or one left by a crash is finished (recovery)
	Active:  {Ending},         // any end trigger
	Ending:  {Wiping},         // browsers and programs are closed
	Wiping:  {Idle, Pending},  // verified; or entries are left
	Pending: {Wiping},         // retry (a start or an end asks for it); never a start on top of the leftovers
}

// ErrInvalidMove means a transition the lifecycle does not allow.
var ErrInvalidMove = errors.New("invalid session state change")

// Move checks the transition from → to; the error wraps ErrInvalidMove.
func Move(from, to State) error {
	for _, s := range transitions[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("%w: a session cannot go from %s to %s", ErrInvalidMove, from, to)
}

// Reason is what triggers the end of a session. The values are the wire
// values of agent/ipc (ReasonButton…).
type Reason string

const (
	Button      Reason = "button"       // the « J'ai fini » button
	IdleTimeout Reason = "idle"         // nobody used the computer for session.idle_timeout
	Logout      Reason = "logout"       // the person logged out of the computer
	MaxDuration Reason = "max_duration" // session.max_duration reached
	ClosingTime Reason = "closing_time" // one of session.closing_times reached
	Command     Reason = "command"      // staff ran "ardoise session end" or an admin asked
	AgentStop   Reason = "agent_stop"   // the agent is stopping (shutdown) with end_on_agent_stop
	Recovery    Reason = "recovery"     // finishing a session a crash or power cut left behind
)

// Reasons lists every Reason, in the order above.
var Reasons = []Reason{Button, IdleTimeout, Logout, MaxDuration, ClosingTime, Command, AgentStop, Recovery}

var reasonLabels = map[Reason]string{
	Button:      "fin demandée avec le bouton « J'ai fini »",
	IdleTimeout: "l'ordinateur n'était plus utilisé",
	Logout:      "déconnexion de la session",
	MaxDuration: "durée maximale de la session atteinte",
	ClosingTime: "heure de fermeture",
	Command:     "fin demandée par le personnel",
	AgentStop:   "arrêt de l'ordinateur ou d'Ardoise",
	Recovery:    "fin d'une session interrompue (coupure de courant ou arrêt imprévu)",
}

// Label says the reason in plain French, for the window and the logs
// ("c'est l'heure de la fermeture"). An unknown reason is returned as is.
func (r Reason) Label() string {
	if l, ok := reasonLabels[r]; ok {
		return l
	}
	return string(r)
}

// Valid reports whether r is one of the Reasons.
func (r Reason) Valid() bool {
	_, ok := reasonLabels[r]
	return ok
}

// NextClosing returns the first closing time strictly after now, in now's
// location, among cts (the policy's "HH:MM" times with their days; an
// invalid entry is skipped, policy validation reports it). Each candidate is
// built from the calendar date and the wall clock, never by adding 24h, so
// a daylight-saving change in between moves nothing. A time that does not
// exist on a day (skipped when clocks go forward) falls as time.Date
// normalises it: 02:30 becomes 03:30 summer time.
func NextClosing(now time.Time, cts []policies.ClosingTime) (time.Time, bool) {
	var best time.Time
	found := false
	for _, ct := range cts {
		hh, mm, ok := parseClock(ct.Time)
		if !ok {
			continue
		}
		y, m, d := now.Date()
		for i := 0; i <= 7; i++ {
			t := time.Date(y, m, d+i, hh, mm, 0, 0, now.Location())
			if !t.After(now) || !dayAllowed(time.Date(y, m, d+i, 12, 0, 0, 0, now.Location()).Weekday(), ct.Days) {
				continue
			}
			if !found || t.Before(best) {
				best, found = t, true
			}
			break
		}
	}
	return best, found
}

// parseClock reads "HH:MM" (24-hour, two digits each).
func parseClock(s string) (int, int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	hh, err1 := strconv.Atoi(s[:2])
	mm, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || s[0] == '+' || s[3] == '+' || s[0] == '-' || s[3] == '-' ||
		hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, false
	}
	return hh, mm, true
}

var dayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func dayAllowed(wd time.Weekday, days []string) bool {
	if len(days) == 0 {
		return true
	}
	for _, d := range days {
		if d == dayNames[wd] {
			return true
		}
	}
	return false
}

// Next is the next thing the timers want: a warning, or an end.
type Next struct {
	// At is when to act (it may be in the past: act at once).
	At time.Time
	// Warn is true for a warning, false for the end itself.
	Warn bool
	// Reason is what ends the session: IdleTimeout, MaxDuration or
	// ClosingTime.
	Reason Reason
	// EndAt is when the session ends for Reason (equal to At for an end).
	EndAt time.Time
}

// idleResolution is the precision of idle reports: the window counts whole
// seconds, so "idle for N s" places the last activity up to a second later
// than it was. A report that moves it by no more than this is not new
// activity, and does not restart a warning already shown.
const idleResolution = time.Second

// Timers tracks the automatic ends of one session: idle, maximum duration
// and closing time, each with its warning. It does not poll and holds no
// timer: Next gives the one instant the agent must wake up at, and the
// agent asks again after each idle report and each warning. A Timers is not
// safe for concurrent use; the agent guards it with its own mutex.
type Timers struct {
	idleTimeout, idleWarning, maxDuration, warnBefore time.Duration
	closing                                           []policies.ClosingTime

	start        time.Time
	lastActivity time.Time
	// idleKnown is set by the first idle report: the window measures
	// idleness (keyboard and mouse); without it there is no idle end.
	idleKnown bool
	// warned maps a reason to the end its warning was shown for, so that a
	// warning is shown once per end, and again if the end moves.
	warned map[Reason]time.Time
}

// NewTimers starts the timers of a session that started at start, from the
// policy's session settings. A zero IdleTimeout or MaxDuration disables that
// end; a zero IdleWarning or WarnBefore disables that warning.
func NewTimers(s policies.Session, start time.Time) *Timers {
	return &Timers{
		idleTimeout: s.IdleTimeout.D(), idleWarning: s.IdleWarning.D(),
		maxDuration: s.MaxDuration.D(), warnBefore: s.WarnBefore.D(),
		closing: s.ClosingTimes, start: start, lastActivity: start,
		warned: map[Reason]time.Time{},
	}
}

// ReportIdle records that, as of now, the person has not touched the
// computer for idle (the window's report; 0 means activity, such as the
// "Je suis encore là" button). It reports whether the idle end moved, in
// which case the agent resets its timer to Next. A negative idle is taken
// as 0: the window cannot push the end beyond now + IdleTimeout.
func (t *Timers) ReportIdle(idle time.Duration, now time.Time) bool {
	first := !t.idleKnown
	t.idleKnown = true
	idle = max(idle, 0)
	la := now.Add(-idle)
	if idle == 0 && la.After(t.lastActivity) || la.Sub(t.lastActivity) > idleResolution {
		t.lastActivity = la
		delete(t.warned, IdleTimeout) // activity cancels the countdown
		return t.idleTimeout > 0
	}
	return first && t.idleTimeout > 0
}

// LastActivity returns the last activity known: the session start, or
// later as idle reports say.
func (t *Timers) LastActivity() time.Time { return t.lastActivity }

// Deadlines returns the automatic ends that apply, nil when disabled. now
// is unused: every deadline depends on the session start and the last
// activity only; it is kept so that callers need not know that.
func (t *Timers) Deadlines(now time.Time) (idle, max, closing *time.Time) {
	if t.idleKnown && t.idleTimeout > 0 {
		d := t.lastActivity.Add(t.idleTimeout)
		idle = &d
	}
	if t.maxDuration > 0 {
		d := t.start.Add(t.maxDuration)
		max = &d
	}
	// The first closing after the start: a session that began before
	// closing time ends then, whenever the agent asks.
	if c, ok := NextClosing(t.start, t.closing); ok {
		closing = &c
	}
	return idle, max, closing
}

// Next returns the earliest warning or end still to come, or already due,
// and false when no automatic end applies. A warning whose time has passed
// but whose end has not is returned at once (At in the past), so that a
// session started two minutes before closing is still warned. Once the
// agent has shown a warning it calls Warned, and Next moves on to the end.
// On a tie, the idle end is reported first, then the maximum duration.
func (t *Timers) Next(now time.Time) (Next, bool) {
	idle, max, closing := t.Deadlines(now)
	var best Next
	found := false
	consider := func(end *time.Time, r Reason, warn time.Duration) {
		if end == nil {
			return
		}
		n := Next{At: *end, Reason: r, EndAt: *end}
		if warn > 0 && now.Before(*end) && !t.warned[r].Equal(*end) {
			n = Next{At: end.Add(-warn), Warn: true, Reason: r, EndAt: *end}
		}
		if !found || n.At.Before(best.At) {
			best, found = n, true
		}
	}
	consider(idle, IdleTimeout, t.idleWarning)
	consider(max, MaxDuration, t.warnBefore)
	consider(closing, ClosingTime, t.warnBefore)
	return best, found
}

// Warned records that the warning n was shown, so that Next moves on.
func (t *Timers) Warned(n Next) { t.warned[n.Reason] = n.EndAt }
