package ipc

import (
	"errors"
	"fmt"
	"slices"
)

// Error is the JSON body of every error answer, and the error the agent's
// code returns to refuse a request. The agent's code says what went wrong
// (Code, Message); the socket layer (agent/ipcserver) alone chooses the
// HTTP status from the code and fills Status before it answers.
type Error struct {
	// Status is the HTTP status (400, 403, 404, 405, 409, 413, 429, …); 0
	// in an Error the agent has not answered yet.
	Status int `json:"status"`
	// Code is stable, for programs: one of ErrorCodes.
	Code string `json:"code"`
	// Message is French first, then English in brackets, for people.
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s [%s]", e.Message, e.Code)
	}
	return fmt.Sprintf("%s [%d %s]", e.Message, e.Status, e.Code)
}

// Errorf returns an Error with code (one of ErrorCodes) and a formatted
// message; the socket layer gives it its status.
func Errorf(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...)}
}

// Error codes (Error.Code). Every one is in ErrorCodes, which the socket
// layer's status table and the window's texts are tested against.
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

	// CodeSystemAccount: the kiosk account is a system account (uid
	// below the first ordinary one, or a service account): no session.
	CodeSystemAccount = "system_account"
	// CodeUnsafeRoot: a folder of the policy is a link the session start
	// cannot remove; a person would save where Ardoise does not watch.
	CodeUnsafeRoot = "unsafe_root"
	// CodeEmptiesHome: the policy's erase rule would empty the whole
	// home folder; the session is refused.
	CodeEmptiesHome = "empties_home"
	// CodeAccompaniedDisabled: the policy does not enable accompanied
	// sessions (session.accompanied.enabled).
	CodeAccompaniedDisabled = "accompanied_disabled"
	// CodeWrongCode: the aidant's staff code is wrong.
	CodeWrongCode = "wrong_code"
	// CodeTooManyAttempts: too many wrong staff codes; wait and retry.
	CodeTooManyAttempts = "too_many_attempts"
	// CodePolicy: the policy is broken where the request needs it (the
	// staff code's hash cannot be read).
	CodePolicy = "policy"
	// CodeJournal: the crash journal cannot be written (the state folder
	// is full or broken); no session starts until an administrator acts.
	CodeJournal = "journal_unavailable"
)

var errorCodes = []string{
	CodeBadRequest, CodeUnknownField, CodeForbidden, CodeUnknownPeer, CodeBrowser,
	CodeNotFound, CodeMethod, CodeConflict, CodeNoSession, CodeTooLarge, CodeTooMany,
	CodeNotKiosk, CodeWipePending, CodeInternal, CodeSystemAccount, CodeUnsafeRoot,
	CodeEmptiesHome, CodeAccompaniedDisabled, CodeWrongCode, CodeTooManyAttempts,
	CodePolicy, CodeJournal,
}

// ErrorCodes returns every code an error answer can carry (a test checks
// that it lists every Code constant of this file). The client also makes
// up "http_NNN" for an answer that is not an Error (a proxy, a foreign
// program): that is not a code the agent sends.
func ErrorCodes() []string { return slices.Clone(errorCodes) }

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
