package ipcserver

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The attacker of TestRC1_SocketFolderChmodByName is this test binary, run
// again as a real account with R1_ATTACKER set.
func init() {
	if os.Getenv("R1_ATTACKER") != "symlink" {
		return
	}
	// Plant a link at the socket folder's name whenever it is free.
	target, name := os.Args[1], os.Args[2]
	os.Stdout.WriteString("ready\n")
	for {
		unix.Symlink(target, name)
	}
}

// TestRC1_SocketFolderChmodByName: the socket folder is made in a folder
// everyone can write (sticky, like /tmp); an account racing the agent
// plants a symbolic link at its name, to a root-owned 0600 file. The agent
// must never change that file's mode (it used to chmod the name, following
// the link).
func TestRC1_SocketFolderChmodByName(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent's side runs as root, the attacker as a real account")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd is missing")
	}
	base, err := os.MkdirTemp("", "ardoise-r1-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	t.Cleanup(func() { os.RemoveAll(base) })
	name := fmt.Sprintf("ardr1s%d", os.Getpid()%10000)
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", base, "--shell", "/bin/sh", "--user-group", name).CombinedOutput(); err != nil {
		t.Skipf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)

	pub := filepath.Join(base, "pub")
	os.Mkdir(pub, 0o777)
	os.Chmod(pub, 0o777|os.ModeSticky)
	target := filepath.Join(base, "secret")
	if err := os.WriteFile(target, []byte("root's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "attacker")
	os.WriteFile(bin, data, 0o755)
	sockDir := filepath.Join(pub, "ardoise")
	cmd := exec.Command(bin, target, sockDir)
	cmd.Env = append(os.Environ(), "R1_ATTACKER=symlink")
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	outp, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if sc := bufio.NewScanner(outp); !sc.Scan() || sc.Text() != "ready" {
		t.Fatal("the attacker did not start")
	}

	made := 0
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 200 && time.Now().Before(deadline); i++ {
		os.RemoveAll(sockDir) // a link goes as a link
		l, err := Listen(filepath.Join(sockDir, "agent.sock"), true)
		var st unix.Stat_t
		if err := unix.Stat(target, &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode&0o7777 != 0o600 || st.Uid != 0 {
			t.Fatalf("round %d: the root-owned file behind the link is now mode %o uid %d: the agent changed it by name", i, st.Mode&0o7777, st.Uid)
		}
		if err == nil {
			made++
			l.Close()
		}
	}
	t.Logf("the socket was made in %d rounds; the attacker's link refused the others", made)
}

// TestRC1_SocketFolderInAPublicFolder: in a folder everyone can write that
// is not sticky, anyone can rename the socket folder away and put a link
// in its place between the agent's calls on the socket's path; such a
// socket folder is refused.
func TestRC1_SocketFolderInAPublicFolder(t *testing.T) {
	base, err := os.MkdirTemp("", "ardoise-r1-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	os.Chmod(base, 0o755)
	pub := filepath.Join(base, "pub")
	os.Mkdir(pub, 0o777)
	os.Chmod(pub, 0o777)
	for i := 0; i < 200; i++ {
		os.RemoveAll(filepath.Join(pub, "ardoise"))
		l, err := Listen(filepath.Join(pub, "ardoise", "agent.sock"), true)
		if err == nil {
			l.Close()
			t.Fatalf("round %d: a socket folder inside a world-writable, non-sticky folder was accepted", i)
		}
	}
	// Sticky (/tmp), it is fine: only its owner can rename the folder.
	os.Chmod(pub, 0o777|os.ModeSticky)
	l, err := Listen(filepath.Join(pub, "ardoise", "agent.sock"), true)
	if err != nil {
		t.Fatalf("a socket folder in a sticky folder was refused: %v", err)
	}
	l.Close()
}
