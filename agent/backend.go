package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/peercred"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

// The methods below are the agent as its local interface sees it
// (ipcserver.Backend). The server has already checked who may call them.

// Owner returns the account of the running session's user.
func (a *Agent) Owner() (peercred.Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil {
		return peercred.Account{}, false
	}
	return account(a.cur.user), true
}

// Status says what the agent is doing; it holds no file name.
func (a *Agent) Status(ctx context.Context) ipc.Status {
	broken := promiseBroken()
	a.mu.Lock()
	defer a.mu.Unlock()
	st := ipc.Status{State: a.state.String(), UserUID: -1, AgentVersion: a.cfg.Version, LastWipe: withoutNames(a.lastWipe), Roots: []ipc.RootStatus{},
		Notice:         ipc.Notice{Languages: a.policy().Notice.Languages, Mode: a.policy().Notice.Mode, Text: a.policy().Notice.Text},
		ClearClipboard: slices.Contains(a.policy().Traces, "clipboard"),
		Accompanied:    ipc.Accompanied{Available: a.policy().Session.Accompanied.Enabled, CodeRequired: a.policy().Session.Accompanied.StaffCodeHash != ""}}
	if s := a.cur; s != nil {
		st.Mode, st.SessionID, st.UserUID = s.mode, s.id, int(s.user.UID)
		st.Started = s.started
		st.PromiseBroken = broken
		var degraded []int
		if s.watcher != nil {
			degraded = s.watcher.Stats().Degraded
		}
		for i, r := range s.roots {
			rs := ipc.RootStatus{Label: r.policy.Label, State: r.state, Code: r.code, Reason: r.reason, Protection: r.protection, ProtectionCode: r.protectionCode}
			if rs.State == "watching" && (s.watcher == nil || slices.Contains(degraded, i)) {
				rs.State = "rescan"
			}
			if rs.State == "absent" && s.absent.appeared(i) {
				rs.State = "watching" // made during the session, and watched
			}
			st.Roots = append(st.Roots, rs)
		}
		st.Counts.Entries, st.Counts.Files = s.entries, s.files
		if a.cfg.Mode == System {
			st.Browser = browserCommand(s.policy, s.mode)
			if st.Browser != nil && s.tmpdir != "" {
				st.Browser.Env = []string{"TMPDIR=" + s.tmpdir}
			}
		}
		if s.timers != nil && a.state == session.Active {
			st.Deadlines.IdleEnd, st.Deadlines.MaxEnd, st.Deadlines.ClosingEnd = s.timers.Deadlines(time.Now())
		}
	}
	return st
}

// Preview lists what the end of the session will erase, changing nothing
// (the actor's preview, actor.go).
func (a *Agent) Preview(ctx context.Context, limit int) (ipc.Preview, error) {
	return a.requestPreview(ctx, limit)
}

// policyHash names the policy in force for the metrics: the start of the
// SHA-256 of the effective policy ("ardoise policy show"), the same for
// the same rules whatever the file's comments and layout.
func policyHash(p *policies.Policy) string {
	out, err := p.YAML()
	if err != nil {
		return ""
	}
	h := sha256.Sum256(out)
	return hex.EncodeToString(h[:6])
}

// previewID names an entry for the window without saying where it is:
// a hash of the session and the entry's identity, stable between two
// previews of one session and meaningless outside it.
func previewID(sessionID string, id safefs.Identity) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d", sessionID, id.Dev, id.Ino, id.Btime)
	return hex.EncodeToString(h.Sum(nil)[:9])
}

// withoutNames copies a report for anyone: Status may be read by any local
// user, so the names of what is pending stay out of it.
func withoutNames(r *ipc.WipeReport) *ipc.WipeReport {
	if r == nil {
		return nil
	}
	c := *r
	c.Pending = nil
	return &c
}

func kindWord(k string) string {
	switch k {
	case "downloads":
		return "downloaded"
	case "scans":
		return "scanned"
	}
	return "created"
}

// Start starts a session for the peer's own user.
func (a *Agent) Start(ctx context.Context, p ipcserver.Peer, r ipc.StartRequest) (ipc.Status, error) {
	if r.Mode == ipc.ModeAccompanied {
		if err := a.checkAccompanied(p, r.StaffCode); err != nil {
			return ipc.Status{}, err
		}
	}
	if a.cfg.Mode == Foreground {
		// A foreground agent acts for the user who started it, and only
		// that user (or root) may ask.
		if !p.Account().Same(account(a.cfg.User)) && p.UID != 0 {
			return ipc.Status{}, ipc.Errorf(ipc.CodeForbidden, "cet agent agit pour un autre utilisateur (this agent acts for another user)")
		}
		return a.countRefusal(a.requestStart(ctx, a.cfg.User, a.cfg.Source, r.Mode))
	}
	u, src, err := lookupPeer(p)
	if err != nil {
		return ipc.Status{}, ipc.Errorf(ipc.CodeForbidden, "compte inconnu (unknown account)")
	}
	if p.UID == 0 || !isKiosk(a.policy().Accounts.Kiosk, u, localDomain()) {
		return ipc.Status{}, ipc.Errorf(ipc.CodeNotKiosk, "ce compte n'est pas un compte public de la politique (this account is not one of the policy's kiosk accounts)")
	}
	if why := KioskRefusal(a.policy(), u); why != "" {
		a.log.Warn("no session for a kiosk account that is a system account", "uid", u.UID, "why", why)
		return ipc.Status{}, ipc.Errorf(ipc.CodeSystemAccount, "ce compte est un compte du système, pas un compte public (this account is a system account: %s)", why)
	}
	return a.countRefusal(a.requestStart(ctx, u, src, r.Mode))
}

// countRefusal counts a start someone asked for and that a pending wipe
// refused (the agent's own attempts every few seconds while a kiosk
// account is in use are counted as wipe retries only).
func (a *Agent) countRefusal(st ipc.Status, err error) (ipc.Status, error) {
	var ie *ipcserver.Error
	if errors.As(err, &ie) && ie.Code == ipc.CodeWipePending {
		a.metrics.SessionRefused(ipc.CodeWipePending)
	}
	return st, err
}

// End ends the session and returns the wipe's report.
func (a *Agent) End(ctx context.Context, p ipcserver.Peer, r ipc.EndRequest) (ipc.WipeReport, error) {
	reason := session.Reason(r.Reason)
	if owner, ok := a.Owner(); p.Admin && (!ok || !p.Account().Same(owner)) {
		reason = session.Command
	}
	return a.requestEnd(ctx, reason)
}

// account is how the local interface names u.
func account(u userdirs.User) peercred.Account {
	return peercred.Account{UID: u.UID, SID: u.SID}
}

// Idle records how long the person has been away.
func (a *Agent) Idle(ctx context.Context, p ipcserver.Peer, r ipc.IdleReport) error {
	return a.requestIdle(ctx, time.Duration(r.IdleSeconds)*time.Second)
}

// Subscribe streams events after since.
func (a *Agent) Subscribe(since uint64) (<-chan ipc.Event, func()) { return a.bus.subscribe(since) }

// browserCommand is the private-window command of the policy's browser for
// a session in mode, for the window to run; nil when none is to be opened
// or it is not installed.
func browserCommand(p *policies.Policy, mode string) *ipc.Command {
	id, page := p.BrowserFor(mode)
	if id == "" || id == "none" {
		return nil
	}
	b, err := browsers.Lookup(browsers.ID(id))
	if err != nil {
		return nil
	}
	cmd, err := browsers.PrivateCommand(context.Background(), b, page)
	if err != nil {
		return nil
	}
	return &ipc.Command{Program: cmd.Path, Args: cmd.Args[1:]}
}

// lookupPeer finds the peer's account: by SID on Windows, by uid elsewhere.
func lookupPeer(p ipcserver.Peer) (userdirs.User, userdirs.Source, error) {
	if p.SID != "" {
		return userdirs.LookupSID(p.SID)
	}
	return userdirs.Lookup(p.UID)
}

// isKiosk reports whether u is one of the policy's public accounts. On
// Windows an account is named DOMAIN\name and names do not depend on case;
// the policy may give a local account (local is this computer's own
// domain, PC-BIBLI in PC-BIBLI\lecteur) by its name alone, never a
// domain's: a staff member's domain account called "lecteur" is not the
// public one.
func isKiosk(kiosk []string, u userdirs.User, local string) bool {
	if u.SID == "" {
		return slices.Contains(kiosk, u.Name)
	}
	domain, bare, _ := strings.Cut(u.Name, `\`)
	if bare == "" {
		domain, bare = "", u.Name
	}
	for _, k := range kiosk {
		if strings.EqualFold(k, u.Name) || (local != "" && strings.EqualFold(domain, local) && strings.EqualFold(k, bare)) {
			return true
		}
	}
	return false
}
