package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"time"
)

var (
	// ErrAgentNotRunning means nothing answers on the agent's socket.
	ErrAgentNotRunning = errors.New("the Ardoise agent is not running; start it with: ardoise run")
	// ErrNotAuthentic means the program answering on the socket is not run
	// by the expected user, so it may be a fake that would lie about the
	// computer being clean (threats.md I6).
	ErrNotAuthentic = errors.New("le service Ardoise n'est pas authentique (the program answering on the socket is not the Ardoise agent)")
)

// APIError is an error answer of the agent.
type APIError struct {
	Status  int    // HTTP status
	Code    string // stable code, see Error
	Message string // French first, for people
}

func (e *APIError) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Code) }

// IsForbidden reports whether err is the agent refusing the caller.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsConflict reports whether err says a session is already running.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsNoSession reports whether err says there is no session to act on.
func IsNoSession(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == "no_session"
}

func hasStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// Client talks to the agent over its socket.
type Client struct {
	socket  string
	trusted []int // uids the agent may run as; empty: do not check
	hc      *http.Client
	stream  *http.Client
}

// NewClient returns a client for the agent listening on socket. trusted
// lists the uids the agent may run as: root (0) for the system service, the
// caller's own uid for a foreground agent. A server run by anyone else is
// refused with ErrNotAuthentic (threats.md I6). With no uid given the server
// is not checked (tests only).
func NewClient(socket string, trusted ...int) *Client {
	c := &Client{socket: socket, trusted: trusted}
	tr := &http.Transport{DialContext: c.dial, MaxIdleConns: 2, IdleConnTimeout: 30 * time.Second}
	c.hc = &http.Client{Transport: tr}
	c.stream = &http.Client{Transport: &http.Transport{DialContext: c.dial, DisableKeepAlives: true}}
	return c
}

func (c *Client) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socket)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w (no agent on %s)", ErrAgentNotRunning, c.socket)
		}
		return nil, err
	}
	if len(c.trusted) > 0 {
		uid, err := serverUID(conn)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w: %v", ErrNotAuthentic, err)
		}
		if !slices.Contains(c.trusted, uid) {
			conn.Close()
			return nil, fmt.Errorf("%w: it runs as uid %d, expected one of %v", ErrNotAuthentic, uid, c.trusted)
		}
	}
	return conn, nil
}

func (c *Client) do(ctx context.Context, method, route string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := "http://" + Host + route
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return unwrapURLError(err)
	}
	defer resp.Body.Close()
	return decodeAnswer(resp, out)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func decodeAnswer(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(data, &e) != nil || e.Message == "" {
			e = Error{Code: "http_" + strconv.Itoa(resp.StatusCode), Message: http.StatusText(resp.StatusCode)}
		}
		return &APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("read the agent's answer: %w", err)
	}
	return nil
}

// Status asks the agent what it is doing.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodGet, RouteStatus, nil, nil, &s)
	return s, err
}

// Preview asks what the end of the session will erase; limit bounds the
// items listed (the count covers all).
func (c *Client) Preview(ctx context.Context, limit int) (Preview, error) {
	var p Preview
	err := c.do(ctx, http.MethodGet, RoutePreview, url.Values{"limit": {strconv.Itoa(limit)}}, nil, &p)
	return p, err
}

// Start asks for a session for the caller's own user.
func (c *Client) Start(ctx context.Context, r StartRequest) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodPost, RouteSessionStart, nil, r, &s)
	return s, err
}

// End asks to end the caller's session; it returns when the wipe is done.
func (c *Client) End(ctx context.Context, r EndRequest) (WipeReport, error) {
	var w WipeReport
	err := c.do(ctx, http.MethodPost, RouteSessionEnd, nil, r, &w)
	return w, err
}

// ReportIdle tells the agent how long the person has been away.
func (c *Client) ReportIdle(ctx context.Context, r IdleReport) error {
	return c.do(ctx, http.MethodPost, RouteIdle, nil, r, nil)
}

// Events streams the agent's events after sequence number since, until ctx
// ends or the connection drops; the error says which. Reconnecting is the
// caller's choice (resume with the last Seq seen).
func (c *Client) Events(ctx context.Context, since uint64, fn func(Event)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+Host+RouteEvents+"?since="+strconv.FormatUint(since, 10), nil)
	if err != nil {
		return err
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		return unwrapURLError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return decodeAnswer(resp, nil)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return fmt.Errorf("read event: %w", err)
		}
		fn(ev)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}
