// Package ipcserver serves the agent's local interface: HTTP over a unix
// socket, where every request is authorised from the kernel's word on who is
// connected (SO_PEERCRED), never from the request. It is the one place that
// decides who may do what: anyone local may ask the status; only the
// session's own user, or root and the administrators, may see what will be
// erased, end the session or report idleness (threats.md D8, T9).
package ipcserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/peercred"
)

// Peer is an authenticated client.
type Peer struct {
	peercred.Peer
	// Admin reports root or a member of the policy's admin group.
	Admin bool
}

// Backend is the agent as the server sees it.
type Backend interface {
	// Owner returns the account of the current session's user; ok is
	// false when no session runs.
	Owner() (owner peercred.Account, ok bool)
	Status(ctx context.Context) ipc.Status
	Preview(ctx context.Context, limit int) (ipc.Preview, error)
	// Start starts a session for p's own user. While a session of p's user
	// runs, a request for another mode switches the mode and must not
	// retake the baseline (threats.md B6).
	Start(ctx context.Context, p Peer, r ipc.StartRequest) (ipc.Status, error)
	End(ctx context.Context, p Peer, r ipc.EndRequest) (ipc.WipeReport, error)
	Idle(ctx context.Context, p Peer, r ipc.IdleReport) error
	// Subscribe streams events after since; cancel releases it.
	Subscribe(since uint64) (events <-chan ipc.Event, cancel func())
}

// Error is an error with the code to answer; it is the wire type itself,
// so what the backend says is what the client reads. The backend never
// chooses the HTTP status: writeError does, from the code (statusOf).
type Error = ipc.Error

// statuses is the HTTP status of each error code: the one place an
// agent's refusal becomes a status (a test checks it has every code of
// ipc.ErrorCodes, and no other).
var statuses = map[string]int{
	ipc.CodeBadRequest:          http.StatusBadRequest,
	ipc.CodeUnknownField:        http.StatusBadRequest,
	ipc.CodeForbidden:           http.StatusForbidden,
	ipc.CodeUnknownPeer:         http.StatusForbidden,
	ipc.CodeBrowser:             http.StatusForbidden,
	ipc.CodeNotFound:            http.StatusNotFound,
	ipc.CodeMethod:              http.StatusMethodNotAllowed,
	ipc.CodeConflict:            http.StatusConflict,
	ipc.CodeNoSession:           http.StatusConflict,
	ipc.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	ipc.CodeTooMany:             http.StatusTooManyRequests,
	ipc.CodeNotKiosk:            http.StatusForbidden,
	ipc.CodeWipePending:         http.StatusConflict,
	ipc.CodeInternal:            http.StatusInternalServerError,
	ipc.CodeSystemAccount:       http.StatusForbidden,
	ipc.CodeUnsafeRoot:          http.StatusConflict,
	ipc.CodeEmptiesHome:         http.StatusConflict,
	ipc.CodeAccompaniedDisabled: http.StatusForbidden,
	ipc.CodeWrongCode:           http.StatusForbidden,
	ipc.CodeTooManyAttempts:     http.StatusTooManyRequests,
	ipc.CodePolicy:              http.StatusInternalServerError,
	ipc.CodeJournal:             http.StatusServiceUnavailable,
}

// statusOf returns the status to answer an error of code with; a code
// without one (a bug the test catches) is answered as the agent failing.
func statusOf(code string) int {
	if st, ok := statuses[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// Config configures a server.
type Config struct {
	Backend Backend
	Logger  *slog.Logger
	// IsAdmin says whether a uid may act on any session besides root.
	IsAdmin func(uid uint32) bool
	// MaxConnsPerUID bounds the connections one user holds; more are closed
	// at once. Default 16.
	MaxConnsPerUID int
	// ReadHeaderTimeout defaults to 5s (slow clients are cut).
	ReadHeaderTimeout time.Duration
}

// MaxBody bounds request bodies; no request needs more than a few bytes.
const MaxBody = 64 << 10

// Server is a running local interface.
type Server struct {
	cfg  Config
	log  *slog.Logger
	http *http.Server
}

type ctxKey struct{}

// New prepares a server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxConnsPerUID <= 0 {
		cfg.MaxConnsPerUID = 16
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 5 * time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	for route, h := range s.routes() {
		mux.HandleFunc(route, h)
	}
	s.http = &http.Server{
		Handler:           s.guard(mux),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if pc, ok := c.(*peerConn); ok {
				return context.WithValue(ctx, ctxKey{}, pc.peer)
			}
			return ctx
		},
	}
	return s
}

func (s *Server) routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET " + ipc.RouteEvents:        s.serveEvents,
		"POST " + ipc.RouteIdle:         s.serveIdle,
		"GET " + ipc.RoutePreview:       s.servePreview,
		"POST " + ipc.RouteSessionEnd:   s.serveEnd,
		"POST " + ipc.RouteSessionStart: s.serveStart,
		"GET " + ipc.RouteStatus:        s.serveStatus,
	}
}

// Serve answers on l until ctx ends.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	pl := &peerListener{Listener: l, s: s, perUser: map[string]int{}}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.http.Shutdown(sctx)
	}()
	err := s.http.Serve(pl)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// peerListener authenticates each connection as it is accepted and closes
// at once those over the per-user limit, so one user cannot take all the
// agent's descriptors (threats.md I4).
type peerListener struct {
	net.Listener
	s       *Server
	mu      sync.Mutex
	perUser map[string]int // open connections per account (peerKey)
}

type peerConn struct {
	net.Conn
	peer Peer
	once sync.Once
	l    *peerListener
}

func (c *peerConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		k := peerKey(c.peer.Peer)
		c.l.perUser[k]--
		if c.l.perUser[k] <= 0 {
			delete(c.l.perUser, k)
		}
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		pc, err := peercred.Get(c)
		if err != nil {
			l.s.log.Warn("refused a local connection whose peer is unknown", "err", err)
			c.Close()
			continue
		}
		if a, ok := l.Listener.(admitter); ok {
			if err := a.admit(pc); err != nil {
				l.s.log.Warn("refused a local connection from another session", "sid", pc.SID, "session", pc.Session, "pid", pc.PID, "err", err)
				c.Close()
				continue
			}
		}
		l.mu.Lock()
		if l.perUser[peerKey(pc)] >= l.s.cfg.MaxConnsPerUID {
			l.mu.Unlock()
			l.s.log.Warn("too many connections from one user; closing", "uid", pc.UID, "sid", pc.SID)
			c.Close()
			continue
		}
		l.perUser[peerKey(pc)]++
		l.mu.Unlock()
		admin := pc.UID == 0 || (l.s.cfg.IsAdmin != nil && l.s.cfg.IsAdmin(pc.UID))
		return &peerConn{Conn: c, peer: Peer{Peer: pc, Admin: admin}, l: l}, nil
	}
}

func peerOf(r *http.Request) (Peer, bool) {
	p, ok := r.Context().Value(ctxKey{}).(Peer)
	return p, ok
}

// guard refuses what a browser could send (a web page making the
// person's browser talk to the agent) and unauthenticated requests.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != ipc.Host {
			writeError(w, ipc.Errorf(ipc.CodeBrowser, "hôte refusé (wrong host)"))
			return
		}
		if r.Header.Get("Origin") != "" || r.Header.Get("Referer") != "" {
			writeError(w, ipc.Errorf(ipc.CodeBrowser, "requête de navigateur refusée (browser requests are refused)"))
			return
		}
		if _, ok := peerOf(r); !ok {
			writeError(w, ipc.Errorf(ipc.CodeUnknownPeer, "appelant inconnu (unknown caller)"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = ipc.Errorf(ipc.CodeInternal, "%v", err)
	}
	answer := *e // e may be shared (a package's error value): not changed
	answer.Status = statusOf(e.Code)
	writeJSON(w, answer.Status, &answer)
}

// decode reads a JSON body strictly: an unknown field is refused, which is
// how a request naming a path is turned away (threats.md I1, I7).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil // an empty body means the defaults
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return ipc.Errorf(ipc.CodeTooLarge, "requête trop grande (request too large)")
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return ipc.Errorf(ipc.CodeUnknownField, "champ inconnu: %s (unknown field)", field)
	case err != nil:
		return ipc.Errorf(ipc.CodeBadRequest, "requête illisible (malformed request): %v", err)
	}
	if dec.More() {
		return ipc.Errorf(ipc.CodeBadRequest, "requête illisible (one JSON object expected)")
	}
	return nil
}

// mayActOnSession authorises the session-scoped routes: the session's own
// user, root and administrators.
func (s *Server) mayActOnSession(r *http.Request, what string) (Peer, error) {
	p, _ := peerOf(r)
	owner, ok := s.cfg.Backend.Owner()
	if !ok {
		return p, ipc.Errorf(ipc.CodeNoSession, "aucune session en cours (no session)")
	}
	if p.Admin || p.Account().Same(owner) {
		return p, nil
	}
	s.log.Warn("refused a request for another user's session", "uid", p.UID, "sid", p.SID, "pid", p.PID, "request", what)
	return p, ipc.Errorf(ipc.CodeForbidden, "cette session appartient à un autre utilisateur (this session belongs to another user)")
}

func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Backend.Status(r.Context()))
}

func (s *Server) servePreview(w http.ResponseWriter, r *http.Request) {
	if _, err := s.mayActOnSession(r, "preview"); err != nil {
		writeError(w, err)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			writeError(w, ipc.Errorf(ipc.CodeBadRequest, "limit: un nombre de 0 à 10000 (a number from 0 to 10000)"))
			return
		}
		limit = n
	}
	p, err := s.cfg.Backend.Preview(r.Context(), limit)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) serveStart(w http.ResponseWriter, r *http.Request) {
	var req ipc.StartRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.Mode == "" {
		req.Mode = ipc.ModePublic
	}
	if req.Mode != ipc.ModePublic && req.Mode != ipc.ModeAccompanied {
		writeError(w, ipc.Errorf(ipc.CodeBadRequest, "mode: public ou accompanied (public or accompanied)"))
		return
	}
	p, _ := peerOf(r)
	if owner, ok := s.cfg.Backend.Owner(); ok && !owner.Same(p.Account()) && !p.Admin {
		s.log.Warn("refused a session start while another user's session runs", "uid", p.UID, "pid", p.PID)
		writeError(w, ipc.Errorf(ipc.CodeForbidden, "une session d'un autre utilisateur est en cours (another user's session is running)"))
		return
	}
	st, err := s.cfg.Backend.Start(r.Context(), p, req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) serveEnd(w http.ResponseWriter, r *http.Request) {
	var req ipc.EndRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	switch req.Reason {
	case "":
		req.Reason = ipc.ReasonButton
	case ipc.ReasonButton, ipc.ReasonIdle, ipc.ReasonLogout, ipc.ReasonCommand:
	default:
		writeError(w, ipc.Errorf(ipc.CodeBadRequest, "reason: button, idle, logout ou command (button, idle, logout or command)"))
		return
	}
	p, err := s.mayActOnSession(r, "end")
	if err != nil {
		writeError(w, err)
		return
	}
	// The wipe runs to its end even if the client goes away, and may take
	// longer than the request read timeout.
	http.NewResponseController(w).SetReadDeadline(time.Time{})
	rep, err := s.cfg.Backend.End(context.WithoutCancel(r.Context()), p, req)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) serveIdle(w http.ResponseWriter, r *http.Request) {
	var req ipc.IdleReport
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.IdleSeconds < 0 {
		writeError(w, ipc.Errorf(ipc.CodeBadRequest, "idle_seconds: un nombre positif (a positive number)"))
		return
	}
	p, err := s.mayActOnSession(r, "idle")
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.cfg.Backend.Idle(r.Context(), p, req); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	p, _ := peerOf(r)
	if owner, ok := s.cfg.Backend.Owner(); ok && !owner.Same(p.Account()) && !p.Admin {
		s.log.Warn("refused an event stream of another user's session", "uid", p.UID, "pid", p.PID)
		writeError(w, ipc.Errorf(ipc.CodeForbidden, "cette session appartient à un autre utilisateur (this session belongs to another user)"))
		return
	}
	since, _ := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	events, cancel := s.cfg.Backend.Subscribe(since)
	defer cancel()
	fl, _ := w.(http.Flusher)
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if fl != nil {
		fl.Flush()
	}
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-events:
			if !ok {
				return // dropped for being slow: the client resumes with since
			}
			if owner, ok := s.cfg.Backend.Owner(); ok && !owner.Same(p.Account()) && !p.Admin {
				return // the session changed hands
			}
			rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := enc.Encode(ev); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
	}
}

// peerKey names the account of a peer for the connection limit: its SID
// on Windows, where every account but SYSTEM shares one placeholder uid,
// else its uid.
func peerKey(p peercred.Peer) string {
	if p.SID != "" {
		return p.SID
	}
	return strconv.FormatUint(uint64(p.UID), 10)
}
