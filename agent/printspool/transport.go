package printspool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// ErrNoScheduler is returned, wrapped, when no CUPS scheduler answers on the
// socket: the computer has no print system running, so it holds no print
// job to purge. The agent logs it rather than failing the session's end.
var ErrNoScheduler = errors.New("no CUPS scheduler is running")

// errUnauthorized is the scheduler refusing who we said we were.
var errUnauthorized = errors.New("the scheduler refused the request (HTTP 401)")

// requestTimeout bounds one request when the caller's context has no
// deadline: a hung scheduler must not hold the end of a session forever.
const requestTimeout = 30 * time.Second

// DefaultSocket is the scheduler's domain socket where the system's CUPS
// puts it (Debian, Fedora, and macOS respectively).
func DefaultSocket() string {
	if runtime.GOOS == "darwin" {
		return "/private/var/run/cupsd"
	}
	return "/run/cups/cups.sock"
}

// socketPath follows the CUPS_SERVER convention for what it needs of it: a
// value that starts with '/' is a domain socket. A host name is refused: the
// jobs to purge are in this computer's spool, and a remote scheduler's
// history is not ours to clean.
func socketPath(server string) (string, error) {
	if server == "" {
		return DefaultSocket(), nil
	}
	if !strings.HasPrefix(server, "/") {
		return "", fmt.Errorf("print server %q is not a local socket path (starting with '/'): "+
			"only the local CUPS scheduler can be purged; set the server to its socket, e.g. %s", server, DefaultSocket())
	}
	return server, nil
}

type client struct {
	socket string
	tr     *http.Transport
	http   *http.Client
	nextID uint32
}

func newClient(socket string) *client {
	tr := &http.Transport{
		// The host in URLs is only for the Host header ("localhost",
		// which cupsd accepts on its socket); every connection goes to
		// the socket, and no proxy from the environment applies.
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		Proxy:               nil,
		DisableCompression:  true,
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     10 * time.Second,
	}
	return &client{socket: socket, tr: tr, http: &http.Client{Transport: tr}}
}

func (c *client) close() { c.tr.CloseIdleConnections() }

// isNoScheduler tells a scheduler that is not there (no socket, or a socket
// left behind by a cupsd that has exited) from one that fails.
func isNoScheduler(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)
}

// do sends one IPP request to path on the scheduler and returns its answer,
// whatever its IPP status: callers judge the status in their own context.
// asRoot lets do prove, when the scheduler asks for it, that the request
// comes from root; a request whose answer depends on who asks (Get-Jobs with
// my-jobs) must not, or it would be answered for root.
func (c *client) do(ctx context.Context, path string, req *message, asRoot bool) (*message, error) {
	c.nextID++
	req.requestID = c.nextID
	body, err := req.encode()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	resp, err := c.post(ctx, path, body, "")
	if err == nil && resp.StatusCode == http.StatusUnauthorized && asRoot && os.Geteuid() == 0 {
		// The local policy wants an authenticated administrator, not a
		// requesting-user-name. On its domain socket cupsd checks
		// "PeerCred" against the kernel's credentials of the connection,
		// so the agent, running as root, proves it without a password.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxMessageSize))
		resp.Body.Close()
		resp, err = c.post(ctx, path, body, "PeerCred root")
	}
	if err != nil {
		if isNoScheduler(err) {
			return nil, fmt.Errorf("connect to %s: %w: %w", c.socket, ErrNoScheduler, err)
		}
		return nil, fmt.Errorf("talk to the CUPS scheduler at %s: %w", c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("%s on %s: %w", req.opName(), c.socket, errUnauthorized)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s on %s: HTTP status %q", req.opName(), c.socket, resp.Status)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/ipp" {
		return nil, fmt.Errorf("%s on %s: answer of type %q, not application/ipp: is this socket a CUPS scheduler?", req.opName(), c.socket, ct)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxMessageSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s on %s: read the answer: %w", req.opName(), c.socket, err)
	}
	m, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", req.opName(), c.socket, err)
	}
	if m.requestID != req.requestID {
		return nil, fmt.Errorf("%s on %s: answer to request %d, not %d", req.opName(), c.socket, m.requestID, req.requestID)
	}
	return m, nil
}

func (c *client) post(ctx context.Context, path string, body []byte, auth string) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/ipp")
	if auth != "" {
		hr.Header.Set("Authorization", auth)
	}
	return c.http.Do(hr)
}

func (m *message) opName() string {
	switch m.code {
	case opGetJobs:
		return "Get-Jobs"
	case opCancelJob:
		return "Cancel-Job"
	}
	return fmt.Sprintf("operation 0x%04x", m.code)
}
