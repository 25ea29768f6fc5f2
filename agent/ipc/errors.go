package ipc

import (
	"errors"
	"fmt"
)

// Error is the JSON body of every error answer, and the error the agent's
// code returns to choose the answer's status.
type Error struct {
	// Status is the HTTP status (400, 403, 404, 405, 409, 413, 429, …).
	Status int `json:"status"`
	// Code is stable, for programs: one of the Code constants.
	Code string `json:"code"`
	// Message is French first, then English in brackets, for people.
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s [%d %s]", e.Message, e.Status, e.Code) }

// Errorf returns an Error with a formatted message.
func Errorf(status int, code, format string, a ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Error codes (Error.Code).
const (
	CodeBadRequest   = "bad_request"   // malformed request
	CodeUnknownField = "unknown_field" // a JSON field the request type does not have (a path, a uid…)
	CodeForbidden    = "forbidden"     // the caller may not do this
	CodeUnknownPeer  = "unknown_peer"  // the caller's identity could not be read
	CodeBrowser      = "browser"       // Origin, Referer or a foreign Host: a web page, refused
	CodeNotFound     = "not_found"     // no such route
	CodeMethod       = "method"        // wrong HTTP method for the route
	CodeConflict     = "conflict"      // a session is already running
	CodeNoSession    = "no_session"    // no session to act on
	CodeTooLarge     = "too_large"     // body over the limit
	CodeTooMany      = "too_many"      // over the per-user request rate
	CodeNotKiosk     = "not_kiosk"     // this account may not start a session
	CodeWipePending  = "wipe_pending"  // the previous session's wipe is not finished
	CodeInternal     = "internal"      // the agent failed; see its log
)

// CodeJournal: the crash journal cannot be written (the state folder is
// full or broken); no session starts until an administrator acts.
const CodeJournal = "journal_unavailable"

var (
	// ErrAgentNotRunning means nothing answers on the agent's socket.
	ErrAgentNotRunning = errors.New("the Ardoise agent is not running; start it with: ardoise run")
	// ErrNotAuthentic means the program answering on the socket is not run
	// by the expected user, so it may be a fake that would lie about the
	// computer being clean (threats.md I6).
	ErrNotAuthentic = errors.New("le service Ardoise n'est pas authentique (the program answering on the socket is not the Ardoise agent)")
	// ErrEventsClosed ends an event stream the agent closed (it stops, or
	// the reader was too slow). Reconnect with since = the last Seq seen.
	ErrEventsClosed = errors.New("the agent closed the event stream; reconnect with since = the last event's seq")
)

// AccessDeniedError is the agent refusing the caller (403): the session
// belongs to another user, or this account may not start one.
type AccessDeniedError struct{ Err *Error }

func (e *AccessDeniedError) Error() string { return "access denied: " + e.Err.Error() }
func (e *AccessDeniedError) Unwrap() error { return e.Err }

// ConflictError is the agent saying the state does not allow the request
// (409): a session is already running, there is none, or the last wipe is
// not finished. Err.Code says which.
type ConflictError struct{ Err *Error }

func (e *ConflictError) Error() string { return "conflict: " + e.Err.Error() }
func (e *ConflictError) Unwrap() error { return e.Err }
