package printspool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A private cupsd per test, configured like a public computer's that keeps
// documents and history (PreserveJobFiles, PreserveJobHistory): the case
// where C10 matters. It listens on a socket in its own directory only, so it
// neither sees nor disturbs the system's scheduler.

type testCupsd struct {
	dir    string
	socket string
	spool  string // RequestRoot: c* control and d* document files
	log    string
}

const testPolicy = `<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit Create-Job Print-Job Print-URI Validate-Job>
    Order deny,allow
  </Limit>
  <Limit Send-Document Send-URI Hold-Job Release-Job Restart-Job Purge-Jobs Set-Job-Attributes Create-Job-Subscription Renew-Subscription Cancel-Subscription Get-Notifications Reprocess-Job Cancel-Current-Job Suspend-Current-Job Resume-Job Cancel-My-Jobs Close-Job CUPS-Move-Job CUPS-Get-Document>
    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class CUPS-Set-Default CUPS-Get-Devices>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Pause-Printer Resume-Printer Enable-Printer Disable-Printer Pause-Printer-After-Current-Job Hold-New-Jobs Release-Held-New-Jobs Deactivate-Printer Activate-Printer Restart-Printer Shutdown-Printer Startup-Printer Promote-Job Schedule-Job-After Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit Cancel-Job CUPS-Authenticate-Job>
%s    Require user @OWNER @SYSTEM
    Order deny,allow
  </Limit>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`

func findTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	// cupsd and lpadmin live in /usr/sbin, which a non-login PATH may lack.
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p
		}
	}
	t.Skipf("%s not installed: apt-get install cups-daemon cups-client", name)
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// startCupsd starts a scheduler with one raw queue "ardtest" printing to
// /dev/null. cancelNeedsAuth makes the policy demand an authenticated user
// for Cancel-Job, as a hardened site might.
func startCupsd(t *testing.T, cancelNeedsAuth bool) *testCupsd {
	t.Helper()
	cupsd := findTool(t, "cupsd")
	findTool(t, "lpadmin")
	findTool(t, "lp")
	findTool(t, "lpstat")
	if os.Geteuid() != 0 {
		t.Skip("the test's cupsd must run as root, as the system's does (and as the agent does)")
	}
	// Not t.TempDir: its parents are 0700, and cupsd's User (lp) must reach
	// the spool; a short path also keeps the socket under sun_path's limit.
	dir, err := os.MkdirTemp("", "ardoise-cups-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &testCupsd{
		dir:    dir,
		socket: filepath.Join(dir, "cups.sock"),
		spool:  filepath.Join(dir, "spool"),
		log:    filepath.Join(dir, "log", "error_log"),
	}
	for _, d := range []string{"conf", "spool", "spool/tmp", "cache", "state", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	auth := ""
	if cancelNeedsAuth {
		auth = "    AuthType Default\n"
	}
	conf := fmt.Sprintf(`LogLevel debug
Listen %s
Browsing No
WebInterface No
DefaultAuthType Basic
PreserveJobFiles Yes
PreserveJobHistory Yes
DirtyCleanInterval 0
<Location />
  Order allow,deny
  Allow all
</Location>
`, c.socket) + fmt.Sprintf(testPolicy, auth)
	// User lp: cupsd refuses to run its children as root.
	files := fmt.Sprintf(`User lp
Group lp
SystemGroup root
FileDevice Yes
ServerRoot %[1]s/conf
RequestRoot %[1]s/spool
TempDir %[1]s/spool/tmp
CacheDir %[1]s/cache
StateDir %[1]s/state
AccessLog %[1]s/log/access_log
ErrorLog %[1]s/log/error_log
PageLog %[1]s/log/page_log
`, dir)
	confPath := filepath.Join(dir, "conf", "cupsd.conf")
	filesPath := filepath.Join(dir, "conf", "cups-files.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filesPath, []byte(files), 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	cmd := exec.Command(cupsd, "-f", "-c", confPath, "-s", filesPath)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cupsd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(c.log); err == nil {
				lines := strings.Split(string(b), "\n")
				t.Logf("cupsd error_log, last lines:\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
			}
		}
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("unix", c.socket)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("cupsd exited at start: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd: no socket at %s after 20s: %v\n%s", c.socket, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// -m raw is deprecated in CUPS 2.4 (a warning on stderr) but still the
	// one queue that needs no PPD and no filter.
	c.run(t, "lpadmin", "-p", "ardtest", "-E", "-v", "file:///dev/null", "-m", "raw")
	return c
}

func (c *testCupsd) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(findTool(t, name), args...)
	cmd.Env = append(os.Environ(), "CUPS_SERVER="+c.socket)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

var requestID = regexp.MustCompile(`request id is ardtest-(\d+) `)

// print submits a document as user and returns the job id. lp -U sets
// requesting-user-name, which cupsd records as job-originating-user-name
// for an unauthenticated local client (checked in lpstat below).
func (c *testCupsd) print(t *testing.T, user string, hold bool) string {
	t.Helper()
	doc := filepath.Join(c.dir, "doc-"+user+".txt")
	if err := os.WriteFile(doc, []byte("secret of "+user+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-d", "ardtest", "-U", user, "-t", "doc of " + user}
	if hold {
		args = append(args, "-H", "hold")
	}
	out := c.run(t, "lp", append(args, doc)...)
	m := requestID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("lp: no request id in %q", out)
	}
	return m[1]
}

// lpstat returns job id -> user of the jobs lpstat -W which -o lists.
func (c *testCupsd) lpstat(t *testing.T, which string) map[string]string {
	t.Helper()
	jobs := map[string]string{}
	for _, line := range strings.Split(c.run(t, "lpstat", "-W", which, "-o"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.HasPrefix(f[0], "ardtest-") {
			jobs[strings.TrimPrefix(f[0], "ardtest-")] = f[1]
		}
	}
	return jobs
}

func spoolFiles(id string) []string {
	var n int
	fmt.Sscan(id, &n)
	return []string{fmt.Sprintf("c%05d", n), fmt.Sprintf("d%05d-001", n)}
}

// snapshot is every file of the spool (not its tmp directory) with the hash
// of its content and its modification time.
func (c *testCupsd) snapshot(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(c.spool)
	if err != nil {
		t.Fatal(err)
	}
	s := map[string]string{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(c.spool, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		s[e.Name()] = fmt.Sprintf("%x %d", sha256.Sum256(b), st.ModTime().UnixNano())
	}
	return s
}

// waitFor polls until cond holds: cupsd prints, and writes control files,
// asynchronously.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The test's print users are real local accounts, as a kiosk account is:
// since Debian's 2.4.2-3+deb12u10 (the fix for CVE-2026-27447), cupsd
// looks the owner of a job up in the password database when it checks
// Send-Document, and crashes when the name has no account (OpenPrinting
// CUPS issue #1555, fixed upstream in 2.4.19), so made-up names no longer
// print at all.
var (
	alice = "ardc10alice"
	bob   = "ardc10bob"
	upper = "ARDC10ALICE" // alice's name in capitals: another account
)

// testAccount makes a local account without a home for the test's length.
// A name in capitals needs useradd --badname (Debian's NAME_REGEX is lower
// case only).
func testAccount(t *testing.T, name string) {
	t.Helper()
	useradd := findTool(t, "useradd")
	userdel := findTool(t, "userdel")
	exec.Command(userdel, name).Run() // left by a killed run
	args := []string{"--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group"}
	if strings.ToLower(name) != name {
		args = append(args, "--badname")
	}
	if out, err := exec.Command(useradd, append(args, name)...).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() { exec.Command(userdel, name).Run() })
}

func TestC10_PrintSpool(t *testing.T) {
	c := startCupsd(t, false)
	for _, u := range []string{alice, bob, upper} {
		testAccount(t, u)
	}

	aliceDone := c.print(t, alice, false)
	aliceHeld := c.print(t, alice, true)
	bobDone := c.print(t, bob, false)
	bobHeld := c.print(t, bob, true)
	// Before deb12u10, cupsd's my-jobs matched names without regard to
	// case, so the job of ALICE came back in alice's list; since, it may
	// not. Either way it is another account's and must be left alone.
	upperDone := c.print(t, upper, false)
	all := []string{aliceDone, aliceHeld, bobDone, bobHeld, upperDone}

	waitFor(t, "the finished jobs in lpstat -W completed", func() bool {
		done := c.lpstat(t, "completed")
		return done[aliceDone] == alice && done[bobDone] == bob && done[upperDone] == upper
	})
	waitFor(t, "the c* and d* files of every job", func() bool {
		for _, id := range all {
			for _, f := range spoolFiles(id) {
				if _, err := os.Stat(filepath.Join(c.spool, f)); err != nil {
					return false
				}
			}
		}
		return true
	})
	pending := c.lpstat(t, "not-completed")
	if pending[aliceHeld] != alice || pending[bobHeld] != bob {
		t.Fatalf("held jobs before the purge: %v", pending)
	}
	before := c.snapshot(t)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := PurgeUser(ctx, c.socket, alice)
	if err != nil {
		t.Fatalf("PurgeUser: %v", err)
	}
	// Skipped is 1 where the scheduler lists ALICE's job as alice's
	// (case-insensitive my-jobs, deb12u9 and before), 0 where it does not.
	if res.Found != 2 || res.Purged != 2 || res.Cancelled != 1 || res.Skipped > 1 || len(res.Errors) != 0 {
		t.Errorf("result %+v, want 2 found and purged, 1 of them cancelled (held), at most 1 skipped (%s)", res, upper)
	}
	t.Logf("jobs the scheduler listed for %s that were another account's (case): %d", alice, res.Skipped)

	// C10's expectations, seen through the CUPS tools and the spool itself.
	for which, jobs := range map[string]map[string]string{
		"completed":     c.lpstat(t, "completed"),
		"not-completed": c.lpstat(t, "not-completed"),
		"all":           c.lpstat(t, "all"),
	} {
		for id, user := range jobs {
			if user == alice {
				t.Errorf("lpstat -W %s -o still lists job %s of %s", which, id, alice)
			}
		}
	}
	after := c.snapshot(t)
	alices := map[string]bool{}
	for _, id := range []string{aliceDone, aliceHeld} {
		for _, f := range spoolFiles(id) {
			alices[f] = true
			if _, ok := after[f]; ok {
				t.Errorf("spool file %s of alice's job %s is still there", f, id)
			}
		}
	}

	// Nothing else was touched: every other file of the spool is there,
	// with the same content and modification time, and the other users'
	// jobs are listed in the same state as before.
	for f, sum := range before {
		if alices[f] {
			continue
		}
		if after[f] != sum {
			t.Errorf("spool file %s, not alice's, changed or went: before %q, after %q", f, sum, after[f])
		}
	}
	for f := range after {
		if _, ok := before[f]; !ok {
			t.Errorf("new spool file %s after the purge", f)
		}
	}
	done, notDone := c.lpstat(t, "completed"), c.lpstat(t, "not-completed")
	if done[bobDone] != bob || done[upperDone] != upper || notDone[bobHeld] != bob {
		t.Errorf("other users' jobs after the purge: completed %v, not completed %v", done, notDone)
	}

	// A second purge finds nothing: the first left nothing behind.
	res, err = PurgeUser(ctx, c.socket, alice)
	if err != nil || res.Found != 0 || res.Purged != 0 {
		t.Errorf("second PurgeUser = %+v, %v; want nothing found", res, err)
	}
}

// A site whose policy demands an authenticated user for Cancel-Job: the
// agent proves it is root with PeerCred on the domain socket.
func TestC10_PrintSpoolPeerCred(t *testing.T) {
	c := startCupsd(t, true)
	testAccount(t, alice)
	id := c.print(t, alice, false)
	waitFor(t, "alice's job in lpstat -W completed", func() bool { return c.lpstat(t, "completed")[id] == alice })

	res, err := PurgeUser(context.Background(), c.socket, alice)
	if err != nil || res.Purged != 1 {
		t.Fatalf("PurgeUser = %+v, %v", res, err)
	}
	if _, ok := c.lpstat(t, "all")[id]; ok {
		t.Errorf("job %s still listed", id)
	}
	b, err := os.ReadFile(c.log)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Authorized as root using PeerCred")) {
		t.Error("the scheduler's log does not show the purge authorised by PeerCred: was the policy's AuthType applied?")
	}
}
