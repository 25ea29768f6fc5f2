//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The attacker of TestRC2_SwapDuringWipeSystemService is this test binary,
// run again as the kiosk account with RC2_ATTACKER set: it exchanges two
// names as fast as it can until SIGTERM, then prints how many times.
func init() {
	if os.Getenv("RC2_ATTACKER") != "exchange" {
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	a, b := os.Args[1], os.Args[2]
	os.Stdout.WriteString("ready\n")
	n := 0
	for {
		select {
		case <-stop:
			fmt.Println(n)
			os.Exit(0)
		default:
		}
		if unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE) == nil {
			n++
		}
	}
}

// TestRC2_SwapDuringWipeSystemService attacks the real service as the
// public would: a kiosk account, the system mode, and a program of the
// account that, while the session ends, loops exchanging the name of its
// download with the library's guide in the same folder. The service is
// built with its check-to-act windows widened to 2 ms. Over 200 sessions
// the guide must never be deleted.
func TestRC2_SwapDuringWipeSystemService(t *testing.T) {
	name, uid, home := kioskAccount(t)
	base := filepath.Dir(home)
	downloads := filepath.Join(home, "Downloads")
	guide := filepath.Join(downloads, "Guide.pdf")
	if err := os.WriteFile(guide, []byte("le guide de la médiathèque\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, err := os.Open(guide) // finds the guide whatever its name
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	var libSt unix.Stat_t
	unix.Fstat(int(lib.Fd()), &libSt)

	// end_programs off: the attacker is one of the account's programs and
	// must outlive each session end.
	_, cli, agentLog := startRaceAgent(t, base, fmt.Sprintf("version: 1\naccounts: {kiosk: [%s], dedicated: true, end_programs: false}\nroots: [{path: '{downloads}'}]\ntraces: []\n", name), "unlink=2ms,rmdir=2ms")
	exe, _ := os.Executable()
	self, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	attackerBin := filepath.Join(base, "attacker")
	os.WriteFile(attackerBin, self, 0o755)

	doc := filepath.Join(downloads, "avis-impot.pdf")
	rounds := 200
	if testing.Short() {
		rounds = 20
	}
	swaps, events := 0, 0
	for i := 0; i < rounds; i++ {
		// The service may have started it already: it starts a session
		// when a kiosk account has programs running and none is active,
		// and the attacker is one.
		if code, out := cli(uid, "session", "start", "--json"); code != 0 && !strings.Contains(out, "409 conflict") {
			t.Fatalf("round %d: session start: %d %s\nagent:\n%s", i, code, out, agentLog.String())
		}
		// The person's download, made by the account during the session.
		if out, err := runAs(uid, "sh", "-c", "echo 'avis de la personne' > "+doc).CombinedOutput(); err != nil {
			t.Fatalf("round %d: download as the account: %v %s", i, err, out)
		}
		att := runAs(uid, attackerBin, doc, guide)
		att.Env = append(os.Environ(), "RC2_ATTACKER=exchange")
		outp, _ := att.StdoutPipe()
		if err := att.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(outp)
		if !sc.Scan() || sc.Text() != "ready" {
			t.Fatal("the attacker did not start")
		}
		code, out := cli(0, "session", "end", "--json")
		att.Process.Signal(syscall.SIGTERM)
		if sc.Scan() {
			n, _ := strconv.Atoi(strings.TrimSpace(sc.Text()))
			swaps += n
		}
		att.Wait()
		if code != 0 && code != 1 {
			t.Fatalf("round %d: session end: %d %s\nagent:\n%s", i, code, out, agentLog.String())
		}
		if strings.Contains(out, `"security_events"`) {
			events++
		}
		var st unix.Stat_t
		unix.Fstat(int(lib.Fd()), &st)
		if st.Nlink == 0 {
			t.Fatalf("round %d: the service deleted the library's guide (%d swaps by the account so far)\nsession end: %s\nagent:\n%s", i, swaps, out, agentLog.String())
		}
		// Back to the library's state: the guide at its name, no download.
		var ds unix.Stat_t
		if unix.Lstat(doc, &ds) == nil {
			if ds.Ino == libSt.Ino {
				os.Remove(guide)
				if err := os.Rename(doc, guide); err != nil {
					t.Fatal(err)
				}
			} else {
				os.Remove(doc)
			}
		}
		if code == 1 {
			// Something was left (the download kept at the guide's name,
			// say): the next start would be refused; end retries it.
			cli(0, "session", "end")
		}
	}
	t.Logf("%d sessions: the account swapped the names %d times; %d ends reported security events", rounds, swaps, events)
	if swaps == 0 {
		t.Fatal("the attacker never swapped: the test proves nothing")
	}
}
