package session

import (
	"testing"
	"testing/synctest"
	"time"
	_ "time/tzdata"

	"github.com/ardoise-fr/ardoise/policies"
)

func pol(idle, warn, max, before time.Duration, closing ...policies.ClosingTime) policies.Session {
	return policies.Session{IdleTimeout: policies.Duration(idle), IdleWarning: policies.Duration(warn),
		MaxDuration: policies.Duration(max), WarnBefore: policies.Duration(before), ClosingTimes: closing}
}

// run drives the timers the way the agent does: sleep until Next, act,
// repeat; it returns what happened, in order, as offsets from the start.
func run(t *testing.T, tm *Timers, until time.Duration, onWake func(now time.Time)) []string {
	var log []string
	start := time.Now()
	for time.Since(start) < until {
		n, ok := tm.Next(time.Now())
		if !ok {
			break
		}
		time.Sleep(time.Until(n.At))
		if onWake != nil {
			onWake(time.Now())
			if m, _ := tm.Next(time.Now()); m != n {
				continue
			}
		}
		kind := "end"
		if n.Warn {
			kind = "warn"
			tm.Warned(n)
		}
		log = append(log, kind+" "+string(n.Reason)+" "+time.Since(start).String())
		if !n.Warn {
			break
		}
	}
	return log
}

func TestIdleTimeoutWithWarning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, time.Minute, 0, 5*time.Minute), time.Now())
		if _, ok := tm.Next(time.Now()); ok {
			t.Fatal("an idle end is scheduled before any window reported idleness")
		}
		tm.ReportIdle(0, time.Now())
		got := run(t, tm, time.Hour, nil)
		want := []string{"warn idle 14m0s", "end idle 15m0s"}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestActivityPushesIdleBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(15*time.Minute, time.Minute, 0, 5*time.Minute), time.Now())
		tm.ReportIdle(0, time.Now())
		time.Sleep(10 * time.Minute)
		tm.ReportIdle(0, time.Now()) // the person typed
		got := run(t, tm, time.Hour, nil)
		if len(got) != 2 || got[1] != "end idle 15m0s" { // 15 min after the activity at +10m
			t.Errorf("got %v", got)
		}
		// Activity during the countdown cancels it.
		tm = NewTimers(pol(15*time.Minute, time.Minute, 0, 5*time.Minute), time.Now())
		tm.ReportIdle(0, time.Now())
		n, _ := tm.Next(time.Now())
		time.Sleep(time.Until(n.At))
		tm.Warned(n)
		time.Sleep(30 * time.Second)
		tm.ReportIdle(0, time.Now()) // "Je suis encore là"
		n, _ = tm.Next(time.Now())
		if !n.Warn || time.Until(n.EndAt) != 15*time.Minute {
			t.Errorf("after activity the next step is %+v, want a new warning before a new end", n)
		}
	})
}

func TestMaxDurationAndEarliestWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tm := NewTimers(pol(0, time.Minute, 2*time.Hour, 10*time.Minute), time.Now())
		got := run(t, tm, 3*time.Hour, nil)
		if len(got) != 2 || got[0] != "warn max_duration 1h50m0s" || got[1] != "end max_duration 2h0m0s" {
			t.Errorf("got %v", got)
		}
		tm = NewTimers(pol(15*time.Minute, time.Minute, 10*time.Minute, 2*time.Minute), time.Now())
		tm.ReportIdle(0, time.Now())
		got = run(t, tm, time.Hour, nil)
		if got[len(got)-1] != "end max_duration 10m0s" {
			t.Errorf("the earliest end must win: %v", got)
		}
	})
}

func TestDisabledTriggersNeverFire(t *testing.T) {
	tm := NewTimers(pol(0, time.Minute, 0, 5*time.Minute), time.Now())
	tm.ReportIdle(0, time.Now())
	if n, ok := tm.Next(time.Now()); ok {
		t.Errorf("nothing is configured, yet Next = %+v", n)
	}
}

func TestNextClosingAcrossMidnightAndDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cts := []policies.ClosingTime{{Time: "18:00", Days: []string{"sat"}}, {Time: "12:30", Days: []string{"tue", "thu"}}}
	// Friday 2026-03-27 20:00: next is Saturday 18:00 (DST starts Sunday 29).
	now := time.Date(2026, 3, 27, 20, 0, 0, 0, paris)
	got, ok := NextClosing(now, cts)
	if !ok || !got.Equal(time.Date(2026, 3, 28, 18, 0, 0, 0, paris)) {
		t.Errorf("got %v", got)
	}
	// Saturday after closing: Tuesday 12:30, across the DST change; the
	// gap is 65h30 of wall clock but one hour less of real time.
	now = time.Date(2026, 3, 28, 19, 0, 0, 0, paris)
	got, _ = NextClosing(now, cts)
	if want := time.Date(2026, 3, 31, 12, 30, 0, 0, paris); !got.Equal(want) || got.Sub(now) != 64*time.Hour+30*time.Minute {
		t.Errorf("got %v (%v after), want %v", got, got.Sub(now), want)
	}
	// Every day.
	got, _ = NextClosing(time.Date(2026, 6, 1, 23, 59, 0, 0, paris), []policies.ClosingTime{{Time: "00:00"}})
	if !got.Equal(time.Date(2026, 6, 2, 0, 0, 0, 0, paris)) {
		t.Errorf("midnight: %v", got)
	}
}

func TestMoves(t *testing.T) {
	for _, ok := range [][2]State{{Idle, Active}, {Active, Ending}, {Ending, Wiping}, {Wiping, Idle}, {Wiping, Pending}, {Pending, Wiping}, {Idle, Wiping}} {
		if err := Move(ok[0], ok[1]); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range [][2]State{{Idle, Ending}, {Active, Idle}, {Wiping, Active}, {Ending, Active}} {
		if Move(bad[0], bad[1]) == nil {
			t.Errorf("%s → %s accepted", bad[0], bad[1])
		}
	}
}
