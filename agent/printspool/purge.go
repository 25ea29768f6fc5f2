package printspool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Result tells what PurgeUser did. Errors holds one error per job of the
// user not purged or still listed afterwards, each naming the job, and one
// if that check itself failed; PurgeUser's own error joins them, so a
// caller that only checks the error misses none.
type Result struct {
	Found     int     // jobs whose job-originating-user-name is exactly the user
	Cancelled int     // of Found, jobs not yet finished, stopped by the purge
	Purged    int     // of Found, jobs the scheduler purged (history and files)
	Skipped   int     // jobs the scheduler listed that are not provably the user's: left alone
	Errors    []error // see above
}

// maxUserName is the limit of requesting-user-name, a name(MAX)
// (RFC 8011 §5.1.3).
const maxUserName = 255

// purgedWait bounds how long PurgeUser waits for a purged job to leave the
// scheduler's list, in case a job that was printing goes only once its
// filters are stopped. A variable so that tests need not wait that long.
var purgedWait = 5 * time.Second

type job struct {
	id    int32
	state int32
}

// PurgeUser removes every print job of user, finished or not, from the
// local CUPS scheduler at server, through the scheduler itself: Cancel-Job
// with purge-job, which drops the job from the history and deletes its
// control and document files from the spool.
//
// server is a domain socket path, as in the CUPS_SERVER convention; empty
// means DefaultSocket(). Only jobs whose job-originating-user-name is
// exactly user are touched. When no scheduler runs, the error wraps
// ErrNoScheduler.
func PurgeUser(ctx context.Context, server string, user string) (Result, error) {
	var res Result
	if user == "" || len(user) > maxUserName {
		return res, fmt.Errorf("printspool: purge print jobs: user name of %d bytes (want 1 to %d)", len(user), maxUserName)
	}
	socket, err := socketPath(server)
	if err != nil {
		return res, fmt.Errorf("printspool: %w", err)
	}
	if _, err := os.Stat(socket); isNoScheduler(err) {
		return res, fmt.Errorf("printspool: no socket at %s: %w (nothing to purge; if this computer prints, check that cupsd runs and where its socket is)", socket, ErrNoScheduler)
	}
	c := newClient(socket)
	defer c.close()

	jobs, skipped, err := c.userJobs(ctx, user)
	if err != nil {
		return res, fmt.Errorf("printspool: list the print jobs of %q: %w", user, err)
	}
	res.Found, res.Skipped = len(jobs), skipped
	purged := make(map[int32]bool, len(jobs))
	for _, j := range jobs {
		if err := c.cancelPurge(ctx, j.id); err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("print job %d of %q (%s): %w", j.id, user, stateName(j.state), err))
			continue
		}
		purged[j.id] = true
		res.Purged++
		if j.state < jobCanceled {
			res.Cancelled++
		}
	}

	// A purge the scheduler accepted is checked, not trusted: the spool
	// must end up with nothing of the user (threat case C10).
	left, err := c.waitGone(ctx, user, purged)
	if err != nil {
		res.Errors = append(res.Errors, fmt.Errorf("check that the print jobs of %q are gone: %w", user, err))
	}
	for _, j := range left {
		if purged[j.id] {
			res.Errors = append(res.Errors, fmt.Errorf("print job %d of %q (%s): still listed by the scheduler after it accepted the purge", j.id, user, stateName(j.state)))
		} else if _, seen := find(jobs, j.id); !seen {
			res.Errors = append(res.Errors, fmt.Errorf("print job %d of %q (%s): submitted during the purge, not purged", j.id, user, stateName(j.state)))
		}
	}
	if len(res.Errors) > 0 {
		return res, fmt.Errorf("printspool: %d problem(s) purging the print jobs of %q "+
			"(their documents may remain in the CUPS spool: see the scheduler's error_log; "+
			"between sessions, \"cancel -a -x\" purges the jobs of every user): %w", len(res.Errors), user, errors.Join(res.Errors...))
	}
	return res, nil
}

func find(jobs []job, id int32) (job, bool) {
	for _, j := range jobs {
		if j.id == id {
			return j, true
		}
	}
	return job{}, false
}

// waitGone lists the user's jobs until none of purged is left or purgedWait
// has passed, and returns what is still listed.
func (c *client) waitGone(ctx context.Context, user string, purged map[int32]bool) ([]job, error) {
	deadline := time.Now().Add(purgedWait)
	for {
		left, _, err := c.userJobs(ctx, user)
		if err != nil {
			return nil, err
		}
		pending := false
		for _, j := range left {
			pending = pending || purged[j.id]
		}
		if !pending || time.Now().After(deadline) {
			return left, nil
		}
		select {
		case <-ctx.Done():
			return left, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// userJobs lists every job, finished or not, that the scheduler holds for
// user. The scheduler's own filter is not enough: cupsd matches my-jobs
// without regard to case, so "Alice" would get alice's list; a job is kept
// only if its job-originating-user-name is byte for byte the user. Jobs
// listed without that proof are counted in skipped and left alone.
func (c *client) userJobs(ctx context.Context, user string) (jobs []job, skipped int, err error) {
	req := newRequest(opGetJobs, 0, uriAttr("printer-uri", "ipp://localhost/"), user,
		keywordAttr("which-jobs", "all"),
		booleanAttr("my-jobs", true),
		keywordAttr("requested-attributes", "job-id", "job-state", "job-originating-user-name"),
	)
	resp, err := c.do(ctx, "/", req, false)
	if err != nil {
		return nil, 0, err
	}
	if err := statusError(resp); err != nil {
		return nil, 0, fmt.Errorf("Get-Jobs: %w", err)
	}
	for _, g := range resp.groups {
		if g.tag != tagJobGroup {
			continue
		}
		j, owner, ok := jobOf(g)
		if !ok || owner != user {
			skipped++
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs, skipped, nil
}

func jobOf(g group) (j job, owner string, ok bool) {
	get := func(name string) (value, bool) {
		a, ok := g.get(name)
		if !ok || len(a.values) != 1 {
			return value{}, false
		}
		return a.first()
	}
	v, ok1 := get("job-id")
	s, ok2 := get("job-state")
	u, ok3 := get("job-originating-user-name")
	if !ok1 || !ok2 || !ok3 || v.tag != tagInteger || s.tag != tagEnum {
		return job{}, "", false
	}
	id, ok1 := v.integer()
	state, ok2 := s.integer()
	owner, ok3 = u.text()
	if !ok1 || !ok2 || !ok3 || id <= 0 || (u.tag != tagName && u.tag != tagNameWithLanguage) {
		return job{}, "", false
	}
	return job{id: id, state: state}, owner, true
}

// cancelPurge asks, as root, for the job to be cancelled and purged.
// purge-job is a CUPS extension to Cancel-Job: without it cupsd refuses to
// cancel a finished job and keeps its files; with it cupsd also accepts a
// finished job and deletes its history entry and spool files at once.
func (c *client) cancelPurge(ctx context.Context, id int32) error {
	req := newRequest(opCancelJob, 0, uriAttr("job-uri", "ipp://localhost/jobs/"+strconv.Itoa(int(id))), "root",
		booleanAttr("purge-job", true),
	)
	resp, err := c.do(ctx, "/jobs/", req, true)
	if err != nil {
		return err
	}
	if err := statusError(resp); err != nil {
		return fmt.Errorf("Cancel-Job with purge-job: %w", err)
	}
	return nil
}

// statusError turns an IPP error status into an error carrying the
// scheduler's own explanation (status-message), which names the cause.
func statusError(m *message) error {
	if m.code <= statusOKConflicting {
		return nil
	}
	msg := ""
	for _, g := range m.groups {
		if g.tag != tagOperationGroup {
			continue
		}
		if a, ok := g.get("status-message"); ok {
			if v, ok := a.first(); ok {
				msg, _ = v.text()
			}
		}
	}
	if msg == "" {
		return fmt.Errorf("IPP status 0x%04x", m.code)
	}
	return fmt.Errorf("IPP status 0x%04x: %s", m.code, msg)
}

func stateName(s int32) string {
	switch s {
	case jobPending:
		return "pending"
	case jobPendingHeld:
		return "held"
	case jobProcessing:
		return "processing"
	case jobProcessingStopped:
		return "stopped"
	case jobCanceled:
		return "canceled"
	case jobAborted:
		return "aborted"
	case jobCompleted:
		return "completed"
	}
	return "state " + strconv.Itoa(int(s))
}
