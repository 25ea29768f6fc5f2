package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"time"
)

// Client talks to the agent over its socket (a named pipe on Windows). It
// is safe for concurrent use.
type Client struct {
	socket string
	expect expectation
	hc     *http.Client // short requests; End may take as long as the wipe
	stream *http.Client // event streams, one connection each
}

// expectation is who the agent must be run by.
type expectation struct {
	uids []int // any of these numeric users (0: root; SYSTEM on Windows)
	self bool  // or the caller's own user
	set  bool  // an option replaced the default
}

// Option configures a Client.
type Option func(*Client)

// WithExpectedServerUID makes the client refuse an agent that does not run
// as uid (ErrNotAuthentic); given several times, any of them is accepted.
// The system service runs as 0 (on Windows, 0 stands for LocalSystem). It
// replaces the default, which accepts root or the caller's own user.
func WithExpectedServerUID(uid int) Option {
	return func(c *Client) {
		if !c.expect.set {
			c.expect = expectation{set: true}
		}
		c.expect.uids = append(c.expect.uids, uid)
	}
}

// WithSameUIDServer makes the client accept an agent run by the caller's
// own user (the foreground agent, `ardoise run`); it combines with
// WithExpectedServerUID and replaces the default.
func WithSameUIDServer() Option {
	return func(c *Client) {
		if !c.expect.set {
			c.expect = expectation{set: true}
		}
		c.expect.self = true
	}
}

func (e expectation) String() string {
	var s []string
	for _, u := range e.uids {
		s = append(s, "uid "+strconv.Itoa(u))
	}
	if e.self {
		s = append(s, "your own user")
	}
	if len(s) == 0 {
		return "nobody"
	}
	return fmt.Sprint(s)
}

// NewClient returns a client for the agent listening on socketPath (on
// Windows, a pipe name such as \\.\pipe\ProtectedPrefix\Administrators\Ardoise\agent).
//
// Every connection checks who runs the server, from the operating system
// (SO_PEERCRED, LOCAL_PEERCRED, the pipe server's process token) and
// refuses it with ErrNotAuthentic unless it is expected: by default root or
// the caller's own user; see WithExpectedServerUID and WithSameUIDServer.
// A fake agent could otherwise tell the person "tout est propre"
// (threats.md I6).
func NewClient(socketPath string, opts ...Option) *Client {
	c := &Client{socket: socketPath, expect: expectation{uids: []int{0}, self: true}}
	for _, o := range opts {
		o(c)
	}
	c.expect.uids = slices.Clip(c.expect.uids)
	c.hc = &http.Client{Transport: &http.Transport{
		DialContext: c.dial, MaxIdleConns: 2, IdleConnTimeout: 30 * time.Second,
		ResponseHeaderTimeout: 0, // End answers when the wipe is done
	}}
	c.stream = &http.Client{Transport: &http.Transport{DialContext: c.dial, DisableKeepAlives: true}}
	return c
}

// Socket returns the path the client dials.
func (c *Client) Socket() string { return c.socket }

func (c *Client) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	conn, err := dialAgent(ctx, c.socket)
	if err != nil {
		if isNotRunning(err) {
			return nil, fmt.Errorf("%w (nothing answers on %s)", ErrAgentNotRunning, c.socket)
		}
		return nil, fmt.Errorf("connect to the agent on %s: %w", c.socket, err)
	}
	if err := checkServer(conn, c.expect); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// selfUID is the caller's uid (-1 on Windows, where the check compares
// SIDs instead).
var selfUID = os.Getuid()

func (c *Client) do(ctx context.Context, method, route string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, requestURL(route, query), body)
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

func requestURL(route string, query url.Values) string {
	u := "http://" + Host + route
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// unwrapURLError drops net/http's "Get "http://ardoise.sock/…":" prefix,
// which tells a person nothing; the cause is kept.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// maxAnswer bounds what the client reads from the agent.
const maxAnswer = 16 << 20

func decodeAnswer(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("read the agent's answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return answerError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("read the agent's answer: %w", err)
	}
	return nil
}

// answerError turns an error answer into the typed error callers test with
// errors.AsType.
func answerError(status int, body []byte) error {
	e := &Error{}
	if json.Unmarshal(body, e) != nil || e.Message == "" {
		e = &Error{Code: "http_" + strconv.Itoa(status), Message: http.StatusText(status)}
	}
	e.Status = status
	switch status {
	case http.StatusForbidden:
		return &AccessDeniedError{Err: e}
	case http.StatusConflict:
		return &ConflictError{Err: e}
	}
	return e
}

// Status asks the agent what it is doing. Anyone local may ask.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodGet, RouteStatus, nil, nil, &s)
	return s, err
}

// Preview asks what the end of the session will erase; limit bounds the
// items listed (0: the agent's default, 100); the count covers all.
func (c *Client) Preview(ctx context.Context, limit int) (Preview, error) {
	var q url.Values
	if limit > 0 {
		q = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	var p Preview
	err := c.do(ctx, http.MethodGet, RoutePreview, q, nil, &p)
	return p, err
}

// Start asks for a session for the caller's own user.
func (c *Client) Start(ctx context.Context, r StartRequest) (Status, error) {
	var s Status
	err := c.do(ctx, http.MethodPost, RouteSessionStart, nil, r, &s)
	return s, err
}

// End asks to end the caller's session; it returns when the wipe is done,
// with its report. The wipe goes on even if ctx ends first.
func (c *Client) End(ctx context.Context, r EndRequest) (WipeReport, error) {
	var w WipeReport
	err := c.do(ctx, http.MethodPost, RouteSessionEnd, nil, r, &w)
	return w, err
}

// ReportIdle tells the agent how long the person has been away.
func (c *Client) ReportIdle(ctx context.Context, r IdleReport) error {
	return c.do(ctx, http.MethodPost, RouteIdle, nil, r, nil)
}

// maxEventLine bounds one event line (a wipe report with its pending list).
const maxEventLine = 4 << 20

// Events streams the agent's events numbered after since, until ctx ends,
// the connection drops or the loop stops. The sequence ends with one
// non-nil error: the refusal (*AccessDeniedError, ErrAgentNotRunning…),
// ctx.Err(), or ErrEventsClosed when the agent closed the stream.
// Reconnecting is the caller's choice: resume with the last Seq seen.
func (c *Client) Events(ctx context.Context, since uint64) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			requestURL(RouteEvents, url.Values{"since": {strconv.FormatUint(since, 10)}}), nil)
		if err != nil {
			yield(Event{}, err)
			return
		}
		resp, err := c.stream.Do(req)
		if err != nil {
			yield(Event{}, unwrapURLError(err))
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			yield(Event{}, decodeAnswer(resp, nil))
			return
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
		for sc.Scan() {
			var ev Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				yield(Event{}, fmt.Errorf("read an event from the agent: %w", err))
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case sc.Err() != nil:
			err = fmt.Errorf("%w: %w", ErrEventsClosed, sc.Err())
		default:
			err = ErrEventsClosed
		}
		yield(Event{}, err)
	}
}
