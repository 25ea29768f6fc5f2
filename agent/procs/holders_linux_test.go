package procs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/agent/cryptoerase"
	"github.com/ardoise-fr/ardoise/agent/cryptoerase/cetest"
	"golang.org/x/sys/unix"
)

// startIn starts a program as the test account, in the folder cwd.
func startIn(t *testing.T, cwd, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = cwd
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: testUID, Gid: testUID}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	go cmd.Wait()
	return cmd
}

// TestHolderMapper is the body of the mapping process started by
// TestHoldersOfAFolder; otherwise it does nothing.
func TestHolderMapper(t *testing.T) {
	p := os.Getenv("ARDOISE_HOLDER_MMAP")
	if p == "" {
		t.Skip("the mapping process of TestHoldersOfAFolder")
	}
	fd, err := unix.Open(p, unix.O_RDONLY, 0)
	if err != nil {
		os.Exit(2)
	}
	if _, err := unix.Mmap(fd, 0, 4096, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		os.Exit(3)
	}
	unix.Close(fd) // the mapping stays; no descriptor is left
	os.Chdir("/")
	os.Stdout.Write([]byte("r"))
	time.Sleep(time.Minute)
	os.Exit(0)
}

func holderByPID(hs []Holder, pid int) (Holder, bool) {
	for _, h := range hs {
		if h.PID == pid {
			return h, true
		}
	}
	return Holder{}, false
}

// TestHoldersOfAFolder: real processes hold a session folder in each way
// the kernel counts (a current folder, an open file, a file deleted while
// open, a memory mapping); each is listed with its user, its command and
// what it holds, and no file name. Processes whose current folder is "/"
// or a folder whose name merely starts like it are not listed. Once they
// are ended, none is.
func TestHoldersOfAFolder(t *testing.T) {
	needRoot(t)
	base := sharedDir(t)
	dl := filepath.Join(base, "Téléchargements")
	other := filepath.Join(base, "Téléchargements-autre")
	for _, d := range []string{dl, filepath.Join(dl, "sous-dossier"), other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(d, int(testUID), int(testUID))
	}
	for _, f := range []string{"ouvert.pdf", "efface.pdf", "mappe.pdf"} {
		p := filepath.Join(dl, f)
		if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, int(testUID), int(testUID))
	}
	cwd := startIn(t, filepath.Join(dl, "sous-dossier"), "/bin/sleep", "60")
	fd := startIn(t, "/", "/bin/sh", "-c", `exec 3<"$0"; exec sleep 60`, filepath.Join(dl, "ouvert.pdf"))
	deleted := startIn(t, "/", "/bin/sh", "-c", `exec 4<"$0"; rm -f "$0"; exec sleep 60`, filepath.Join(dl, "efface.pdf"))
	beside := startIn(t, other, "/bin/sleep", "60")
	elsewhere := startIn(t, "/", "/bin/sleep", "60")
	// The mapping process is the test binary again, as root: the account
	// cannot reach the build folder it lives in.
	mapper := exec.Command(os.Args[0], "-test.run=^TestHolderMapper$")
	mapper.Env = append(os.Environ(), "ARDOISE_HOLDER_MMAP="+filepath.Join(dl, "mappe.pdf"))
	out, err := mapper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := mapper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mapper.Process.Kill(); mapper.Wait() })
	if _, err := out.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the mapping process did not start: %v", err)
	}

	want := map[int][]string{cwd.Process.Pid: {"cwd"}, fd.Process.Pid: {"fd"}, deleted.Process.Pid: {"fd"}, mapper.Process.Pid: {"mmap"}}
	var hs []Holder
	deadline := time.Now().Add(5 * time.Second)
	for {
		if hs, err = Holders(dl); err != nil {
			t.Fatal(err)
		}
		ready := true
		for pid, holds := range want {
			if h, ok := holderByPID(hs, pid); !ok || !slices.Equal(h.Holds, holds) {
				ready = false
			}
		}
		if ready || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for pid, holds := range want {
		h, ok := holderByPID(hs, pid)
		if !ok {
			t.Errorf("pid %d (holding %v) not listed among %+v", pid, holds, hs)
			continue
		}
		if !slices.Equal(h.Holds, holds) {
			t.Errorf("pid %d holds %v, want %v", pid, h.Holds, holds)
		}
		wantUID, wantComm := testUID, "sleep"
		if pid == mapper.Process.Pid {
			wantUID, wantComm = 0, filepath.Base(os.Args[0])
			if len(wantComm) > 15 {
				wantComm = wantComm[:15]
			}
		}
		if h.UIDs[0] != wantUID || h.Comm != wantComm || h.Start == 0 {
			t.Errorf("pid %d listed as uid %d, command %q, start %d; want uid %d, %q", pid, h.UIDs[0], h.Comm, h.Start, wantUID, wantComm)
		}
		if (slices.Contains(holds, "fd") && h.FDs != 1) || (!slices.Contains(holds, "fd") && h.FDs != 0) {
			t.Errorf("pid %d: %d descriptors counted beneath the folder", pid, h.FDs)
		}
	}
	for _, cmd := range []*exec.Cmd{beside, elsewhere} {
		if h, ok := holderByPID(hs, cmd.Process.Pid); ok {
			t.Errorf("pid %d, in %s, is listed as a holder: %+v", cmd.Process.Pid, cmd.Dir, h)
		}
	}
	if len(hs) != len(want) {
		t.Errorf("%d holders listed, want %d: %+v", len(hs), len(want), hs)
	}

	if _, err := EndUser(context.Background(), System{}, testUID, Options{}); err != nil {
		t.Fatal(err)
	}
	mapper.Process.Kill()
	mapper.Wait()
	if hs, err = Holders(dl); err != nil || len(hs) != 0 {
		t.Errorf("after the programs ended: holders %+v, %v; want none", hs, err)
	}
}

// TestHoldersExplainAKeyInUse: on a real encrypted file system, a program
// of the account whose current folder is in the session's folder keeps the
// key incompletely removed; Holders names it, and once it is ended the key
// can be removed for good.
func TestHoldersExplainAKeyInUse(t *testing.T) {
	needRoot(t)
	fs := cetest.NewLoopFS(t, 32)
	dl := filepath.Join(fs.Mnt, "Téléchargements")
	if err := os.Mkdir(dl, 0o755); err != nil {
		t.Fatal(err)
	}
	key := cetest.Encrypt(t, dl)
	os.Chown(dl, int(testUID), int(testUID))
	// A folder the session made, with the key: a program inside it uses
	// the key. (The root folder itself, encrypted empty and never looked
	// into with the key, would not.)
	sub := filepath.Join(dl, "dossier")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(sub, int(testUID), int(testUID))
	held := startIn(t, sub, "/bin/sleep", "60")
	time.Sleep(50 * time.Millisecond)
	mnt, err := os.Open(fs.Mnt)
	if err != nil {
		t.Fatal(err)
	}
	defer mnt.Close()
	if st, err := cryptoerase.Remove(mnt, key); err != nil || st != cryptoerase.IncompletelyRemoved {
		t.Fatalf("Remove with a program inside = %v, %v; want incompletely removed", st, err)
	}
	hs, err := Holders(dl)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].PID != held.Process.Pid || !slices.Equal(hs[0].Holds, []string{"cwd"}) || hs[0].UIDs[0] != testUID {
		t.Fatalf("holders %+v; want the program (pid %d) by its current folder", hs, held.Process.Pid)
	}
	if _, err := EndUser(context.Background(), System{}, testUID, Options{}); err != nil {
		t.Fatal(err)
	}
	if st, err := cryptoerase.Remove(mnt, key); err != nil || st != cryptoerase.Absent {
		t.Fatalf("Remove once the program is ended = %v, %v; want absent", st, err)
	}
	if hs, err := Holders(dl); err != nil || len(hs) != 0 {
		t.Errorf("holders after the end: %+v, %v", hs, err)
	}
}
