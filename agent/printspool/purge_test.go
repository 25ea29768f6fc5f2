package printspool

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests use a scripted scheduler to reach answers that a real cupsd
// gives rarely or never (a foreign name returned for my-jobs, a refused
// purge, a job that stays); TestC10_PrintSpool runs against a real one.

func TestNoScheduler(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "cups.sock")
	_, err := PurgeUser(context.Background(), missing, "alice")
	if !errors.Is(err, ErrNoScheduler) {
		t.Errorf("missing socket: %v, want ErrNoScheduler", err)
	}

	// A socket file left behind by a scheduler that has exited.
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	_, err = PurgeUser(context.Background(), stale, "alice")
	if !errors.Is(err, ErrNoScheduler) {
		t.Errorf("stale socket: %v, want ErrNoScheduler", err)
	}
}

func TestPurgeUserRefuses(t *testing.T) {
	for _, tc := range []struct{ server, user string }{
		{"localhost:631", "alice"},
		{"printhost.example", "alice"},
		{"", ""},
		{"", strings.Repeat("a", 256)},
	} {
		_, err := PurgeUser(context.Background(), tc.server, tc.user)
		if err == nil || errors.Is(err, ErrNoScheduler) {
			t.Errorf("PurgeUser(%q, %d-byte user) = %v, want a refusal", tc.server, len(tc.user), err)
		}
	}
}

// fakeJob is one job as the scripted scheduler lists it.
type fakeJob struct {
	attrs []attribute
	id    int32
}

type fakeScheduler struct {
	mu         sync.Mutex
	jobs       []fakeJob
	cancelled  []int32
	cancelUser []string
	refuse     map[int32]string // job id: status-message of a refused purge
	keep       bool             // list purged jobs still
	t          *testing.T
}

func (f *fakeScheduler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req, err := decode(b)
	if err != nil || r.Header.Get("Content-Type") != "application/ipp" {
		f.t.Errorf("scheduler got a bad request: %v", err)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op := req.groups[0]
	user, _ := op.get("requesting-user-name")
	userName, _ := user.values[0].text()
	resp := &message{major: 1, minor: 1, requestID: req.requestID, groups: []group{{tagOperationGroup, []attribute{
		stringsAttr(tagCharset, "attributes-charset", "utf-8"),
		stringsAttr(tagNaturalLanguage, "attributes-natural-language", "en"),
	}}}}
	switch req.code {
	case opGetJobs:
		if userName != "alice" {
			f.t.Errorf("Get-Jobs for %q", userName)
		}
		if a, ok := op.get("my-jobs"); !ok || len(a.values) != 1 {
			f.t.Error("Get-Jobs without my-jobs")
		} else if v, _ := a.values[0].boolean(); !v {
			f.t.Error("Get-Jobs with my-jobs false")
		}
		for _, j := range f.jobs {
			if !f.keep && contains(f.cancelled, j.id) {
				continue
			}
			resp.groups = append(resp.groups, group{tagJobGroup, j.attrs})
		}
	case opCancelJob:
		uri, _ := op.get("job-uri")
		s, _ := uri.values[0].text()
		var id int32
		for _, j := range f.jobs {
			if s == "ipp://localhost/jobs/"+strconv.Itoa(int(j.id)) {
				id = j.id
			}
		}
		purge, ok := op.get("purge-job")
		if p, _ := purge.first(); !ok || p.tag != tagBoolean || p.data[0] != 1 {
			f.t.Errorf("Cancel-Job of %s without purge-job true", s)
		}
		if msg, refused := f.refuse[id]; refused {
			resp.code = 0x0507
			resp.groups[0].attrs = append(resp.groups[0].attrs, stringsAttr(tagText, "status-message", msg))
			break
		}
		f.cancelled = append(f.cancelled, id)
		f.cancelUser = append(f.cancelUser, userName)
	default:
		f.t.Errorf("unexpected operation 0x%04x", req.code)
	}
	out, err := resp.encode()
	if err != nil {
		f.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/ipp")
	w.Write(out)
}

func contains(ids []int32, id int32) bool {
	for _, i := range ids {
		if i == id {
			return true
		}
	}
	return false
}

func serve(t *testing.T, f *fakeScheduler) string {
	f.t = t
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	srv := &http.Server{Handler: f}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func jobAttrs(id int32, state int32, owner attribute) []attribute {
	attrs := []attribute{integerAttr("job-id", id), enumAttr("job-state", state)}
	if owner.name != "" {
		attrs = append(attrs, owner)
	}
	return attrs
}

func owner(s string) attribute { return nameAttr("job-originating-user-name", s) }

// aliceAndOthers is what a scheduler might answer to Get-Jobs with my-jobs
// for alice: hers, and jobs that are not provably hers.
func aliceAndOthers() []fakeJob {
	withLang := attribute{"job-originating-user-name", []value{{tagNameWithLanguage, wire("en", "alice")}}}
	wrongID := []attribute{enumAttr("job-id", 6), enumAttr("job-state", jobCompleted), owner("alice")}
	twoOwners := jobAttrs(8, jobCompleted, stringsAttr(tagName, "job-originating-user-name", "alice", "bob"))
	return []fakeJob{
		{jobAttrs(1, jobCompleted, owner("alice")), 1},
		{jobAttrs(2, jobCompleted, owner("ALICE")), 2}, // cupsd's my-jobs ignores case
		{jobAttrs(3, jobCompleted, owner("alice ")), 3},
		{jobAttrs(4, jobPendingHeld, withLang), 4},
		{jobAttrs(5, jobCompleted, attribute{}), 5}, // name withheld (JobPrivateValues)
		{wrongID, 6},
		{jobAttrs(7, jobCompleted, owner("bob")), 7},
		{twoOwners, 8},
		{jobAttrs(9, jobCompleted, stringsAttr(tagKeyword, "job-originating-user-name", "alice")), 9},
	}
}

func TestPurgeUserOnlyTouchesTheUser(t *testing.T) {
	f := &fakeScheduler{jobs: aliceAndOthers()}
	sock := serve(t, f)
	res, err := PurgeUser(context.Background(), sock, "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Found: 2, Cancelled: 1, Purged: 2, Skipped: 7}
	if res.Found != want.Found || res.Cancelled != want.Cancelled || res.Purged != want.Purged || res.Skipped != want.Skipped || len(res.Errors) != 0 {
		t.Errorf("result %+v, want %+v", res, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.cancelled) != 2 || f.cancelled[0] != 1 || f.cancelled[1] != 4 {
		t.Errorf("cancelled jobs %v, want [1 4] only", f.cancelled)
	}
	for _, u := range f.cancelUser {
		if u != "root" {
			t.Errorf("Cancel-Job as %q, want root", u)
		}
	}
}

func TestPurgeUserReportsEachFailure(t *testing.T) {
	f := &fakeScheduler{
		jobs:   aliceAndOthers(),
		refuse: map[int32]string{4: "Job #4 is locked."},
	}
	sock := serve(t, f)
	res, err := PurgeUser(context.Background(), sock, "alice")
	if err == nil {
		t.Fatal("no error for a refused purge")
	}
	if res.Found != 2 || res.Purged != 1 || len(res.Errors) != 1 {
		t.Fatalf("result %+v", res)
	}
	for _, s := range []string{"print job 4", `"alice"`, "held", "Job #4 is locked."} {
		if !strings.Contains(err.Error(), s) || !strings.Contains(res.Errors[0].Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

func TestPurgeUserChecksTheJobsAreGone(t *testing.T) {
	old := purgedWait
	purgedWait = 300 * time.Millisecond
	t.Cleanup(func() { purgedWait = old })
	f := &fakeScheduler{jobs: aliceAndOthers(), keep: true}
	sock := serve(t, f)
	res, err := PurgeUser(context.Background(), sock, "alice")
	if err == nil || !strings.Contains(err.Error(), "still listed") || len(res.Errors) != 2 {
		t.Fatalf("PurgeUser = %+v, %v; want the two jobs reported still listed", res, err)
	}
}

func TestNotAScheduler(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html></html>")
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	_, err = PurgeUser(context.Background(), sock, "alice")
	if err == nil || errors.Is(err, ErrNoScheduler) || !strings.Contains(err.Error(), "application/ipp") {
		t.Errorf("PurgeUser on a web server = %v", err)
	}
}
