package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/peercred"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/policies"
)

// makeAccount creates a real local account (a system one with --system,
// whose uid is below UID_MIN) with a home folder holding Downloads.
func makeAccount(t *testing.T, suffix string, system bool) (name string, uid int, home string) {
	t.Helper()
	base, err := os.MkdirTemp("", "ardoise-parity-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	t.Cleanup(func() { os.RemoveAll(base) })
	name = fmt.Sprintf("ardp%s%d", suffix, os.Getpid()%10000)
	home = filepath.Join(base, "home")
	args := []string{"--no-create-home", "--home-dir", home, "--shell", "/bin/sh", "--user-group"}
	if system {
		args = append(args, "--system")
	}
	if out, err := exec.Command("useradd", append(args, name)...).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	for _, d := range []string{home, filepath.Join(home, "Downloads")} {
		os.Mkdir(d, 0o755)
		os.Chown(d, uid, uid)
	}
	return name, uid, home
}

// startVerdict is what a real session start in system mode says for the
// account: the refusal's code, or each policy root's state and code.
func startVerdict(t *testing.T, p *policies.Policy, uid int) (refused string, roots []RootCheck) {
	t.Helper()
	state := filepath.Join(t.TempDir(), "state")
	if err := journal.MakeStateDir(state); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Mode: System, Policy: p, StateDir: state, Socket: filepath.Join(state, "s.sock")})
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := journal.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	a.journal = j
	// The session actor, as Run starts it (actor.go).
	ctx, stop := context.WithCancel(context.Background())
	go a.serve(ctx, nil, make(chan struct{}))
	defer func() { stop(); <-a.stopped }()
	st, err := a.Start(ctx, ipcserver.Peer{Peer: peercred.Peer{UID: uint32(uid), GID: uint32(uid)}}, ipc.StartRequest{Mode: ipc.ModePublic})
	var ie *ipcserver.Error
	if errors.As(err, &ie) {
		return ie.Code, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Roots[:len(p.Roots)] { // then come the traces' folders
		roots = append(roots, RootCheck{Label: r.Label, State: r.State, Code: r.Code})
	}
	if _, err := a.requestEnd(ctx, session.Command); err != nil {
		t.Fatal(err)
	}
	return "", roots
}

// TestCheckMachineAgreesWithSessionStart runs a corpus of policies and
// machines through a real session start of the system service and through
// CheckMachine ("policy check --on-this-machine"), and wants the same
// verdict for each account and each root: a system account (uid below
// UID_MIN) refused unless the policy names it, a root that is a link, an
// absent root, a read-only root (what ProtectSystem=strict makes of a root
// outside ReadWritePaths), and roots that are fine.
func TestCheckMachineAgreesWithSessionStart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: real accounts, a read-only bind mount, the system service's session start")
	}
	kiosk, kioskUID, home := makeAccount(t, "k", false)
	sys, sysUID, _ := makeAccount(t, "s", true)
	if uint32(sysUID) >= UIDMin() || uint32(kioskUID) < UIDMin() {
		t.Skipf("useradd gave uids %d (system) and %d (ordinary) around UID_MIN %d", sysUID, kioskUID, UIDMin())
	}
	site := t.TempDir()
	target := filepath.Join(site, "target")
	os.Mkdir(target, 0o755)
	if err := os.Symlink(target, filepath.Join(site, "link")); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(site, "ro")
	os.Mkdir(ro, 0o755)
	if out, err := exec.Command("mount", "--bind", ro, ro).CombinedOutput(); err != nil {
		t.Skipf("mount --bind: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", ro).Run() })
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", ro).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	_ = home

	roots := fmt.Sprintf(`roots:
  - {path: "{downloads}"}
  - {path: "{documents}"}
  - {path: %q, label: target}
  - {path: %q, label: ro}
`, target, ro)
	// A root that is a link refuses the session in system mode (RC5): a
	// person must never start with a folder Ardoise does not watch.
	withLink := roots + fmt.Sprintf("  - {path: %q, label: link}\n", filepath.Join(site, "link"))
	cases := []struct {
		name, policy string
		uid          int
		code         string // the session start's refusal, "" for none
	}{
		{"ordinary account, mixed roots", fmt.Sprintf("version: 1\naccounts: {kiosk: [%s]}\n%s", kiosk, roots), kioskUID, ""},
		{"a root that is a link", fmt.Sprintf("version: 1\naccounts: {kiosk: [%s]}\n%s", kiosk, withLink), kioskUID, "unsafe_root"},
		{"system account", fmt.Sprintf("version: 1\naccounts: {kiosk: [%s]}\n%s", sys, roots), sysUID, "system_account"},
		{"system account named as allowed", fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], kiosk_below_uid_min: [%s]}\n%s", sys, sys, roots), sysUID, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := policies.Parse(c.name+".yaml", []byte(c.policy))
			if err != nil {
				t.Fatal(err)
			}
			code, got := startVerdict(t, p, c.uid)
			checks := CheckMachine(p)
			if len(checks) != 1 {
				t.Fatalf("CheckMachine: %d accounts, want 1", len(checks))
			}
			ck := checks[0]
			if code != c.code || (ck.Refused != "") != (c.code != "") {
				t.Fatalf("account refused: session start %q, check %q; want %q", code, ck.Refused, c.code)
			}
			if c.code != "" {
				return
			}
			if len(ck.Roots) != len(got) {
				t.Fatalf("check has %d roots, session %d", len(ck.Roots), len(got))
			}
			for i := range got {
				if got[i].State != ck.Roots[i].State || got[i].Code != ck.Roots[i].Code {
					t.Errorf("root %s: session start %s/%s, check %s/%s", got[i].Label, got[i].State, got[i].Code, ck.Roots[i].State, ck.Roots[i].Code)
				}
			}
			want := []string{"watching/", "absent/absent", "watching/", "refused/read_only"}
			for i, w := range want {
				if g := got[i].State + "/" + got[i].Code; g != w {
					t.Errorf("root %s: %s, want %s", got[i].Label, g, w)
				}
			}
		})
	}
}
