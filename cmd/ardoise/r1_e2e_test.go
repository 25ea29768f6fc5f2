//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The attacker of TestRC1_ChownByNameAtSessionStart is this test binary,
// run again as the kiosk account with R1_ATTACKER set.
func init() {
	if os.Getenv("R1_ATTACKER") != "mkdir" {
		return
	}
	os.Exit(r1SwapNewFolder(os.Args[1], os.Args[2], os.Args[3]))
}

// r1SwapNewFolder watches dir and, each time the folder name appears
// there, removes it and hard-links target in its place.
func r1SwapNewFolder(dir, name, target string) int {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return 1
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE); err != nil {
		return 1
	}
	os.Stdout.WriteString("ready\n")
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return 1
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nb := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if string(bytes.TrimRight(nb, "\x00")) != name || ev.Mask&unix.IN_ISDIR == 0 {
				continue
			}
			p := filepath.Join(dir, name)
			if unix.Rmdir(p) == nil {
				unix.Link(target, p)
			}
		}
	}
}

var (
	raceBinOnce sync.Once
	raceBin     string
	raceBinErr  error
)

// raceWindowBinary builds ardoise with the tag that makes it read
// ARDOISE_RACE_WINDOW, once per test run.
func raceWindowBinary(t *testing.T) string {
	t.Helper()
	raceBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ardoise-racebin-")
		if err != nil {
			raceBinErr = err
			return
		}
		raceBin = filepath.Join(dir, "ardoise")
		if out, err := exec.Command("go", "build", "-tags", "ardoise_racewindow", "-o", raceBin, ".").CombinedOutput(); err != nil {
			raceBinErr = fmt.Errorf("go build -tags ardoise_racewindow: %v\n%s", err, out)
		}
	})
	if raceBinErr != nil {
		t.Fatal(raceBinErr)
	}
	return raceBin
}

// startRaceAgent runs the race-window build of ardoise as the system
// service with policy and ARDOISE_RACE_WINDOW=window (runService), and
// returns once the service answers.
func startRaceAgent(t *testing.T, base, policy, window string) (bin string, cli func(asUID int, args ...string) (int, string), agentLog *syncBuffer) {
	t.Helper()
	policyFile := filepath.Join(base, "policy.yaml")
	os.WriteFile(policyFile, []byte(policy), 0o644)
	bin, cli, agentLog = runService(t, raceWindowBinary(t), base, policyFile, "ARDOISE_RACE_WINDOW="+window)
	sock := filepath.Join(base, "a.sock")
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
	}
	return bin, cli, agentLog
}

// TestRC1_ChownByNameAtSessionStart: the system service with a kiosk
// account whose policy clears the thumbnails. Before each session the
// account has deleted ~/.cache; when the agent makes it again, the
// account swaps it for a hard link to a root-owned 0666 file outside the
// roots. That file must never become the account's, and the agent must
// say loudly that it was raced.
func TestRC1_ChownByNameAtSessionStart(t *testing.T) {
	name, uid, home := kioskAccount(t)
	base := filepath.Dir(home)
	target := filepath.Join(base, "outside-0666")
	if err := os.WriteFile(target, []byte("root's\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(target, 0o666)
	os.Chown(home, uid, uid)

	// end_programs off: the attacker is one of the account's programs and
	// must outlive each session.
	bin, cli, agentLog := startRaceAgent(t, base, fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true, end_programs: false}\nroots: [{path: '{downloads}'}]\ntraces: [thumbnails]\n", name), "mkdir=2ms")

	att := runAs(uid, bin, home, ".cache", target)
	att.Path = filepath.Join(base, "attacker")
	exe, _ := os.Executable()
	self, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(att.Path, self, 0o755)
	att.Args[0] = att.Path
	att.Env = append(os.Environ(), "R1_ATTACKER=mkdir")
	outp, _ := att.StdoutPipe()
	if err := att.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { att.Process.Kill(); att.Wait() })
	if sc := bufio.NewScanner(outp); !sc.Scan() || sc.Text() != "ready" {
		t.Fatal("the attacker did not start")
	}

	rounds := 200
	if testing.Short() {
		rounds = 20
	}
	for i := 0; i < rounds; i++ {
		os.RemoveAll(filepath.Join(home, ".cache")) // the account deleted it; a link goes as a link
		// The service may have started it already (a kiosk account with
		// programs running and no session: the attacker is one).
		if code, out := cli(uid, "session", "start", "--json"); code != 0 && !strings.Contains(out, "409 conflict") {
			t.Fatalf("round %d: session start: %d %s\nagent:\n%s", i, code, out, agentLog.String())
		}
		var st unix.Stat_t
		if err := unix.Lstat(target, &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != 0 || st.Gid != 0 || st.Mode&0o7777 != 0o666 {
			t.Fatalf("round %d: the root-owned file outside the roots is now uid %d gid %d mode %o: the agent gave it to the kiosk account", i, st.Uid, st.Gid, st.Mode&0o7777)
		}
		if code, out := cli(0, "session", "end", "--json"); code != 0 && code != 1 {
			t.Fatalf("round %d: session end: %d %s\nagent:\n%s", i, code, out, agentLog.String())
		}
	}
	raced := strings.Count(agentLog.String(), "someone is racing the agent")
	t.Logf("the agent reported the race in %d of %d session starts", raced, rounds)
	if raced == 0 {
		t.Fatalf("the attacker never won the swap, so the test proved nothing\nagent:\n%s", agentLog.String())
	}
}
