// Package ipc holds what the agent and its clients (the command line and
// the window) share: the wire types of the local interface, its routes, and a
// typed client. It imports only the standard library, so that linking it into
// the unprivileged window brings in nothing of the privileged agent.
//
// The protocol carries intents, never paths: no request type has a field
// that names a file, a folder, a pattern or a user. The agent decides what to
// erase; a client can only ask it to start or end the session of the user it
// runs as (threats.md D8).
package ipc

import "time"

// APIVersion is the version of the routes below; it is part of every path.
const APIVersion = "v1"

// Host is the fixed fake host name clients use; the server refuses any
// other, so a web page cannot reach the agent through a browser.
const Host = "ardoise.sock"

// Routes, kept sorted (a test checks it).
const (
	RouteEvents       = "/v1/events"
	RouteIdle         = "/v1/idle"
	RoutePreview      = "/v1/preview"
	RouteSessionEnd   = "/v1/session/end"
	RouteSessionStart = "/v1/session/start"
	RouteStatus       = "/v1/status"
)

// Session states.
const (
	StateIdle    = "idle"    // no session
	StateActive  = "active"  // a session is running
	StateEnding  = "ending"  // closing programs
	StateWiping  = "wiping"  // erasing
	StatePending = "pending" // the last wipe left entries to retry
)

// Session modes.
const (
	ModePublic      = "public"
	ModeAccompanied = "accompanied"
)

// Reasons a session ends. A client may send only ReasonButton, ReasonIdle
// and ReasonLogout; the others are the agent's own.
const (
	ReasonButton      = "button"
	ReasonIdle        = "idle"
	ReasonLogout      = "logout"
	ReasonCommand     = "command"
	ReasonMaxDuration = "max_duration"
	ReasonClosingTime = "closing_time"
	ReasonAgentStop   = "agent_stop"
	ReasonRecovery    = "recovery"
)

// Status is the answer to GET /v1/status. It holds no file name.
type Status struct {
	// State is one of the State constants.
	State string `json:"state"`
	// Mode is "public" or "accompanied" while a session runs, else empty.
	Mode string `json:"mode,omitempty"`
	// SessionID identifies the session; it says nothing about the person.
	SessionID string `json:"session_id,omitempty"`
	// Started is when the session started.
	Started *time.Time `json:"started,omitempty"`
	// UID is the user the session belongs to (-1 when none).
	UID int `json:"uid"`
	// Roots are the folders the session watches.
	Roots []RootStatus `json:"roots,omitempty"`
	// Entries counts what the session created so far, as the watcher saw
	// it (the end-of-session rescan is authoritative).
	Entries int `json:"entries"`
	// Deadlines are the automatic ends coming, if any.
	Deadlines Deadlines `json:"deadlines"`
	// LastWipe is the report of the last session's wipe.
	LastWipe *WipeReport `json:"last_wipe,omitempty"`
	// Version is the agent's version.
	Version string `json:"version"`
}

// RootStatus is one watched folder.
type RootStatus struct {
	// Label is the folder's name in plain words ("Téléchargements").
	Label string `json:"label"`
	// State is "watching", "rescan" (the watcher could not follow it all;
	// it is fully rescanned at the end), "refused" or "absent".
	State string `json:"state"`
	// Code says why a folder is refused, for programs: "symlink",
	// "other_mount", "unsafe_parent", "outside_home", "error".
	Code string `json:"code,omitempty"`
	// Reason says the same in plain French.
	Reason string `json:"reason,omitempty"`
}

// Deadlines are the automatic session ends coming.
type Deadlines struct {
	Idle        *time.Time `json:"idle,omitempty"`
	MaxDuration *time.Time `json:"max_duration,omitempty"`
	ClosingTime *time.Time `json:"closing_time,omitempty"`
}

// Preview is the answer to GET /v1/preview: what the end of the session
// will erase. It holds file names, so only the session's user (or an
// administrator) may read it.
type Preview struct {
	// Count is the number of entries that will be erased.
	Count int `json:"count"`
	// Bytes is their total size.
	Bytes int64 `json:"bytes"`
	// Items are the first entries, at most the limit asked.
	Items []PreviewItem `json:"items"`
	// Truncated reports that Items does not list every entry.
	Truncated bool `json:"truncated"`
}

// PreviewItem is one entry that will be erased.
type PreviewItem struct {
	// Name is the entry's name, safe to display (see DisplayName).
	Name string `json:"name"`
	// Kind is "downloaded", "scanned" or "created".
	Kind string `json:"kind"`
	// Size in bytes (0 for a folder).
	Size int64 `json:"size"`
	// Folder is the label of the root it is in ("Téléchargements").
	Folder string `json:"folder"`
	// Dir reports a folder.
	Dir bool `json:"dir,omitempty"`
}

// StartRequest is the body of POST /v1/session/start.
type StartRequest struct {
	// Mode is "public" (default) or "accompanied".
	Mode string `json:"mode,omitempty"`
}

// EndRequest is the body of POST /v1/session/end.
type EndRequest struct {
	// Reason is "button" (default), "idle" or "logout".
	Reason string `json:"reason,omitempty"`
}

// IdleReport is the body of POST /v1/idle: how long the person has not
// touched the keyboard or mouse. It is advisory: maximum durations and
// closing times are enforced by the agent whatever clients say.
type IdleReport struct {
	IdleSeconds int `json:"idle_seconds"`
}

// WipeReport is what a session's end did. It holds no file name except in
// Pending, which only the session's user or an administrator receives.
type WipeReport struct {
	SessionID string    `json:"session_id"`
	Reason    string    `json:"reason"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Removed   Removed   `json:"removed"`
	Kept      Kept      `json:"kept"`
	// Pending lists what could not be erased yet; it is retried at the
	// next start of the agent, before the next person.
	Pending []PendingItem `json:"pending,omitempty"`
	// PendingCount counts them all (Pending may be cut short).
	PendingCount int `json:"pending_count"`
	// CreatedDuringWipe counts entries that appeared while erasing.
	CreatedDuringWipe int `json:"created_during_wipe"`
	// Verified reports that a scan after erasing found nothing left.
	Verified bool `json:"verified"`
	// Traces lists the traces cleared besides the watched folders
	// ("recent_files"); trash and thumbnails are wiped like folders.
	Traces []string `json:"traces,omitempty"`
	// Journal is "ok", or says why the crash journal could not be written
	// (for example a full disk); the wipe does not depend on it.
	Journal string `json:"journal"`
}

// Removed counts what was erased.
type Removed struct {
	Files int   `json:"files"`
	Dirs  int   `json:"dirs"`
	Links int   `json:"links"`
	Other int   `json:"other"`
	Bytes int64 `json:"bytes"`
}

// Kept counts what was found and deliberately left.
type Kept struct {
	// Preexisting entries were there before the session.
	Preexisting int `json:"preexisting"`
	// Modified entries were there before and changed during the session.
	Modified int `json:"modified"`
	// Replaced entries are new files saved over a name that existed.
	Replaced int `json:"replaced"`
	// Foreign entries belong to another account.
	Foreign int `json:"foreign"`
	// OtherMedium entries are other disks, keys or shares, never entered.
	OtherMedium int `json:"other_medium"`
	// Matched entries match a keep pattern of the policy.
	Matched int `json:"matched"`
}

// PendingItem is one entry that could not be erased yet.
type PendingItem struct {
	Folder string `json:"folder"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Event is one line of GET /v1/events.
type Event struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// Type is "state", "entries", "warning", "progress" or "wipe_done".
	Type string `json:"type"`
	// State is the new state, for "state".
	State string `json:"state,omitempty"`
	// Count is the number of session entries ("entries") or removed so far
	// ("progress").
	Count int `json:"count,omitempty"`
	// Reason is why the session is ending or will end ("warning").
	Reason string `json:"reason,omitempty"`
	// Deadline is when the session will end, for "warning".
	Deadline *time.Time `json:"deadline,omitempty"`
	// Report is the wipe's report, for "wipe_done".
	Report *WipeReport `json:"report,omitempty"`
}

// Error is the body of every error answer.
type Error struct {
	// Code is stable, for programs: "bad_request", "forbidden",
	// "conflict", "no_session", "not_found", "too_large", …
	Code string `json:"code"`
	// Message is French first, for people.
	Message string `json:"message"`
}
