package session

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	_ "time/tzdata" // Europe/Paris even where the system has no zoneinfo

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/policies"
)

func pol(idle, idleWarn, maxDur, warnBefore time.Duration, closing ...policies.ClosingTime) policies.Session {
	return policies.Session{IdleTimeout: policies.Duration(idle), IdleWarning: policies.Duration(idleWarn),
		MaxDuration: policies.Duration(maxDur), WarnBefore: policies.Duration(warnBefore), ClosingTimes: closing}
}

// report is an idle report the window sends after the session start.
type report struct {
	after, idle time.Duration
}

// drive runs the timers the way the agent's loop does: one time.Timer set
// to Next, reset when an idle report says the idle end moved, a warning
// marked with Warned, stopping at the first end or after until. It returns
// what happened as offsets from the start, and how many times the timer
// fired without anything to do (polling would show here). Call it inside a
// synctest bubble: the clock is fake, so hours pass at once.
func drive(t *testing.T, tm *Timers, until time.Duration, reports ...report) (events []string, idleWakeups int) {
	t.Helper()
	start := time.Now()
	var mu sync.Mutex
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for _, r := range reports {
		wg.Go(func() {
			time.Sleep(r.after - time.Since(start))
			mu.Lock()
			moved := tm.ReportIdle(r.idle, time.Now())
			mu.Unlock()
			if moved {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		})
	}
	defer wg.Wait()
	stop := time.NewTimer(until)
	defer stop.Stop()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		mu.Lock()
		n, ok := tm.Next(time.Now())
		mu.Unlock()
		if ok {
			timer.Reset(time.Until(n.At))
		}
		select {
		case <-stop.C:
			timer.Stop()
			return events, idleWakeups
		case <-wake:
			timer.Stop()
			continue
		case <-timer.C:
		}
		mu.Lock()
		cur, _ := tm.Next(time.Now())
		if cur != n {
			mu.Unlock()
			idleWakeups++
			continue
		}
		if n.Warn {
			tm.Warned(n)
		}
		mu.Unlock()
		if n.Warn {
			events = append(events, fmt.Sprintf("warn %s at %s, end at %s", n.Reason, time.Since(start), n.EndAt.Sub(start)))
			continue
		}
		events = append(events, fmt.Sprintf("end %s at %s", n.Reason, time.Since(start)))
		return events, idleWakeups
	}
}

func check(t *testing.T, got []string, wakeups int, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	if wakeups != 0 {
		t.Errorf("the timer fired %d times with nothing to do", wakeups)
	}
}

func TestIdleTimeoutFiresAtTheRightTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, time.Minute, 0, 5*time.Minute), time.Now())
		if n, ok := tm.Next(time.Now()); ok {
			t.Fatalf("an idle end is scheduled before any window reported idleness: %+v", n)
		}
		got, w := drive(t, tm, 24*time.Hour, report{0, 0})
		check(t, got, w, "warn idle at 14m0s, end at 15m0s", "end idle at 15m0s")
	})
}

// TestActivityPushesIdleBack: a report of 0s idle (activity) moves the end;
// a report that only confirms the idleness does not; activity during the
// countdown ("Je suis encore là") cancels it and a new one comes later.
func TestActivityPushesIdleBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, time.Minute, 0, 5*time.Minute), time.Now())
		got, w := drive(t, tm, 24*time.Hour,
			report{0, 0},
			report{10 * time.Minute, 0},                              // typed something
			report{12 * time.Minute, 2 * time.Minute},                // still away since 10m: no change
			report{24*time.Minute + 30*time.Second, 0},               // "Je suis encore là" during the countdown
			report{30 * time.Minute, 5*time.Minute + 29*time.Second}, // away since 24m31s: within a second, no change
		)
		check(t, got, w,
			"warn idle at 24m0s, end at 25m0s",
			"warn idle at 38m30s, end at 39m30s",
			"end idle at 39m30s")
	})
}

// TestIdleReportsInWholeSeconds: the window counts whole seconds, so its
// reports place the last input up to a second late, differently each
// time. That jitter is not activity: one warning, one end.
func TestIdleReportsInWholeSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, time.Minute, 0, 0), time.Now())
		const lastInput = 700 * time.Millisecond
		var rs []report
		for at := 5300 * time.Millisecond; at < 16*time.Minute; at += 7300 * time.Millisecond {
			rs = append(rs, report{at, (at - lastInput).Truncate(time.Second)})
		}
		// After the warning, the report placing the last input latest yet
		// (by 0.09 s): still not activity.
		late := 14*time.Minute + 10690*time.Millisecond
		rs = append(rs, report{late, (late - lastInput).Truncate(time.Second)})
		got, w := drive(t, tm, time.Hour, rs...)
		if len(got) != 2 || !strings.HasPrefix(got[0], "warn idle at 14m") || !strings.HasPrefix(got[1], "end idle at 15m") {
			t.Fatalf("got %v, want one warning and the end", got)
		}
		end, err := time.ParseDuration(strings.TrimPrefix(got[1], "end idle at "))
		if err != nil || end <= 15*time.Minute+lastInput || end > 15*time.Minute+lastInput+time.Second {
			t.Errorf("ended at %v, want within a second after %v", end, 15*time.Minute+lastInput)
		}
		if w != 0 {
			t.Errorf("%d idle wake-ups", w)
		}
	})
}

// TestIdleReportCannotPostponeBeyondTimeout: a negative idle (a lying or
// broken window) counts as activity now, not in the future.
func TestIdleReportCannotPostponeBeyondTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, 0, 0, 0), time.Now())
		got, w := drive(t, tm, 24*time.Hour, report{time.Minute, -100 * time.Hour})
		check(t, got, w, "end idle at 16m0s")
	})
}

func TestMaxDurationWithWarning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(0, time.Minute, 2*time.Hour, 10*time.Minute), time.Now())
		got, w := drive(t, tm, 24*time.Hour)
		check(t, got, w, "warn max_duration at 1h50m0s, end at 2h0m0s", "end max_duration at 2h0m0s")
	})
}

// TestLateStartIsStillWarned: a session that starts inside the warning
// window is warned at once, then ends on time.
func TestLateStartIsStillWarned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris := loadParis(t)
		now := time.Now().In(paris)
		close := now.Add(2 * time.Minute).Format("15:04")
		tm := NewTimers(pol(0, 0, 0, 5*time.Minute, policies.ClosingTime{Time: close}), time.Now().In(paris))
		got, w := drive(t, tm, 24*time.Hour)
		check(t, got, w, "warn closing_time at 0s, end at 2m0s", "end closing_time at 2m0s")
	})
}

func TestEarliestWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris := loadParis(t)
		inAnHour := func() string { return time.Now().In(paris).Add(time.Hour).Format("15:04") }
		// Maximum duration first.
		tm := NewTimers(pol(15*time.Minute, time.Minute, 10*time.Minute, 2*time.Minute, policies.ClosingTime{Time: inAnHour()}), time.Now().In(paris))
		got, w := drive(t, tm, 24*time.Hour, report{0, 0})
		check(t, got, w, "warn max_duration at 8m0s, end at 10m0s", "end max_duration at 10m0s")
		// Closing time first, while the person keeps working.
		tm = NewTimers(pol(15*time.Minute, time.Minute, 2*time.Hour, 5*time.Minute, policies.ClosingTime{Time: inAnHour()}), time.Now().In(paris))
		var rs []report
		for at := time.Duration(0); at < 2*time.Hour; at += 5 * time.Minute {
			rs = append(rs, report{at, 0})
		}
		got, w = drive(t, tm, 24*time.Hour, rs...)
		check(t, got, w, "warn closing_time at 55m0s, end at 1h0m0s", "end closing_time at 1h0m0s")
		// Idle first: the later warnings never come.
		tm = NewTimers(pol(15*time.Minute, time.Minute, 2*time.Hour, 5*time.Minute, policies.ClosingTime{Time: inAnHour()}), time.Now().In(paris))
		got, w = drive(t, tm, 24*time.Hour, report{0, 0})
		check(t, got, w, "warn idle at 14m0s, end at 15m0s", "end idle at 15m0s")
	})
}

func TestDisabledTriggersNeverFire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(0, time.Minute, 0, 5*time.Minute), time.Now())
		got, w := drive(t, tm, 72*time.Hour, report{0, 0}, report{time.Hour, 0})
		check(t, got, w)
		if n, ok := tm.Next(time.Now()); ok {
			t.Errorf("nothing is configured, yet Next = %+v", n)
		}
		// Warnings disabled: the end comes without one.
		tm = NewTimers(pol(15*time.Minute, 0, time.Hour, 0), time.Now())
		got, w = drive(t, tm, 72*time.Hour, report{0, 0}, report{14 * time.Minute, 0}, report{28 * time.Minute, 0}, report{42 * time.Minute, 0}, report{56 * time.Minute, 0})
		check(t, got, w, "end max_duration at 1h0m0s")
	})
}

func loadParis(t *testing.T) *time.Location {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return paris
}

// sleepUntil moves the bubble's fake clock to the wall time at.
func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// TestClosingTimeAcrossMidnight: a Friday-evening session ends at the
// Saturday-only closing time of 00:05, just after midnight.
func TestClosingTimeAcrossMidnight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris := loadParis(t)
		sleepUntil(time.Date(2000, 1, 7, 23, 50, 0, 0, paris)) // a Friday
		tm := NewTimers(pol(0, 0, 0, 5*time.Minute, policies.ClosingTime{Time: "00:05", Days: []string{"sat"}}), time.Now().In(paris))
		got, w := drive(t, tm, 72*time.Hour)
		check(t, got, w, "warn closing_time at 10m0s, end at 15m0s", "end closing_time at 15m0s")
		if now := time.Now().In(paris); now.Weekday() != time.Saturday || now.Format("15:04") != "00:05" {
			t.Errorf("ended at %v", now)
		}
	})
}

// TestClosingTimeAcrossDST: the closing time is a wall-clock time; a
// session across a daylight-saving change lasts an hour less (spring) or
// more (autumn) than the wall clock suggests, and still ends at 09:00.
func TestClosingTimeAcrossDST(t *testing.T) {
	for _, c := range []struct {
		name  string
		start time.Time
		want  []string
	}{
		{"spring forward", time.Date(2000, 3, 25, 22, 0, 0, 0, time.UTC), []string{"warn closing_time at 9h55m0s, end at 10h0m0s", "end closing_time at 10h0m0s"}},
		{"fall back", time.Date(2000, 10, 28, 22, 0, 0, 0, time.UTC), []string{"warn closing_time at 11h55m0s, end at 12h0m0s", "end closing_time at 12h0m0s"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				paris := loadParis(t)
				s := c.start
				sleepUntil(time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), 0, 0, 0, paris))
				tm := NewTimers(pol(0, 0, 0, 5*time.Minute, policies.ClosingTime{Time: "09:00"}), time.Now().In(paris))
				got, w := drive(t, tm, 72*time.Hour)
				check(t, got, w, c.want...)
				if now := time.Now().In(paris); now.Format("2006-01-02 15:04") != s.AddDate(0, 0, 1).Format("2006-01-02")+" 09:00" {
					t.Errorf("ended at %v", now)
				}
			})
		})
	}
}

// TestClosingTimeInTheSkippedHour: 02:30 does not exist on the night clocks
// go forward; it falls at 03:30 summer time, 1h30 after 01:00 winter time.
func TestClosingTimeInTheSkippedHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		paris := loadParis(t)
		sleepUntil(time.Date(2000, 3, 26, 1, 0, 0, 0, paris))
		tm := NewTimers(pol(0, 0, 0, 0, policies.ClosingTime{Time: "02:30"}), time.Now().In(paris))
		got, w := drive(t, tm, 72*time.Hour)
		check(t, got, w, "end closing_time at 1h30m0s")
	})
}

func TestNextClosing(t *testing.T) {
	paris := loadParis(t)
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, paris) } // 2026-11-23 is a Monday
	weekdays := []string{"mon", "tue", "wed", "thu", "fri"}
	for _, c := range []struct {
		name string
		now  time.Time
		cts  []policies.ClosingTime
		want time.Time
	}{
		{"later today", at(24, 10, 0), []policies.ClosingTime{{Time: "18:00"}}, at(24, 18, 0)},
		{"exactly now is past", at(24, 18, 0), []policies.ClosingTime{{Time: "18:00"}}, at(25, 18, 0)},
		{"tomorrow", at(24, 19, 0), []policies.ClosingTime{{Time: "18:00"}}, at(25, 18, 0)},
		{"weekdays from Friday evening", at(27, 19, 0), []policies.ClosingTime{{Time: "18:00", Days: weekdays}}, at(30, 18, 0)},
		{"earliest entry", at(28, 9, 0), []policies.ClosingTime{{Time: "18:00", Days: weekdays}, {Time: "12:30", Days: []string{"sat"}}}, at(28, 12, 30)},
		{"same day next week", at(24, 19, 0), []policies.ClosingTime{{Time: "18:00", Days: []string{"tue"}}}, at(24, 18, 0).AddDate(0, 0, 7)},
		{"invalid entries skipped", at(24, 10, 0), []policies.ClosingTime{{Time: "25:00"}, {Time: "7:5"}, {Time: "+7:05"}, {Time: "12:30"}}, at(24, 12, 30)},
	} {
		got, ok := NextClosing(c.now, c.cts)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: got %v %v, want %v", c.name, got, ok, c.want)
		}
	}
	if got, ok := NextClosing(at(24, 10, 0), nil); ok {
		t.Errorf("no closing time, got %v", got)
	}
	if got, ok := NextClosing(at(24, 10, 0), []policies.ClosingTime{{Time: "18:00", Days: []string{"noday"}}}); ok {
		t.Errorf("no valid day, got %v", got)
	}
}

// TestMoves: the lifecycle's table. A start never lands on top of a
// previous session's leftovers (Pending → Active): it retries the wipe,
// and is refused while entries remain.
func TestMoves(t *testing.T) {
	allowed := map[[2]State]bool{
		{Idle, Active}: true, {Active, Ending}: true, {Ending, Wiping}: true, {Wiping, Idle}: true,
		{Wiping, Pending}: true, {Pending, Wiping}: true, {Idle, Wiping}: true,
	}
	states := []State{Idle, Active, Ending, Wiping, Pending}
	for _, from := range states {
		for _, to := range states {
			err := Move(from, to)
			if allowed[[2]State{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
		}
	}
	if err := Move(Active, Idle); err == nil || !strings.Contains(err.Error(), "active to idle") {
		t.Errorf("message: %v", err)
	}
	if got := fmt.Sprint(states, State(9)); got != "[idle active ending wiping pending] state(9)" {
		t.Errorf("names: %s", got)
	}
}

// TestReasonsMatchTheWire: every reason is a wire value of agent/ipc and
// has its own French label.
func TestReasonsMatchTheWire(t *testing.T) {
	wire := []string{ipc.ReasonButton, ipc.ReasonIdle, ipc.ReasonLogout, ipc.ReasonMaxDuration, ipc.ReasonClosingTime, ipc.ReasonCommand, ipc.ReasonAgentStop, ipc.ReasonRecovery}
	seen := map[string]bool{}
	for i, r := range Reasons {
		if string(r) != wire[i] || !r.Valid() {
			t.Errorf("reason %q, wire %q", r, wire[i])
		}
		if l := r.Label(); l == string(r) || seen[l] {
			t.Errorf("%s: label %q missing or repeated", r, l)
		}
		seen[r.Label()] = true
	}
	if Reason("reboot").Valid() || Reason("reboot").Label() != "reboot" {
		t.Error("unknown reason accepted")
	}
}
