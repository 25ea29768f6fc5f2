package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/policies"
)

// The checks below are the ones a session start makes, exported so that
// "ardoise policy check --on-this-machine" runs the very same code on a
// PC before a rollout instead of a second opinion that could drift from it.

// LoginDefs is where the system's first ordinary uid is read; a variable
// for the tests.
var LoginDefs = "/etc/login.defs"

// defaultUIDMin is login.defs' own default for UID_MIN.
const defaultUIDMin = 1000

// UIDMin returns UID_MIN from LoginDefs, or 1000 when it is absent or
// unreadable: below it are the accounts of services (www-data, saned…).
func UIDMin() uint32 {
	data, err := os.ReadFile(LoginDefs)
	if err != nil {
		return defaultUIDMin
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "UID_MIN" {
			if n, err := strconv.ParseUint(f[1], 10, 32); err == nil {
				return uint32(n)
			}
		}
	}
	return defaultUIDMin
}

// KioskRefusal says why account u may not have a public session under p,
// or "" if it may: root or SYSTEM never; on Linux a uid below UID_MIN
// (a service's account, whose folders are its data) unless the policy
// names it in accounts.kiosk_below_uid_min.
func KioskRefusal(p *policies.Policy, u userdirs.User) string {
	if isSystemAccount(u) {
		return "root or SYSTEM is never a public account"
	}
	if u.SID != "" {
		return "" // Windows accounts have no uid ranges
	}
	if min := UIDMin(); u.UID < min && !slices.Contains(p.Accounts.KioskBelowUIDMin, u.Name) {
		return fmt.Sprintf("uid %d is below UID_MIN %d (%s): a system account; give the public an ordinary account (adduser), or, if this one really is public, add it to accounts.kiosk_below_uid_min", u.UID, min, LoginDefs)
	}
	return ""
}

// RootCheck is what a session start would do with one root of the policy
// for one account.
type RootCheck struct {
	Label string
	// Path is the folder the root resolves to ("" if it does not).
	Path string
	// State is "watching", "refused" or "absent", as in the session's
	// status; Code and Reason say why, as there.
	State, Code, Reason string
	// Protection is "encrypted" when a session would encrypt the folder
	// (RootStatus.Protection), "deleted" otherwise, with ProtectionCode
	// and, for the admin, ProtectionWhy: why not and what to do.
	Protection, ProtectionCode, ProtectionWhy string
}

// AccountCheck is the verdict for one kiosk account of the policy.
type AccountCheck struct {
	Name string
	UID  uint32
	// Refused says why no session would start for it ("" when one would).
	Refused string
	Roots   []RootCheck
}

// CheckMachine resolves each kiosk account of p on this computer and
// opens its roots exactly as a session start does, then closes them:
// nothing is created, changed or erased. It needs root, as the service.
func CheckMachine(p *policies.Policy) []AccountCheck {
	// The service's checks: what a session start does in system mode.
	a := &Agent{log: slog.New(slog.DiscardHandler), cfg: Config{Mode: System}}
	var out []AccountCheck
	for _, name := range p.Accounts.Kiosk {
		ac := AccountCheck{Name: name}
		u, src, err := userdirs.LookupName(name)
		if err != nil {
			ac.Refused = fmt.Sprintf("no such account on this computer (%v)", err)
			out = append(out, ac)
			continue
		}
		ac.UID = u.UID
		if ac.Refused = KioskRefusal(p, u); ac.Refused != "" {
			out = append(out, ac)
			continue
		}
		s := &activeSession{policy: p, user: u, checkOnly: true}
		a.openRoots(s, src)
		for _, r := range s.roots {
			ac.Roots = append(ac.Roots, RootCheck{Label: r.policy.Label, Path: r.path, State: r.state, Code: r.code, Reason: r.reason,
				Protection: r.protection, ProtectionCode: r.protectionCode, ProtectionWhy: r.protectionWhy})
		}
		if len(s.unsafe) > 0 {
			ac.Refused = fmt.Sprintf("unsafe_root: a folder of the policy is a link that the session start cannot remove (%s); remove it or point the policy at the real folder", strings.Join(s.unsafe, ", "))
		}
		s.close()
		out = append(out, ac)
	}
	return out
}

// readOnly reports whether the mount d is on is read-only for this
// process: under the unit's ProtectSystem=strict, a root outside
// ReadWritePaths is. Nothing could be erased there, and a wipe that tried
// would stay pending for ever, refusing every later session.
func readOnly(d *safefs.Dir) bool {
	m, err := d.Mount()
	if err != nil {
		return false
	}
	return slices.Contains(strings.Split(m.Options, ","), "ro")
}
