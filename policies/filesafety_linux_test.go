package policies

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS1_UnsafePolicyFile: a policy file that someone other than root can
// change is refused, with a message that says how to fix it.
func TestS1_UnsafePolicyFile(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to other owners (threats.md S1 is an [R] case)")
	}
	dir := t.TempDir()
	write := func(name string, mode os.FileMode, uid, gid int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, Default().mustYAML(t), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", 0o644, 0, 0)
	if err := CheckFileSafety(good); err != nil {
		t.Fatalf("root-owned 0644 policy refused: %v", err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{write("group.yaml", 0o664, 0, 100), "writable by group"},
		{write("world.yaml", 0o646, 0, 0), "writable by everyone"},
		{write("user.yaml", 0o644, 1001, 1001), "not root"},
		{link, "symbolic link"},
	} {
		err := CheckFileSafety(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: got %v, want an error naming the file and %q", c.path, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "run: ") {
			if c.want != "symbolic link" {
				t.Errorf("%s: the message does not say how to fix it: %v", c.path, err)
			}
		}
	}
}

func (p *Policy) mustYAML(t *testing.T) []byte {
	t.Helper()
	b, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
