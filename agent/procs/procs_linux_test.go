package procs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// testUID is an account no one else uses, so that ending its processes
// cannot touch other tests running at the same time (several use nobody).
var testUID = uint32(61000 + os.Getpid()%1000)

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run processes as another account (threats.md §4.5 [R])")
	}
}

func startAs(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: testUID, Gid: testUID}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	return cmd
}

func accountProcesses(t *testing.T) []Proc {
	t.Helper()
	list, err := System{}.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []Proc
	for _, p := range list {
		if p.ownedBy(testUID) && !p.Ended {
			out = append(out, p)
		}
	}
	return out
}

func sharedDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "ardoise-procs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	return dir
}

// TestP1_SurvivorsThatWriteFiles: a process named like a browser, a
// process writing a file every 10 ms into the downloads, and a daemon
// that left its session. None survives, and nothing is written after.
func TestP1_SurvivorsThatWriteFiles(t *testing.T) {
	needRoot(t)
	dir := sharedDir(t)
	dl := filepath.Join(dir, "Downloads")
	os.Mkdir(dl, 0o755)
	os.Chown(dl, int(testUID), int(testUID))
	startAs(t, "/bin/bash", "-c", "exec -a firefox sleep infinity")
	startAs(t, "/bin/sh", "-c", `i=0; while :; do i=$((i+1)); : > "$0/tick-$i"; sleep 0.01; done`, dl)
	startAs(t, "/usr/bin/setsid", "-f", "/bin/sh", "-c", "sleep infinity")
	deadline := time.Now().Add(5 * time.Second)
	for len(accountProcesses(t)) < 4 || len(mustRead(t, dl)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the survivors did not start: %v", accountProcesses(t))
		}
		time.Sleep(20 * time.Millisecond)
	}

	r, err := EndUser(context.Background(), System{}, testUID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if left := accountProcesses(t); len(left) != 0 {
		t.Fatalf("processes of the account remain: %+v", left)
	}
	if r.Killed < 4 {
		t.Errorf("report %+v, want at least 4 killed", r)
	}
	// The wipe runs now; 5 s later the folder is still empty.
	for _, f := range mustRead(t, dl) {
		os.Remove(filepath.Join(dl, f))
	}
	time.Sleep(5 * time.Second)
	if left := mustRead(t, dl); len(left) != 0 {
		t.Errorf("written after the end: %v", left)
	}
}

func mustRead(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestP2_Respawner: a program that starts a copy of itself and exits,
// every millisecond, so its number keeps changing. Ending the account
// catches it; the report says how long that took.
func TestP2_Respawner(t *testing.T) {
	needRoot(t)
	dir := sharedDir(t)
	script := filepath.Join(dir, "respawn.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nsleep 0.001\n/bin/sh \"$0\" &\nexit 0\n"), 0o755)
	startAs(t, "/bin/sh", script)
	time.Sleep(200 * time.Millisecond)
	// One listing can miss a respawner (it is never where the listing
	// saw it): look several times.
	seen := func() []Proc {
		for range 50 {
			if l := accountProcesses(t); len(l) > 0 {
				return l
			}
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	}
	if seen() == nil {
		t.Fatal("the respawner is not running")
	}
	r, err := EndUser(context.Background(), System{}, testUID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if left := seen(); len(left) != 0 {
		t.Fatalf("the respawner survived: %+v", left)
	}
	t.Logf("respawner ended in %s, %d rounds, %d killed", r.Duration, r.Rounds, r.Killed)
}

// TestEndUserKeepsWhatItIsTold: the agent's own window is kept.
func TestEndUserKeepsWhatItIsTold(t *testing.T) {
	needRoot(t)
	keep := startAs(t, "/bin/sleep", "30")
	startAs(t, "/bin/sh", "-c", "sleep 30")
	time.Sleep(100 * time.Millisecond)
	r, err := EndUser(context.Background(), System{}, testUID, Options{Keep: func(p Proc) bool { return p.PID == keep.Process.Pid }})
	if err != nil {
		t.Fatal(err)
	}
	left := accountProcesses(t)
	if len(left) != 1 || left[0].PID != keep.Process.Pid || r.Kept != 1 {
		t.Errorf("left %+v, report %+v; want only the kept one", left, r)
	}
	keep.Process.Kill()
}

// fakeTable lists PID 4242 for uid 1001; when opened, the number has been
// given to a root process started later.
type fakeTable struct {
	opened bool
	killed []int
}

func (f *fakeTable) List() ([]Proc, error) {
	if f.opened {
		return []Proc{{PID: 4242, Start: 900}}, nil // root's now
	}
	return []Proc{{PID: 4242, UIDs: [4]uint32{1001, 1001, 1001, 1001}, Start: 500}}, nil
}

func (f *fakeTable) Open(pid int) (Handle, error) {
	f.opened = true
	return fakeHandle{f, Proc{PID: pid, Start: 900}}, nil
}

type fakeHandle struct {
	f *fakeTable
	p Proc
}

func (h fakeHandle) Proc() (Proc, error) { return h.p, nil }
func (h fakeHandle) Stop() error         { h.f.killed = append(h.f.killed, h.p.PID); return nil }
func (h fakeHandle) Continue() error     { return nil }
func (h fakeHandle) Kill() error         { h.f.killed = append(h.f.killed, h.p.PID); return nil }
func (h fakeHandle) Terminate() error    { h.f.killed = append(h.f.killed, h.p.PID); return nil }
func (h fakeHandle) Close() error        { return nil }

// TestP3_PIDReuse: the listed process exits and its number goes to a
// root process before the kill: the handle shows uid 0 and another start
// time, and nothing is signalled.
func TestP3_PIDReuse(t *testing.T) {
	f := &fakeTable{}
	r, err := EndUser(context.Background(), f, 1001, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.killed) != 0 || r.Skipped != 1 || r.Killed != 0 {
		t.Errorf("killed %v, report %+v; want nothing signalled and one skipped", f.killed, r)
	}
	if _, err := EndUser(context.Background(), f, 0, Options{}); !errors.Is(err, ErrRefused) {
		t.Errorf("root's processes: %v", err)
	}
}

// TestKeptProgramIsNeverLeftStopped: the account is frozen with one
// kill(-1, SIGSTOP), whose delivery may land after the listing that looks
// for stopped processes. A kept program (the person's Ardoise window, or
// "ardoise session end" waiting for its answer) listed as still running
// must be continued all the same, or it stays stopped for ever. A busy
// program on another core widens the window; hundreds of rounds.
func TestKeptProgramIsNeverLeftStopped(t *testing.T) {
	needRoot(t)
	rounds := 200
	if testing.Short() {
		rounds = 50
	}
	for i := 0; i < rounds; i++ {
		keep := startAs(t, "/bin/sh", "-c", "while :; do :; done")
		startAs(t, "/bin/sleep", "30") // something to end
		time.Sleep(time.Millisecond)
		_, err := EndUser(context.Background(), System{}, testUID, Options{Keep: func(p Proc) bool { return p.PID == keep.Process.Pid }})
		if err != nil {
			keep.Process.Kill()
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		p, err := readProc(keep.Process.Pid)
		keep.Process.Kill()
		if err != nil {
			t.Fatal(err)
		}
		if p.Stopped {
			t.Fatalf("round %d: the kept program was left stopped", i)
		}
	}
}

// TestEndProcsEndsOnlyTheListed: EndProcs ends the processes listed, the
// polite one on SIGTERM and the one that ignores it by force, leaves the
// account's other programs running, and never signals a listing whose
// process has become another one (a start time that no longer matches,
// P-3).
func TestEndProcsEndsOnlyTheListed(t *testing.T) {
	needRoot(t)
	polite := startAs(t, "/bin/sleep", "60")
	stubborn := startAs(t, "/bin/sh", "-c", `trap "" TERM; while :; do sleep 0.05; done`)
	other := startAs(t, "/bin/sleep", "61")
	defer other.Process.Kill()
	time.Sleep(100 * time.Millisecond)
	var list []Proc
	var stale Proc
	for _, p := range accountProcesses(t) {
		switch p.PID {
		case polite.Process.Pid, stubborn.Process.Pid:
			list = append(list, p)
		case other.Process.Pid:
			stale = p
			stale.Start++ // as if the number had been given again
		}
	}
	if len(list) != 2 || stale.PID == 0 {
		t.Fatalf("listed %+v and %+v: the test's processes are not all running", list, stale)
	}
	e, err := EndProcs(context.Background(), System{}, testUID, append(list, stale), 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if e.Graceful != 1 || e.Killed != 1 || e.Skipped != 1 || e.Left != 0 {
		t.Errorf("ended %+v, want 1 graceful, 1 killed, 1 skipped", e)
	}
	for _, p := range accountProcesses(t) {
		if p.PID == polite.Process.Pid || p.PID == stubborn.Process.Pid {
			t.Errorf("listed process %d still running", p.PID)
		}
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the process whose listing was stale was signalled: %v", err)
	}
	if _, err := EndProcs(context.Background(), System{}, 0, nil, time.Second); !errors.Is(err, ErrRefused) {
		t.Errorf("root: %v, want ErrRefused", err)
	}
}
