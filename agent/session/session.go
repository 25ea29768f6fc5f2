// Package session holds the pure parts of a session's life: its states and
// the allowed moves between them, why a session ends, and when the automatic
// ends (idle, maximum duration, closing time) and their warnings come. It
// makes no system call and reads no clock of its own: time is passed in, so
// it is tested with testing/synctest.
package session

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/policies"
)

// State is where a session is in its life:
// idle → active → ending → wiping → idle (clean), or → pending when a wipe
// left entries to retry.
type State int

const (
	Idle State = iota
	Active
	Ending
	Wiping
	Pending
)

var stateNames = [...]string{"idle", "active", "ending", "wiping", "pending"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

var allowed = map[State][]State{
	Idle:    {Active, Wiping}, // start; or recovery of a crashed session
	Pending: {Active, Wiping}, // start (warned); or retry
	Active:  {Ending},         // any end trigger
	Ending:  {Wiping},         // programs closed
	Wiping:  {Idle, Pending},  // verified, or entries left
}

// Move checks a transition.
func Move(from, to State) error {
	for _, s := range allowed[from] {
		if s == to {
			return nil
		}
	}
	return fmt.Errorf("a session cannot go from %s to %s", from, to)
}

// Reason is why a session ends.
type Reason string

const (
	Button      Reason = "button"
	IdleTimeout Reason = "idle"
	Logout      Reason = "logout"
	MaxDuration Reason = "max_duration"
	ClosingTime Reason = "closing_time"
	Command     Reason = "command"
	AgentStop   Reason = "agent_stop"
	Recovery    Reason = "recovery"
)

// Label says the reason in plain French, for the window and the logs.
func (r Reason) Label() string {
	switch r {
	case Button:
		return "la personne a terminé sa session"
	case IdleTimeout:
		return "l'ordinateur n'était plus utilisé"
	case Logout:
		return "la personne s'est déconnectée"
	case MaxDuration:
		return "la durée maximale est atteinte"
	case ClosingTime:
		return "c'est l'heure de la fermeture"
	case Command:
		return "fin demandée par le personnel"
	case AgentStop:
		return "arrêt de l'ordinateur ou du service"
	case Recovery:
		return "reprise après un arrêt imprévu"
	}
	return string(r)
}

// NextClosing returns the first closing time strictly after now, in now's
// location. Times that do not exist on a day (skipped by a daylight-saving
// change) fall on the next valid instant, as time.Date does.
func NextClosing(now time.Time, cts []policies.ClosingTime) (time.Time, bool) {
	var best time.Time
	found := false
	for _, ct := range cts {
		hh, mm, ok := parseClock(ct.Time)
		if !ok {
			continue
		}
		for d := 0; d <= 7; d++ {
			day := now.AddDate(0, 0, d)
			t := time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, now.Location())
			if !t.After(now) || !dayAllowed(t.Weekday(), ct.Days) {
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

func parseClock(s string) (int, int, bool) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
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
	At     time.Time // when to act
	Warn   bool      // a warning (else the end)
	Reason Reason
	EndAt  time.Time // when the session will end
}

// Timers tracks the automatic ends of one session. It does not poll: Next
// gives the one instant the agent must wake up at.
type Timers struct {
	idleTimeout, idleWarning, maxDuration, warnBefore time.Duration
	closing                                           []policies.ClosingTime

	start        time.Time
	lastActivity time.Time
	idleKnown    bool // a window reports idleness; without one there is no idle end
	warned       map[Reason]time.Time
}

// NewTimers starts the timers of a session that started at start.
func NewTimers(s policies.Session, start time.Time) *Timers {
	return &Timers{
		idleTimeout: s.IdleTimeout.D(), idleWarning: s.IdleWarning.D(),
		maxDuration: s.MaxDuration.D(), warnBefore: s.WarnBefore.D(),
		closing: s.ClosingTimes, start: start, lastActivity: start,
		warned: map[Reason]time.Time{},
	}
}

// ReportIdle records that the person has not touched the computer for idle,
// as of now. The idle end only runs once such reports arrive: without a
// window nobody measures idleness.
func (t *Timers) ReportIdle(idle time.Duration, now time.Time) {
	t.idleKnown = true
	la := now.Add(-idle)
	if la.After(t.lastActivity) || idle == 0 {
		t.lastActivity = la
		delete(t.warned, IdleTimeout) // activity cancels the countdown
	}
}

// Deadlines returns the automatic ends that apply now.
func (t *Timers) Deadlines(now time.Time) (idle, max, closing *time.Time) {
	if t.idleKnown && t.idleTimeout > 0 {
		d := t.lastActivity.Add(t.idleTimeout)
		idle = &d
	}
	if t.maxDuration > 0 {
		d := t.start.Add(t.maxDuration)
		max = &d
	}
	if c, ok := NextClosing(t.start, t.closing); ok {
		closing = &c
	}
	return idle, max, closing
}

// Next returns the earliest warning or end still to come (or already due).
func (t *Timers) Next(now time.Time) (Next, bool) {
	idle, max, closing := t.Deadlines(now)
	var best Next
	found := false
	consider := func(end *time.Time, r Reason, warn time.Duration) {
		if end == nil {
			return
		}
		n := Next{At: *end, Reason: r, EndAt: *end}
		if w := end.Add(-warn); warn > 0 && !t.warned[r].Equal(*end) && now.Before(*end) {
			n = Next{At: w, Warn: true, Reason: r, EndAt: *end}
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

// Warned records that the warning n was shown.
func (t *Timers) Warned(n Next) { t.warned[n.Reason] = n.EndAt }
