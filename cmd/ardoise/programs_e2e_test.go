//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/procs"
)

// kioskAccount creates a real account for the test, with its home in a
// scratch folder, and deletes it afterwards.
func kioskAccount(t *testing.T) (name string, uid int, home string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create a kiosk account and run the system service")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd is missing")
	}
	base, err := os.MkdirTemp("", "ardoise-kiosk-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	t.Cleanup(func() { os.RemoveAll(base) })
	name = fmt.Sprintf("ardtest%d", os.Getpid()%100000)
	home = filepath.Join(base, "home")
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", home, "--shell", "/bin/sh", "--user-group", name).CombinedOutput(); err != nil {
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

func runAs(uid int, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	cmd.Dir = "/"
	return cmd
}

// startSystemAgent runs the system service for the kiosk account name,
// with a policy that ends its programs (unless endPrograms says false),
// and starts a session as that account. cli runs the command line as asUID.
func startSystemAgent(t *testing.T, name string, uid int, home string, endPrograms ...bool) (cli func(asUID int, args ...string) (int, string), agentLog *syncBuffer) {
	t.Helper()
	base := filepath.Dir(home)
	policy := filepath.Join(base, "policy.yaml")
	end := len(endPrograms) == 0 || endPrograms[0]
	os.WriteFile(policy, []byte(fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true, end_programs: %v}\nroots: [{path: '{downloads}'}]\ntraces: []\n", name, end)), 0o644)
	_, cli, agentLog = runService(t, ardoiseBinary(t), base, policy)
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, out := cli(uid, "session", "start", "--json")
		if code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session start: %d %s\nagent:\n%s", code, out, agentLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cli, agentLog
}

// runService copies the program from into base and runs it as the system
// service (state folder and socket in base, the policy file given), with
// env added to its environment, until the test ends. cli runs the command
// line as an account against the service's socket: the exit code, and
// standard output (with standard error when it failed).
func runService(t *testing.T, from, base, policy string, env ...string) (bin string, cli func(asUID int, args ...string) (int, string), agentLog *syncBuffer) {
	t.Helper()
	state, sock := filepath.Join(base, "state"), filepath.Join(base, "a.sock")
	bin = filepath.Join(base, "ardoise")
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bin, data, 0o755)
	agentCmd := exec.Command(bin, "run", "--system", "--state-dir", state, "--socket", sock, "--policy", policy)
	agentCmd.Env = append(os.Environ(), env...)
	agentLog = &syncBuffer{}
	agentCmd.Stderr = agentLog
	agentCmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := agentCmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { agentCmd.Wait(); close(done) }()
	t.Cleanup(func() {
		agentCmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			agentCmd.Process.Kill()
		}
	})
	return bin, socketCLI(bin, sock), agentLog
}

// socketCLI runs the command line bin as an account against the socket
// sock: the exit code, and standard output (with standard error when it
// failed).
func socketCLI(bin, sock string) func(asUID int, args ...string) (int, string) {
	return func(asUID int, args ...string) (int, string) {
		cmd := runAs(asUID, bin, append(args, "--socket", sock)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), out.String() + errb.String()
		}
		return 0, out.String()
	}
}

// TestP1_SessionEndEndsEveryProgram: the system service, with a policy
// for a dedicated kiosk account that asks to end its programs. The person
// leaves behind a program named like a browser, one writing into the
// downloads every 10 ms, and a daemon that left its session. After
// "session end", none of the account's programs runs, the downloads are
// empty and still empty 5 s later.
func TestP1_SessionEndEndsEveryProgram(t *testing.T) {
	name, uid, home := kioskAccount(t)
	cli, agentLog := startSystemAgent(t, name, uid, home)

	dl := filepath.Join(home, "Downloads")
	for _, args := range [][]string{
		{"/bin/bash", "-c", "exec -a firefox sleep infinity"},
		{"/bin/sh", "-c", `i=0; while :; do i=$((i+1)); : > "$0/tick-$i"; sleep 0.01; done`, dl},
		{"/usr/bin/setsid", "-f", "/bin/sh", "-c", "sleep infinity"},
	} {
		cmd := runAs(uid, args[0], args[1:]...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go cmd.Wait()
	}
	time.Sleep(300 * time.Millisecond)
	if ticks, _ := filepath.Glob(filepath.Join(dl, "tick-*")); len(ticks) == 0 {
		t.Fatal("the writer did not start")
	}

	code, out := cli(0, "session", "end", "--json")
	if code != 0 {
		t.Fatalf("session end: %d %s\nagent:\n%s", code, out, agentLog.String())
	}
	var rep ipc.WipeReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.ProgramsEnded < 3 {
		t.Errorf("programs ended: %d, want at least 3", rep.ProgramsEnded)
	}
	if left := liveProcessesOf(uid); len(left) > 0 {
		t.Errorf("programs of the kiosk account still run: %q", left)
	}
	time.Sleep(5 * time.Second)
	if left, _ := filepath.Glob(filepath.Join(dl, "*")); len(left) != 0 {
		t.Errorf("the downloads are not empty 5 s after the end: %d entries (%q…)", len(left), left[0])
	}
	if !strings.Contains(agentLog.String(), "programs of the kiosk account ended") {
		t.Errorf("the agent did not log it:\n%s", agentLog.String())
	}
}

// liveProcessesOf lists uid's live processes, as "PID NAME".
func liveProcessesOf(uid int) []string {
	return liveProcesses(func(u int, _ string) bool { return u == uid })
}

// liveProcesses lists the processes that match by real uid and program,
// as "PID PROGRAM", read as the agent reads them (agent/procs). Zombies
// are left out: they have ended and wait for their parent to collect them.
func liveProcesses(match func(uid int, exe string) bool) []string {
	list, _ := procs.System{}.List()
	var out []string
	for _, p := range list {
		if !p.Ended && match(int(p.UIDs[0]), p.Exe) {
			out = append(out, fmt.Sprintf("%d %s", p.PID, p.Exe))
		}
	}
	return out
}

// TestP4_LingerAndUserUnits: the kiosk account has lingering on and a
// user service (systemd --user) that writes into the downloads, which
// would outlive the session. After "session end", lingering is off, the
// account's service manager is stopped, none of its programs runs, and
// the downloads stay empty. It needs a running systemd and logind, which
// CI's container does not have: there it is skipped, saying so.
func TestP4_LingerAndUserUnits(t *testing.T) {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		t.Skip("systemd is not running here (no /run/systemd/system): lingering and user services cannot exist")
	}
	for _, tool := range []string{"loginctl", "systemctl", "systemd-run"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing", tool)
		}
	}
	name, uid, home := kioskAccount(t)
	if out, err := exec.Command("loginctl", "enable-linger", name).CombinedOutput(); err != nil {
		t.Fatalf("loginctl enable-linger: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("loginctl", "disable-linger", name).Run() })
	userManager := fmt.Sprintf("user@%d.service", uid)
	for d := time.Now().Add(20 * time.Second); exec.Command("systemctl", "is-active", "--quiet", userManager).Run() != nil; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(d) {
			t.Fatalf("%s did not start with lingering on", userManager)
		}
	}
	cli, agentLog := startSystemAgent(t, name, uid, home)
	dl := filepath.Join(home, "Downloads")
	if out, err := exec.Command("systemd-run", "--machine="+name+"@.host", "--user", "--unit=ardoise-p4-writer",
		"/bin/sh", "-c", `i=0; while :; do i=$((i+1)); : > "$0/unit-$i"; sleep 0.05; done`, dl).CombinedOutput(); err != nil {
		t.Fatalf("start a user service: %v: %s", err, out)
	}
	for d := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ticks, _ := filepath.Glob(filepath.Join(dl, "unit-*")); len(ticks) > 0 {
			break
		}
		if time.Now().After(d) {
			t.Fatal("the user service did not write")
		}
	}

	if code, out := cli(0, "session", "end", "--json"); code != 0 {
		t.Fatalf("session end: %d %s\nagent:\n%s", code, out, agentLog.String())
	}
	out, _ := exec.Command("loginctl", "show-user", name, "--property=Linger", "--value").Output()
	if strings.TrimSpace(string(out)) == "yes" {
		t.Error("lingering is still on for the kiosk account")
	}
	if exec.Command("systemctl", "is-active", "--quiet", userManager).Run() == nil {
		t.Errorf("%s still runs", userManager)
	}
	if left := liveProcessesOf(uid); len(left) > 0 {
		t.Errorf("programs of the kiosk account still run: %q", left)
	}
	time.Sleep(5 * time.Second)
	if left, _ := filepath.Glob(filepath.Join(dl, "*")); len(left) != 0 {
		t.Errorf("the downloads are not empty 5 s after the end: %d entries", len(left))
	}
}

// TestLogoutEndsTheSession: with the system service, when no program of
// the kiosk account runs any more (the person logged out and the window
// could not say so), the session ends by itself, reason "logout", and
// what it created is erased.
func TestLogoutEndsTheSession(t *testing.T) {
	name, uid, home := kioskAccount(t)
	cli, agentLog := startSystemAgent(t, name, uid, home)
	doc := filepath.Join(home, "Downloads", "Attestation CAF.pdf")
	w := runAs(uid, "/bin/sh", "-c", `echo x > "$0"`, doc)
	if out, err := w.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, out := cli(0, "session", "status", "--json")
		var st ipc.Status
		if code == 0 && json.Unmarshal([]byte(out), &st) == nil && st.LastWipe != nil {
			if st.LastWipe.Reason != ipc.ReasonLogout || !st.LastWipe.Verified {
				t.Errorf("last wipe %+v, want a verified one for logout", st.LastWipe)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the session did not end after the account's last program ended\nagent:\n%s", agentLog.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if _, err := os.Lstat(doc); err == nil {
		t.Error("the session's document is still there")
	}
}

// TestKioskInUseStartsASession: on a computer that stays logged in, the
// person presses "Terminer ma session" and the next one sits down. With
// the system service, a session starts again by itself while the kiosk
// account has programs running, so that what the next person creates is
// erased too; and it ends when the account's last program ends.
func TestKioskInUseStartsASession(t *testing.T) {
	name, uid, home := kioskAccount(t)
	cli, agentLog := startSystemAgent(t, name, uid, home, false)
	status := func() ipc.Status {
		code, out := cli(0, "session", "status", "--json")
		var st ipc.Status
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("status: %d %s", code, out)
		}
		return st
	}
	desktop := runAs(uid, "/bin/sleep", "600") // the person's desktop session
	if err := desktop.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { desktop.Process.Kill(); desktop.Wait() }()
	first := status().SessionID
	if code, out := cli(uid, "session", "end"); code != 0 {
		t.Fatalf("session end: %d %s", code, out)
	}
	var next ipc.Status
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		if next = status(); next.State == ipc.StateActive && next.SessionID != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new session while the kiosk account is in use (state %s)\nagent:\n%s", next.State, agentLog.String())
		}
	}
	doc := filepath.Join(home, "Downloads", "CV.pdf")
	if out, err := runAs(uid, "/bin/sh", "-c", `echo x > "$0"`, doc).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	desktop.Process.Kill()
	desktop.Wait()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		st := status()
		if st.State != ipc.StateActive && st.LastWipe != nil && st.LastWipe.SessionID == next.SessionID {
			if st.LastWipe.Reason != ipc.ReasonLogout {
				t.Errorf("the second session ended by %q, want logout", st.LastWipe.Reason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second session did not end at logout\nagent:\n%s", agentLog.String())
		}
	}
	if _, err := os.Lstat(doc); err == nil {
		t.Error("the next person's document is still there")
	}
}
