// Package ipc holds what the agent and its clients (the command line and
// the window) share: the wire types of the local interface, its routes, and a
// typed client. It imports only the standard library, so that linking it into
// the unprivileged window brings in nothing of the privileged agent (a test
// checks it).
//
// The protocol carries intents, never paths: no request type has a field
// that names a file, a folder, a pattern or a user. The agent decides what to
// erase; a client can only ask it to start or end the session of the user it
// runs as (threats.md D8, invariant 5).
//
// The JSON forms of these types are what `ardoise session … --json` prints:
// they are stable. Fields are only ever added; a field's meaning and JSON
// name do not change.
package ipc

import (
	"net/http"
	"time"
)

// APIVersion is the version of the routes below; it is part of every path.
const APIVersion = "v1"

// Host is the fixed fake host name clients use; the server refuses any
// other, so that a web page cannot reach the agent through a browser.
const Host = "ardoise.sock"

// Routes of the local interface.
const (
	// RouteEvents streams events as newline-delimited JSON (GET, ?since=N).
	RouteEvents = "/v1/events"
	// RouteIdle takes an IdleReport (POST).
	RouteIdle = "/v1/idle"
	// RoutePreview answers a Preview (GET, ?limit=N).
	RoutePreview = "/v1/preview"
	// RouteSessionEnd takes an EndRequest and answers the WipeReport once the
	// wipe is done (POST).
	RouteSessionEnd = "/v1/session/end"
	// RouteSessionStart takes a StartRequest and answers the Status (POST).
	RouteSessionStart = "/v1/session/start"
	// RouteStatus answers a Status (GET).
	RouteStatus = "/v1/status"
)

// Route is one entry of the route table.
type Route struct {
	Method string
	Path   string
}

// routes is kept sorted by path (a test checks it), so that a reader sees
// at once that nothing else is served.
var routes = []Route{
	{http.MethodGet, RouteEvents},
	{http.MethodPost, RouteIdle},
	{http.MethodGet, RoutePreview},
	{http.MethodPost, RouteSessionEnd},
	{http.MethodPost, RouteSessionStart},
	{http.MethodGet, RouteStatus},
}

// Routes returns the route table, sorted by path. It is a copy.
func Routes() []Route { return append([]Route(nil), routes...) }

// Session states (Status.State, Event.State).
const (
	StateIdle    = "idle"    // no session (after a verified wipe too: LastWipe.Verified says so)
	StateActive  = "active"  // a session is running
	StateEnding  = "ending"  // closing the browsers and programs before erasing
	StateWiping  = "wiping"  // erasing
	StatePending = "pending" // the last wipe left entries to retry
)

// States returns every session state, in the order of agent/session's
// State values (a test there ties the two). It is a copy.
func States() []string {
	return []string{StateIdle, StateActive, StateEnding, StateWiping, StatePending}
}

// Session modes (StartRequest.Mode, Status.Mode).
const (
	ModePublic      = "public"      // a member of the public alone
	ModeAccompanied = "accompanied" // an aidant helps the person
)

// Reasons a session ends (EndRequest.Reason, WipeReport.Reason). A client
// may send only ReasonButton, ReasonIdle, ReasonLogout and ReasonCommand
// ("ardoise session end"); the others are the agent's own.
const (
	ReasonButton      = "button"       // the person pressed the end button
	ReasonIdle        = "idle"         // nobody touched the computer for too long
	ReasonLogout      = "logout"       // the person logged out
	ReasonCommand     = "command"      // the command line or an administrator ended it
	ReasonMaxDuration = "max_duration" // the policy's maximum duration was reached
	ReasonClosingTime = "closing_time" // the place closes
	ReasonAgentStop   = "agent_stop"   // the agent was stopped
	ReasonRecovery    = "recovery"     // finished at agent start after a crash or power cut
)

// ClientReasons are the end reasons a client may send.
var ClientReasons = []string{ReasonButton, ReasonIdle, ReasonLogout, ReasonCommand}

// Preview item kinds (PreviewItem.Kind).
const (
	KindDownloaded = "downloaded" // in a downloads folder
	KindScanned    = "scanned"    // in a scans folder
	KindCreated    = "created"    // anywhere else the policy watches
)

// Root states (RootStatus.State).
const (
	RootWatching = "watching" // followed as entries appear
	RootRescan   = "rescan"   // the watcher could not follow it all; rescanned in full at the end
	RootRefused  = "refused"  // not opened (see Code and Reason); nothing in it is erased
	RootAbsent   = "absent"   // does not exist for this user
)

// Event types (Event.Type).
const (
	EventState    = "state"     // the session state changed (State)
	EventEntry    = "entry"     // the number of session entries changed (Count)
	EventWarning  = "warning"   // the session will end soon (Deadline, Reason, Message)
	EventProgress = "progress"  // erasing: entries removed so far (Count)
	EventWipeDone = "wipe_done" // the wipe finished (Report)
)

// Status is the answer to GET /v1/status. Any local user may ask it, so it
// holds no file name: LastWipe.Pending is always empty here.
type Status struct {
	// State is one of the State constants ("idle", "active", "ending",
	// "wiping", "pending").
	State string `json:"state"`
	// Mode is "public" or "accompanied" while a session exists, else "".
	Mode string `json:"mode"`
	// SessionID identifies the session (random; says nothing about the
	// person), "" when none.
	SessionID string `json:"session_id"`
	// Started is when the session started; the zero time when none.
	Started time.Time `json:"started"`
	// UserUID is the numeric user id the session belongs to, -1 when none.
	UserUID int `json:"user_uid"`
	// Counts is what the session created so far, as the watcher saw it (the
	// end-of-session rescan is authoritative).
	Counts Counts `json:"counts"`
	// Roots are the folders the policy names for this session, in policy
	// order.
	Roots []RootStatus `json:"roots"`
	// Deadlines are the automatic ends coming, if any.
	Deadlines Deadlines `json:"deadlines"`
	// LastWipe is the report of the last wipe, without names; null when
	// none since the agent started.
	LastWipe *WipeReport `json:"last_wipe"`
	// AgentVersion is the agent's version string.
	AgentVersion string `json:"agent_version"`
	// Notice is what the window shows at the start of a session, from
	// the policy.
	Notice Notice `json:"notice"`
	// ClearClipboard asks the window to empty the clipboard when the
	// session ends (policy trace "clipboard"): only a program in the
	// person's graphical session can.
	ClearClipboard bool `json:"clear_clipboard"`
	// Accompanied says whether an aidant may start an accompanied session
	// here, and whether a staff code is asked.
	Accompanied Accompanied `json:"accompanied"`
	// PromiseBroken lists, by PromiseCheck code ("swap", "hibernation",
	// "system"), what on this computer lets memory reach the disk in
	// clear, breaking the promise made for encrypted folders. While it is
	// not empty the window never says that nobody can read the documents
	// again, only "effacé". Empty when nothing breaks it, and when no
	// session exists.
	PromiseBroken []string `json:"promise_broken,omitempty"`
	// Browser is the program the window opens, as the person, in a
	// private window once the notice is read (and again when the session
	// becomes accompanied, if that opens another browser or page): the
	// system service never runs programs in the person's session. Null
	// when a foreground agent opens it itself, or none is to be opened.
	Browser *Command `json:"browser,omitempty"`
}

// Command is a program and its arguments.
type Command struct {
	Program string   `json:"program"`
	Args    []string `json:"args"`
	// Env is added to the program's environment ("TMPDIR=…", the
	// session's encrypted temporary folder); empty for none.
	Env []string `json:"env,omitempty"`
}

// Accompanied is what the window needs to offer accompanied sessions.
type Accompanied struct {
	// Available: the policy enables accompanied sessions.
	Available bool `json:"available"`
	// CodeRequired: a staff code must be given to start one.
	CodeRequired bool `json:"code_required"`
}

// Notice is the policy's part on the window's first screen.
type Notice struct {
	// Languages offered, first one by default ("fr", "fr-falc", "en"…).
	Languages []string `json:"languages"`
	// Mode is "extend" (the site's text follows the built-in notice) or
	// "replace".
	Mode string `json:"mode"`
	// Text is the site's own notice by language code; a language without
	// one falls back to French.
	Text map[string]string `json:"text"`
}

// Counts are running totals of the session's entries.
type Counts struct {
	// Entries is the number of entries the session created.
	Entries int `json:"entries"`
	// Files is how many of them are not folders: what the window calls
	// documents (5 files in a new folder are 5 documents, not 6).
	Files int `json:"files"`
	// Bytes is their total size in bytes (0 when the agent does not know
	// it yet).
	Bytes int64 `json:"bytes"`
}

// RootStatus is one folder of the policy.
type RootStatus struct {
	// Label is the folder's name in plain words ("Téléchargements").
	Label string `json:"label"`
	// State is "watching", "rescan", "refused" or "absent".
	State string `json:"state"`
	// Reason says why the folder is refused or absent, in plain French for
	// the window ("lien symbolique"); "" otherwise.
	Reason string `json:"reason"`
	// Code says the same for programs: "symlink", "other_mount",
	// "unsafe_parent", "removable" (a USB key, a card, a network share),
	// "outside_home", "missing", "error"; "" otherwise.
	Code string `json:"code"`
	// Protection is how the session's documents in this folder are made
	// unreadable at the end: one of the Protection constants; "" when the
	// folder is not watched.
	Protection string `json:"protection,omitempty"`
	// ProtectionCode says, when the policy asks for encryption and the
	// folder is only deleted, why: one of the NotEncrypted constants;
	// "" otherwise.
	ProtectionCode string `json:"protection_code,omitempty"`
}

// Protection values of RootStatus.Protection.
const (
	// ProtectionEncrypted: what the session writes in the folder is
	// encrypted with a key made for this session only, kept in memory
	// and destroyed at its end, then deleted. Once the key is destroyed
	// nothing of it can be read again, wherever the disk keeps its blocks.
	ProtectionEncrypted = "encrypted"
	// ProtectionDeleted: what the session writes in the folder is deleted
	// at its end. On an SSD (and most disks) deleted blocks may stay
	// readable by someone who takes the disk out.
	ProtectionDeleted = "deleted"
)

// Why a folder the policy wants encrypted is only deleted
// (RootStatus.ProtectionCode).
const (
	NotEncryptedPolicy     = "policy"       // the policy says protection: delete
	NotEncryptedSystem     = "system"       // this operating system has no per-session encryption (Windows, macOS)
	NotEncryptedFileSystem = "file_system"  // the folder's file system cannot encrypt a folder (ext4 without "encrypt", btrfs, tmpfs…)
	NotEncryptedNotEmpty   = "not_empty"    // the folder held files at session start (a new, empty folder is needed)
	NotEncryptedOutside    = "outside_home" // the folder is not beneath the session user's home (/srv/scans…)
	NotEncryptedError      = "error"        // setting it up failed; the log says why
)

// Deadlines are the automatic session ends coming; null when not set.
type Deadlines struct {
	// IdleEnd is when the session ends if nobody touches the computer.
	IdleEnd *time.Time `json:"idle_end"`
	// MaxEnd is when the policy's maximum duration is reached.
	MaxEnd *time.Time `json:"max_end"`
	// ClosingEnd is the closing time today.
	ClosingEnd *time.Time `json:"closing_end"`
}

// Preview is the answer to GET /v1/preview: what the end of the session
// will erase. It holds file names, so only the session's user (or an
// administrator) may read it.
type Preview struct {
	// Count is the number of entries that will be erased.
	Count int `json:"count"`
	// Bytes is their total size in bytes.
	Bytes int64 `json:"bytes"`
	// Items are the first entries, at most the limit asked (default 100).
	Items []PreviewItem `json:"items"`
	// Truncated reports that Items does not list every entry.
	Truncated bool `json:"truncated"`
}

// PreviewItem is one entry that will be erased.
type PreviewItem struct {
	// ID is opaque: it identifies the entry within this session only and
	// means nothing to a client but equality.
	ID string `json:"id"`
	// Name is the entry's name, made safe to display by DisplayName.
	Name string `json:"name"`
	// Kind is "downloaded", "scanned" or "created".
	Kind string `json:"kind"`
	// Size in bytes (0 for a folder).
	Size int64 `json:"size"`
	// Folder is the label of the policy folder it is in, in plain words
	// ("Téléchargements").
	Folder string `json:"folder"`
	// Dir reports a folder.
	Dir bool `json:"dir"`
	// Path is where the document is now, for the window to copy it to
	// the person's USB key before the end (the window runs as the
	// person, who can read it anyway). It goes from the agent to the
	// session's own window only; no request ever carries a path.
	Path string `json:"path"`
}

// StartRequest is the body of POST /v1/session/start. The session is
// always the caller's own user's: there is no user field.
type StartRequest struct {
	// Mode is "public" (the default when empty) or "accompanied".
	Mode string `json:"mode"`
	// StaffCode is the aidant's code, for an accompanied session when the
	// policy asks for one. Wrong codes are slowed down (HTTP 429).
	StaffCode string `json:"staff_code,omitempty"`
}

// EndRequest is the body of POST /v1/session/end.
type EndRequest struct {
	// Reason is "button" (the default when empty), "idle", "logout" or
	// "command" (the command line). When the last wipe is pending, the
	// request retries it and answers its report.
	Reason string `json:"reason"`
}

// IdleReport is the body of POST /v1/idle: how long the person has not
// touched the keyboard or mouse. It is advisory: maximum durations and
// closing times are enforced by the agent whatever clients say.
type IdleReport struct {
	// IdleSeconds is the time since the last input, in whole seconds (≥ 0).
	IdleSeconds int `json:"idle_seconds"`
}

// WipeReport is what a session's end did. Pending holds names, so the full
// report goes only to the session's user or an administrator; Status and
// event streams of other users carry it without them.
type WipeReport struct {
	// SessionID is the session that ended.
	SessionID string `json:"session_id"`
	// Reason is one of the Reason constants.
	Reason string `json:"reason"`
	// Started and Finished bound the end of the session (closing programs,
	// erasing, verifying).
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Removed counts what was erased.
	Removed Removed `json:"removed"`
	// Bytes is the total size of the files erased.
	Bytes int64 `json:"bytes"`
	// Kept counts what was found and deliberately left.
	Kept Kept `json:"kept"`
	// Pending lists what could not be erased yet (at most a few hundred);
	// it is retried at the next session start (no session starts before
	// they are gone), at the agent's next start, or at once by "ardoise
	// session end".
	Pending []PendingItem `json:"pending"`
	// PendingCount counts every entry left (Pending may be cut short or
	// withheld).
	PendingCount int `json:"pending_count"`
	// Gone lists, by label, the watched folders deleted during the session
	// (rm -rf ~/Downloads): nothing was left in them to erase.
	Gone []string `json:"gone,omitempty"`
	// CreatedDuringWipe counts entries that appeared while erasing (a
	// program still running) and were erased too.
	CreatedDuringWipe int `json:"created_during_wipe"`
	// SecurityEvents counts what looked like someone trying to make the
	// wipe delete or keep the wrong thing: a name swapped at the moment of
	// removal (nothing removed, what was found put back), a new file saved
	// under the name of a file that was there before (kept). For the
	// staff; the log has one line each.
	SecurityEvents int `json:"security_events,omitempty"`
	// Verified reports that a scan after erasing found nothing left.
	Verified bool `json:"verified"`
	// Traces lists the traces cleared besides the watched folders, by
	// code ("recent_files").
	Traces []string `json:"traces"`
	// Journal is "ok", or says in words why the crash journal could not be
	// written (a full disk); the wipe itself does not depend on it.
	Journal string `json:"journal"`
	// Browsers says what was done to the programs for going on the
	// Internet: closed, and their data cleared.
	Browsers BrowserReport `json:"browsers"`
	// ProgramsEnded counts the other programs of the kiosk account ended
	// (policy accounts.end_programs); 0 when the policy does not ask.
	ProgramsEnded int `json:"programs_ended"`
	// Checklist is the charter's checklist of an accompanied session, each
	// item ticked from what the agent did and verified; empty for a public
	// session. It holds no name.
	Checklist []CheckItem `json:"checklist,omitempty"`
	// Key says what became of the session's encryption key; null when no
	// folder of the session was encrypted.
	Key *KeyReport `json:"key,omitempty"`
}

// KeyReport is what the end of a session did to its encryption key.
type KeyReport struct {
	// Folders are the labels of the folders whose documents were
	// encrypted with the key ("Téléchargements").
	Folders []string `json:"folders"`
	// Destroyed: the kernel reports the key absent. Only then may a
	// window or a receipt say that the documents can never be read again.
	Destroyed bool `json:"destroyed"`
	// Code says why the key is not destroyed: "files_busy" (programs
	// still hold files of the session open), "error"; "" when destroyed.
	Code string `json:"code,omitempty"`
	// Holders counts the programs still holding files open, for
	// "files_busy".
	Holders int `json:"holders,omitempty"`
	// Reason says it in words for the staff; "" when destroyed.
	Reason string `json:"reason,omitempty"`
}

// Checklist item codes, in the order the window shows them.
const (
	CheckPrivateBrowsing = "private_browsing" // browsing was private
	CheckDocuments       = "documents_erased" // scanned/downloaded documents erased, verified by a rescan
	CheckBrowsersClosed  = "browsers_closed"  // the browsers, and the accounts opened in them, closed
	CheckBrowserData     = "browser_data"     // what the browsers kept (cookies, history…) cleared
	CheckOtherTraces     = "other_traces"     // trash, recent files, print queue… cleared
)

// CheckItem is one line of the charter's checklist.
type CheckItem struct {
	// Code is one of the Check constants.
	Code string `json:"code"`
	// OK: done and verified.
	OK bool `json:"ok"`
	// Count is what the item counts (documents, browsers, profiles, traces).
	Count int `json:"count"`
	// Why says, as a code, how the item was done or why it was not:
	// "forced" (private browsing is the browsers' only mode here),
	// "opened_private" (Ardoise opened the browser in a private window),
	// "not_forced" (neither: browsing may not have been private),
	// "verified", "left" (something is left to erase; retried), "error".
	Why string `json:"why,omitempty"`
}

// BrowserReport counts what the end of a session did to the browsers. It
// holds no address, page or account.
type BrowserReport struct {
	// Closed lists the browsers that were running ("firefox",
	// "chromium", "chrome", "edge").
	Closed []string `json:"closed"`
	// Processes counts the browser processes ended; Forced those of them
	// that did not close when asked and were stopped.
	Processes int `json:"processes"`
	Forced    int `json:"forced"`
	// Profiles counts the browser profiles cleared of cookies, logins,
	// history and site data; Erased the entries removed from them.
	Profiles int `json:"profiles"`
	Erased   int `json:"erased"`
	// Pending counts profile entries that could not be erased yet (tried
	// again at the next session end).
	Pending int `json:"pending"`
	// Refused counts profiles left alone on purpose: outside the
	// browser's folder, behind a link, on another disk.
	Refused int `json:"refused"`
	// Error says in words what went wrong, "" when nothing did.
	Error string `json:"error"`
}

// Removed counts what a wipe erased, by kind.
type Removed struct {
	Files int `json:"files"`
	Dirs  int `json:"dirs"`
	Links int `json:"links"` // symbolic links themselves, never their targets
	Other int `json:"other"` // sockets, pipes, device files
}

// Kept counts what a wipe found and deliberately left.
type Kept struct {
	// Preexisting entries were there before the session.
	Preexisting int `json:"preexisting"`
	// Modified entries were there before and changed during the session.
	Modified int `json:"modified"`
	// Replaced entries are new files saved over a name that existed.
	Replaced int `json:"replaced"`
	// MovedBack entries left during the session and came back.
	MovedBack int `json:"moved_back"`
	// Foreign entries belong to another account.
	Foreign int `json:"foreign"`
	// OtherMedium entries are other disks, keys or shares, never entered.
	OtherMedium int `json:"other_medium"`
	// Matched entries match a keep pattern of the policy.
	Matched int `json:"matched"`
}

// PendingItem is one entry that could not be erased yet.
type PendingItem struct {
	// Folder is the label of the policy folder ("Téléchargements").
	Folder string `json:"folder"`
	// Name is made safe to display by DisplayName.
	Name string `json:"name"`
	// Reason says why, in plain French ("fichier ouvert par un programme").
	Reason string `json:"reason"`
}

// Event is one line of GET /v1/events.
type Event struct {
	// Seq numbers events from 1, without gaps; resume with ?since=Seq.
	Seq uint64 `json:"seq"`
	// Time is when the agent published it.
	Time time.Time `json:"time"`
	// Type is "state", "entry", "warning", "progress" or "wipe_done".
	Type string `json:"type"`
	// State is the new state, for "state".
	State string `json:"state,omitempty"`
	// Count is the number of session entries ("entry") or of entries
	// removed so far ("progress").
	Count int `json:"count,omitempty"`
	// Files is, for "entry", how many of the session's entries are not
	// folders (Counts.Files); for "progress", how many of those removed
	// so far are not.
	Files int `json:"files,omitempty"`
	// Reason is the end reason coming, for "warning" ("idle",
	// "max_duration", "closing_time").
	Reason string `json:"reason,omitempty"`
	// Message is a plain French sentence for people; never a file name.
	Message string `json:"message,omitempty"`
	// Report is the wipe's report, for "wipe_done"; its Pending names are
	// withheld from anyone but the session's user and administrators.
	Report *WipeReport `json:"report,omitempty"`
	// Deadline is when the session will end, for "warning".
	Deadline *time.Time `json:"deadline,omitempty"`
}
