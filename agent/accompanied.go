package agent

import (
	"time"

	"github.com/ardoise-fr/ardoise/agent/activity"
	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/staffcode"
)

// checkAccompanied lets an accompanied session start only where the policy
// enables it, and with the staff code when it asks for one. Root needs no
// code from the system service (staff at the console); a foreground agent
// asks it of everyone, root included, since its user is the person at the
// keyboard. Wrong codes are slowed down for everyone.
func (a *Agent) checkAccompanied(p ipcserver.Peer, code string) error {
	acc := a.policy().Session.Accompanied
	if !acc.Enabled {
		return ipc.Errorf(ipc.CodeAccompaniedDisabled,
			"l'accompagnement n'est pas activé sur cet ordinateur (accompanied sessions are not enabled in the policy: session.accompanied.enabled)")
	}
	if acc.StaffCodeHash == "" || (p.UID == 0 && a.cfg.Mode == System) {
		return nil
	}
	now := time.Now()
	if ok, wait := a.codes.Allow(now); !ok {
		return ipc.Errorf(ipc.CodeTooManyAttempts,
			"trop d'essais: attendez %d secondes (too many wrong codes; wait %s)", int(wait.Seconds()+0.5), wait.Round(time.Second))
	}
	ok, err := staffcode.Verify(acc.StaffCodeHash, code)
	if err != nil {
		return ipc.Errorf(ipc.CodePolicy, "le code du personnel est mal configuré (the policy's staff code hash is invalid)")
	}
	if !ok {
		a.codes.Fail(now)
		a.log.Warn("wrong staff code for an accompanied session", "uid", p.UID)
		return ipc.Errorf(ipc.CodeWrongCode, "code incorrect (wrong staff code)")
	}
	a.codes.Succeed()
	return nil
}

// checklist ticks the charter's checklist from what the end of session s
// did and verified (rep).
func (a *Agent) checklist(s *activeSession, rep ipc.WipeReport) []ipc.CheckItem {
	private := ipc.CheckItem{Code: ipc.CheckPrivateBrowsing, OK: true}
	switch {
	case browsers.PrivateForced(a.cfg.StateDir):
		private.Why = "forced"
	case s.privateOpened:
		private.Why = "opened_private"
	default:
		private.OK, private.Why = false, "not_forced"
	}
	docs := ipc.CheckItem{Code: ipc.CheckDocuments, Count: rep.Removed.Files, OK: rep.Verified && rep.PendingCount == 0, Why: "verified"}
	if !docs.OK {
		docs.Why = "left"
	}
	closed := ipc.CheckItem{Code: ipc.CheckBrowsersClosed, Count: len(rep.Browsers.Closed), OK: rep.Browsers.Error == ""}
	data := ipc.CheckItem{Code: ipc.CheckBrowserData, Count: rep.Browsers.Profiles, OK: rep.Browsers.Error == "" && rep.Browsers.Pending == 0}
	for _, it := range []*ipc.CheckItem{&closed, &data} {
		if !it.OK {
			it.Why = "error"
		}
	}
	traces := ipc.CheckItem{Code: ipc.CheckOtherTraces, Count: len(rep.Traces), OK: true}
	return []ipc.CheckItem{private, docs, closed, data, traces}
}

// recordActivity adds the anonymous record of an accompanied session.
func (a *Agent) recordActivity(s *activeSession, rep ipc.WipeReport) {
	outcome := "complete"
	for _, it := range rep.Checklist {
		if !it.OK {
			outcome = "incomplete"
		}
	}
	r := activity.Record{
		Date:      rep.Finished.Local().Format(time.DateOnly),
		Duration:  activity.Bucket(rep.Finished.Sub(s.started)),
		Documents: rep.Removed.Files,
		Browsers:  len(rep.Browsers.Closed),
		Outcome:   outcome,
	}
	if err := activity.Open(a.cfg.StateDir, s.policy.Session.Accompanied.ReportRetention.D()).Add(r, time.Now()); err != nil {
		a.log.Warn("the accompanied session could not be counted", "err", err)
	}
	a.metrics.Accompanied(outcome)
}

// pruneActivity enforces the retention of the activity records even when
// no accompanied session ends for a long time.
func (a *Agent) pruneActivity() {
	l := activity.Open(a.cfg.StateDir, a.policy().Session.Accompanied.ReportRetention.D())
	if err := l.Prune(time.Now()); err != nil {
		a.log.Warn("old activity records could not be removed", "err", err)
	}
}
