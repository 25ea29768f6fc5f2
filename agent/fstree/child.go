//go:build linux || darwin

package fstree

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// childEnv names, in a child started by RunChild, the test it must run.
const childEnv = "ARDOISE_FSTREE_CHILD"

// IsChild reports whether this process is a child that RunChild started
// to run the test t.
func IsChild(t testing.TB) bool { return os.Getenv(childEnv) == t.Name() }

// RunChild runs the current test again in a child process: the same test
// binary, restricted to t's name, behind the command wrapper (for example
// {"unshare", "-Urm"}; none when empty), with env added to the
// environment. In the child, IsChild(t) is true and the test runs its
// body. The parent fails the test when the child fails, skips it when the
// child skipped (with the child's reason), and logs the child's output.
func RunChild(t *testing.T, wrapper []string, env ...string) {
	t.Helper()
	out, err := runChild(t, wrapper, env)
	switch {
	case err != nil:
		t.Fatalf("child process: %v\n%s", err, out)
	case bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skipf("skipped in the child process:\n%s", out)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("the child process did not run the test:\n%s", out)
	}
	t.Logf("child process:\n%s", out)
}

func runChild(t *testing.T, wrapper []string, env []string) ([]byte, error) {
	var pat []string
	for _, part := range strings.Split(t.Name(), "/") {
		pat = append(pat, "^"+regexp.QuoteMeta(part)+"$")
	}
	args := []string{"-test.run=" + strings.Join(pat, "/"), "-test.v=true", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	argv := append(append(append([]string{}, wrapper...), os.Args[0]), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), childEnv+"="+t.Name()), env...)
	return cmd.CombinedOutput()
}

// InMountNamespace runs the current test again in a child process inside
// a private mount namespace, where it may mount file systems: as root with
// "unshare --mount", otherwise in a new user namespace too ("unshare
// -Urm", the [U+ns] cases of threats.md). It returns true in the child,
// which runs the test body, and false in the parent once the child is
// done. Where namespaces are not allowed (EPERM) or unshare is missing,
// the test is skipped with the reason.
//
// Inside a user namespace the test runs as uid 0 of that namespace, and
// folders of the real root (such as /tmp) appear owned by the overflow
// uid, 65534.
func InMountNamespace(t *testing.T) bool {
	t.Helper()
	if IsChild(t) {
		return true
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed; mount cases need it")
	}
	wrapper := []string{unshare, "--mount", "--propagation", "private"}
	if os.Geteuid() != 0 {
		wrapper = []string{unshare, "--user", "--map-root-user", "--mount", "--propagation", "private"}
	}
	out, err := runChild(t, wrapper, nil)
	if err != nil && bytes.Contains(out, []byte("unshare:")) {
		t.Skipf("cannot create a mount namespace here (%v): %s", err, bytes.TrimSpace(out))
	}
	switch {
	case err != nil:
		t.Fatalf("child process in a mount namespace: %v\n%s", err, out)
	case bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skipf("skipped in the child process:\n%s", out)
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("the child process did not run the test:\n%s", out)
	}
	t.Logf("child process in a mount namespace:\n%s", out)
	return false
}

// InUserNamespace reports whether this process runs in a user namespace
// that does not map every uid (the [U+ns] child of InMountNamespace).
func InUserNamespace() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b))
	return len(f) >= 3 && !(f[0] == "0" && f[1] == "0" && f[2] == "4294967295")
}
