package policies

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestS1_UnsafePolicyFile: a policy file that someone other than root can
// change, or replace, is refused with a message that names the file, says
// what is wrong and how to fix it (threats.md S1).
func TestS1_UnsafePolicyFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to other owners (threats.md S1 is an [R] case)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := DefaultYAML()
	write := func(dir, name string, mode os.FileMode, uid, gid int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write(dir, "good.yaml", 0o644, 0, 0)
	if err := CheckFileSafety(good); err != nil {
		t.Fatalf("root-owned 0644 policy refused: %v", err)
	}
	p, err := LoadTrusted(good)
	if err != nil || p.Version != 1 {
		t.Fatalf("LoadTrusted of a safe policy: %v", err)
	}
	// A link to a safe file is refused: the link's name is what an admin
	// reads, and its target could change.
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder a user owns or may write into: the user could replace the
	// root-owned file inside it.
	userDir := filepath.Join(dir, "user")
	groupDir := filepath.Join(dir, "group")
	stickyDir := filepath.Join(dir, "sticky")
	for _, d := range []struct {
		path string
		mode os.FileMode
		uid  int
	}{{userDir, 0o755, 1001}, {groupDir, 0o775, 0}, {stickyDir, 0o777 | os.ModeSticky, 0}} {
		if err := os.Mkdir(d.path, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d.path, d.uid, 100); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d.path, d.mode); err != nil {
			t.Fatal(err)
		}
	}
	inSticky := write(stickyDir, "policy.yaml", 0o644, 0, 0)
	if err := CheckFileSafety(inSticky); err != nil {
		t.Errorf("a root-owned policy in a sticky folder (like /tmp) refused: %v", err)
	}
	for _, c := range []struct {
		path, want, fix string
	}{
		{write(dir, "group.yaml", 0o664, 0, 100), `writable by group "` + groupName(100) + `"; refusing it`, "run: chmod 644 "},
		{write(dir, "world.yaml", 0o646, 0, 0), "writable by everyone; refusing it", "run: chmod 644 "},
		{write(dir, "user.yaml", 0o644, 1001, 1001), "not root; refusing it", "run: chown root:root "},
		{link, "is a symbolic link; refusing it", "copy the policy"},
		{fifo, "is a named pipe, not a regular file", "ordinary file"},
		{dir, "is a folder, not a regular file", "ordinary file"},
		{write(userDir, "policy.yaml", 0o644, 0, 0), "its folder " + userDir + " is owned by", "run: chown root:root " + userDir},
		{write(groupDir, "policy.yaml", 0o644, 0, 0), "its folder " + groupDir + " is writable by group", "run: chmod 755 " + groupDir},
	} {
		err := CheckFileSafety(c.path)
		if err == nil || !strings.HasPrefix(err.Error(), c.path+": ") || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.fix) {
			t.Errorf("%s: got %v, want an error naming the file, %q and %q", c.path, err, c.want, c.fix)
		}
		if _, lerr := LoadTrusted(c.path); lerr == nil || err == nil || lerr.Error() != err.Error() {
			t.Errorf("%s: LoadTrusted gave %v, want the same refusal as CheckFileSafety", c.path, lerr)
		}
	}
}
