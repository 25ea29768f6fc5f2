//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServiceReadyAfterRecovery runs the agent as systemd would (a notify
// socket, standard error leading to the journal) after a kill -9 in the
// middle of a session: it must say READY=1 only once the files of the
// unfinished session are gone, since the unit opens logins at that moment,
// and its log lines must carry journald's priority prefixes.
func TestServiceReadyAfterRecovery(t *testing.T) {
	s := newScratch(t)
	a := s.startAgent(t)
	s.awaitActive(t, a, "")
	left := filepath.Join(s.home, "Downloads", "Avis d'imposition.pdf")
	if err := os.WriteFile(left, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the watcher journal it
	a.kill(t)

	notify := filepath.Join(filepath.Dir(s.sock), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	journal, err := os.Create(filepath.Join(t.TempDir(), "journal"))
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	fi, _ := journal.Stat()
	st := fi.Sys().(*syscall.Stat_t)

	cmd := exec.Command(ardoiseBinary(t), "run", "--state-dir", s.state, "--socket", s.sock, "--no-session")
	cmd.Env = append(s.env(), "NOTIFY_SOCKET="+notify, fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))
	cmd.Stderr = journal
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()

	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no notification from the agent: %v", err)
	}
	if got := string(buf[:n]); got != "READY=1" {
		t.Fatalf("notification %q, want READY=1", got)
	}
	if _, err := os.Lstat(left); err == nil {
		t.Error("the agent said READY before the unfinished session's files were erased")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	log, _ := os.ReadFile(journal.Name())
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	sawRecovery := false
	for _, l := range lines {
		if len(l) < 3 || l[0] != '<' || l[2] != '>' || !strings.ContainsRune("34567", rune(l[1])) {
			t.Errorf("log line without a journal priority: %q", l)
		}
		if strings.HasPrefix(l, "<6>") && strings.Contains(l, "finishing a session left unfinished") {
			sawRecovery = true
		}
		if strings.Contains(l, "time=") {
			t.Errorf("journal line carries its own time: %q", l)
		}
		if strings.Contains(l, "imposition") {
			t.Errorf("a file name reached the log: %q", l)
		}
	}
	if !sawRecovery {
		t.Errorf("no recovery line in the journal:\n%s", log)
	}
}
