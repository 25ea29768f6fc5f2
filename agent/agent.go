package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ardoise-fr/ardoise/agent/baseline"
	"github.com/ardoise-fr/ardoise/agent/endsteps"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/ipcserver"
	"github.com/ardoise-fr/ardoise/agent/journal"
	"github.com/ardoise-fr/ardoise/agent/logging"
	"github.com/ardoise-fr/ardoise/agent/metrics"
	"github.com/ardoise-fr/ardoise/agent/procs"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/session"
	"github.com/ardoise-fr/ardoise/agent/staffcode"
	"github.com/ardoise-fr/ardoise/agent/userdirs"
	"github.com/ardoise-fr/ardoise/agent/watch"
	"github.com/ardoise-fr/ardoise/agent/wipe"
	"github.com/ardoise-fr/ardoise/policies"
)

// Mode says whom the agent acts for.
type Mode int

const (
	// Foreground: an ordinary program acting for the user who started it,
	// with that user's $HOME and user folders (docs/design.md).
	Foreground Mode = iota
	// System: a service acting for the kiosk accounts of the policy, with
	// home folders from the password database.
	System
)

// Config is what the agent needs to run.
type Config struct {
	Mode     Mode
	Policy   *policies.Policy
	StateDir string
	Socket   string
	Logger   *slog.Logger
	Version  string

	// User is the user a foreground agent acts for, and Source where that
	// user's folder hints come from. Unused in system mode.
	User   userdirs.User
	Source userdirs.Source

	// StartSession starts a public session for User as soon as the agent
	// is ready (foreground mode).
	StartSession bool

	// MetricsDir is where the Prometheus text file is written for
	// node_exporter's textfile collector; "" for none.
	MetricsDir string
	// PolicyRefused reports that the policy file given was refused and a
	// last good one (or the built-in one) is used: counted in the metrics.
	PolicyRefused bool
	// PolicyFile is watched: when it changes, LoadPolicy reads it again and
	// a valid policy replaces the running one from the next session on. ""
	// watches nothing.
	PolicyFile string
	// LoadPolicy reads and checks PolicyFile (and saves it as the last
	// good one); an error keeps the running policy.
	LoadPolicy func() (*policies.Policy, error)

	// LaunchBrowser opens the policy's browser in a private window when a
	// session starts (foreground mode, in a graphical session, never as
	// root). The system service leaves that to the window, which runs in
	// the user's session.
	LaunchBrowser bool

	// Ready, if set, is called once the socket answers.
	Ready func()

	// AllowEmptyHome lets a foreground agent run a policy with scope
	// "all" on the home folder of its user, which empties that home at
	// each session end (EmptyHomeFlag). Unused in system mode.
	AllowEmptyHome bool
}

// Agent owns the session state machine.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	journal *journal.Journal
	bus     *eventBus

	// inbox is the session actor's (actor.go): every start, end, idle
	// report and preview is a message to the one goroutine that owns the
	// session. stopped is closed when that goroutine returns; reload is
	// the policy watcher's nudge.
	inbox   chan message
	stopped chan struct{}
	reload  chan struct{}

	// steps are what the actor asks of the system to end a session;
	// watchStart starts the roots' watcher (watch.Start). Both are the
	// real ones but in the lifecycle tests (actor_test.go).
	steps      endSteps
	watchStart func(watch.Config) (*watch.Watcher, error)

	metrics *metrics.Metrics
	pol     atomic.Pointer[policies.Policy] // the policy in force; a session keeps the one it started with

	// mu guards what Status reads, so that it never waits for a wipe: the
	// actor alone writes state, cur and lastWipe, under mu, and never
	// holds mu while it works.
	mu       sync.Mutex
	state    session.State
	cur      *activeSession // the running session, or the one whose wipe is pending
	lastWipe *ipc.WipeReport

	codes staffcode.Limiter // wrong staff codes, for the whole computer

	own ownState // the agent's own folders and socket, never wiped

	// unsafeLogged is the last refusal of a session for a root that is a
	// link (rootnames.go), logged once and not at every retry; the
	// actor's.
	unsafeLogged string
}

// activeSession is a session's live state.
type activeSession struct {
	policy  *policies.Policy // as it was when the session started
	id      string
	mode    string
	user    userdirs.User
	started time.Time
	roots   []*sessionRoot
	base    *baseline.Set
	timers  *session.Timers
	watcher *watch.Watcher
	// steps are the session-end steps (agent/endsteps): opened with the
	// roots, run at the end; built at the end for a recovered session.
	steps *endsteps.Steps
	// privateOpened: Ardoise opened the browser in a private window for
	// this session (the checklist's private browsing item).
	privateOpened bool
	entries       int    // entries the watcher reported; guarded by Agent.mu
	files         int    // of them, not folders; guarded by Agent.mu
	reason        string // why it ended, once it does
	// absent waits for the roots missing at the start (rootnames.go);
	// set under Agent.mu.
	absent *absentRoots
	// unsafe lists the roots refused at the start that the session must
	// not run without (rootnames.go).
	unsafe []string
	// checkOnly: opened by CheckMachine, which must create nothing (the
	// trace folders are made at a real session's start).
	checkOnly bool
	// key is the session's encryption key, nil when no folder is
	// encrypted (encrypt.go); probe is the home file system's answer to
	// cryptoerase.Probe, once asked.
	key   *sessionKey
	probe error
	// tmpdir is the session's encrypted TMPDIR, "" for none.
	tmpdir string
}

type sessionRoot struct {
	policy policies.Root
	owners []uint32 // uids whose new entries belong to the session
	// ownerSIDs are the same accounts on Windows, where owners are SIDs.
	ownerSIDs []string
	path      string
	dir       *safefs.Dir // nil when refused
	state     string      // watching, refused, absent
	code      string
	reason    string

	// rel is the root's path beneath the home folder, "" when it is not
	// strictly beneath it: the name wiped at the end (rootnames.go).
	rel string

	// protection and protectionCode are RootStatus's; encID is the
	// identity of the folder encrypted at the start with the session key,
	// nil when the root is not encrypted (encrypt.go). encOwner, encGroup
	// and encPerm are what that folder is given.
	protection, protectionCode string
	protectionWhy              string // for the admin, when not encrypted
	encID                      *safefs.Identity
	// encHandle names the encrypted folder to the kernel without holding
	// it open, to find it at the end even if it was moved (encrypt.go).
	encHandle          *safefs.FolderHandle
	encOwner, encGroup uint32
	encPerm            os.FileMode
}

func (s *activeSession) close() {
	for _, r := range s.roots {
		r.dir.Close()
		r.dir = nil
	}
}

// New checks the configuration and prepares an agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	if cfg.Policy == nil {
		return nil, errors.New("no policy")
	}
	if !filepath.IsAbs(cfg.StateDir) || !filepath.IsAbs(cfg.Socket) {
		return nil, fmt.Errorf("the state directory (%q) and the socket (%q) must be absolute paths", cfg.StateDir, cfg.Socket)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := metrics.New(cfg.MetricsDir)
	m.OnError = func(err error) { cfg.Logger.Warn("metrics not written", "err", err) }
	a := &Agent{cfg: cfg, log: cfg.Logger, bus: newEventBus(), state: session.Idle, metrics: m,
		inbox: make(chan message), stopped: make(chan struct{}), reload: make(chan struct{}, 1), watchStart: watch.Start}
	a.steps = systemSteps{a}
	if err := a.checkHomeScope(cfg.Policy); err != nil {
		return nil, err
	}
	a.pol.Store(cfg.Policy)
	return a, nil
}

func (a *Agent) baselinePath() string { return filepath.Join(a.cfg.StateDir, "baseline") }

// Run starts the agent and blocks until ctx ends. Then, as the policy says,
// it ends the running session (erasing what it created) before returning.
func (a *Agent) Run(ctx context.Context) error {
	if err := journal.MakeStateDir(a.cfg.StateDir); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	defer a.own.close()
	if err := a.holdStateDir(); err != nil {
		return err
	}
	j, rec, err := journal.Open(a.cfg.StateDir)
	if err != nil {
		return err
	}
	a.journal = j
	a.pruneActivity()
	a.metrics.KeepLastSuccess(filepath.Join(a.cfg.StateDir, "last-verified-wipe"))
	a.metrics.SetBuildInfo(a.cfg.Version, policyHash(a.policy()))
	if a.cfg.PolicyRefused {
		a.metrics.PolicyError()
	} else {
		a.metrics.Flush()
	}
	defer j.Close()

	l, err := ipcserver.Listen(a.cfg.Socket, a.cfg.Mode == System)
	if err != nil {
		// At error level, so that it reaches the journal or the Event Log
		// as such: a name taken by another program may be an attack
		// (threats.md I5, W6), and the agent never serves elsewhere.
		a.log.Error("cannot open the local interface; the agent stops", "socket", a.cfg.Socket, "err", err)
		return err
	}
	defer os.Remove(a.cfg.Socket)
	if err := a.holdSocket(); err != nil {
		l.Close()
		return err
	}
	// A session left unfinished by a crash, a kill or a power cut is
	// finished first, before anyone can start a new one: the state says
	// Wiping before the socket answers, and the recovery is the actor's
	// first work, before it reads any message, so that a window retrying
	// "session start" as the agent comes back cannot start a session
	// whose baseline would count the unfinished session's files as the
	// next person's (kept for ever), and the state says the computer is
	// not ready until it is.
	if rec != nil {
		a.mu.Lock()
		a.moveLocked(session.Wiping)
		a.mu.Unlock()
	}
	srv := ipcserver.New(ipcserver.Config{Backend: a, Logger: a.log})
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, l) }()
	defer func() { stopServing(); <-served }()
	recovered := make(chan struct{})
	go a.serve(ctx, rec, recovered)
	<-recovered
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	if a.cfg.PolicyFile != "" && a.cfg.LoadPolicy != nil {
		go a.watchPolicy(watchCtx)
	}
	if a.cfg.Mode == System {
		go a.watchAccounts(watchCtx, procs.System{})
	}

	a.log.Info("agent ready", "socket", a.cfg.Socket, "state_dir", a.cfg.StateDir, "mode", a.modeName(), "version", a.cfg.Version)
	if a.cfg.Ready != nil {
		a.cfg.Ready()
	}
	if a.cfg.StartSession {
		if _, err := a.requestStart(ctx, a.cfg.User, a.cfg.Source, ipc.ModePublic); err != nil {
			a.log.Error("could not start a session", "err", err)
		}
	}
	// The actor ends the session at the stop (actor.go); the socket
	// answers until it is done.
	<-a.stopped
	a.log.Info("agent stopped")
	return nil
}

func (a *Agent) modeName() string {
	if a.cfg.Mode == System {
		return "system"
	}
	return "foreground"
}

func newSessionID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// refuseUnjournaled refuses a session because the crash journal cannot be
// written (the state folder is full or broken), at error level for the
// admin, and in words for the person and staff.
func (a *Agent) refuseUnjournaled(err error) error {
	a.metrics.SessionRefused("no_journal")
	a.log.Error("no session can start: the crash journal cannot be written; free room in the state folder, then restart the agent", "state_dir", a.cfg.StateDir, "err", err)
	return ipc.Errorf(ipc.CodeJournal,
		"l'ordinateur ne peut pas ouvrir de session: il ne peut plus noter ce qu'il devra effacer; le personnel doit prévenir l'administrateur (the crash journal cannot be written: free room in %s, then restart the agent)", a.cfg.StateDir)
}

// startWatcher follows the roots: each entry the session creates goes to
// the crash journal and the live count. The watcher is a hint; if it cannot
// start, the wipe's rescan still finds everything.
func (a *Agent) startWatcher(s *activeSession) {
	dirs := make([]*safefs.Dir, len(s.roots))
	for i, r := range s.roots {
		dirs[i] = r.dir
	}
	isNew, onEvents := a.watchCallbacks(s)
	w, err := a.watchStart(watch.Config{
		Roots:    dirs,
		Logger:   a.log,
		IsNew:    isNew,
		OnEvents: onEvents,
	})
	if err != nil {
		a.log.Warn("cannot watch the folders; they are fully rescanned at the end of the session", "err", err)
		return
	}
	s.watcher = w
}

// watchCallbacks are the watcher's: what is the session's, and what to do
// with what it reports (the crash journal, the live count). The watchers
// of folders that appear during the session share them.
func (a *Agent) watchCallbacks(s *activeSession) (isNew func(int, safefs.Info) bool, onEvents func([]watch.Event)) {
	owners := make([][]uint32, len(s.roots))
	encrypted := make([]bool, len(s.roots))
	for i, r := range s.roots {
		owners[i] = r.owners
		encrypted[i] = r.encID != nil
	}
	return func(root int, in safefs.Info) bool {
			return !s.base.Contains(in.Identity) && slices.Contains(owners[root], in.UID)
		},
		func(evs []watch.Event) {
			delta, files := 0, 0
			debug := a.log.Enabled(context.Background(), slog.LevelDebug)
			for _, e := range evs {
				switch e.Kind {
				case watch.Created:
					delta++
					if !e.Info.IsDir() {
						files++
					}
				case watch.Removed:
					delta--
					if !e.Info.IsDir() {
						files--
					}
					continue
				case watch.Renamed:
				default:
					continue
				}
				// A rename is journaled again: recovery goes by identity,
				// and the new name is where the next start finds it.
				name := []byte(e.Name)
				if e.Root < len(encrypted) && encrypted[e.Root] {
					// Never a name from an encrypted folder: it would
					// outlive the key (its recovery empties the folder).
					name = nil
				}
				a.journal.Created(journal.Entry{Root: e.Root, Parent: e.Parent, Name: name, ID: e.Info.Identity, Dir: e.Info.IsDir(), Size: e.Info.Size})
				if debug {
					a.log.Debug("new entry", "root", s.roots[e.Root].policy.Label, logging.Personal("name", e.RelPath), "kind", e.Kind.String())
				}
			}
			if delta == 0 && files == 0 {
				return
			}
			a.mu.Lock()
			s.entries = max(0, s.entries+delta)
			s.files = max(0, s.files+files)
			n, f := s.entries, s.files
			a.mu.Unlock()
			a.bus.publish(ipc.Event{Type: ipc.EventEntry, Count: n, Files: f})
		}
}

// openRoots opens every policy root for the session's user, without
// following a link at the root or above it; a root that cannot be opened
// safely is refused with a reason and the others go on (threats.md L8).
func (a *Agent) openRoots(s *activeSession, src userdirs.Source) {
	trust := trustFor(s.user)
	var home *safefs.Dir
	var homeErr error
	for _, pr := range s.policy.Roots {
		r := &sessionRoot{policy: pr, state: "watching"}
		r.owners, r.ownerSIDs = a.owners(s.user, pr)
		s.roots = append(s.roots, r)
		loc, err := userdirs.Resolve(s.user, src, pr.Path)
		if err != nil {
			r.refuse("error", "dossier inconnu")
			a.log.Warn("folder not watched", "root", pr.Label, "err", err)
			continue
		}
		r.path = loc.Path
		if loc.InHome && loc.Rel != "." {
			r.rel = loc.Rel
		}
		if loc.Fallback {
			a.log.Warn("a user folder setting was refused; using the default folder", "root", pr.Label, "why", loc.Reason)
		}
		if loc.InHome {
			if home == nil && homeErr == nil {
				home, homeErr = safefs.OpenRoot(s.user.Home, trust)
			}
			if homeErr != nil {
				r.refuse("error", "dossier personnel inaccessible")
				a.log.Warn("folder not watched: the home folder cannot be opened safely", "root", pr.Label, logging.Personal("err", homeErr.Error()))
				continue
			}
			a.prepareRoot(s, home, r)
			r.dir, err = home.OpenBeneath(loc.Rel, trust)
			if errors.Is(err, safefs.ErrSymlink) && a.cfg.Mode == System {
				r.dir, err = a.repairOrCheckRootLink(s, home, loc.Rel, pr.Label, trust, s.checkOnly)
			}
			if err == nil {
				a.checkEncrypted(r)
			}
		} else {
			a.prepareRoot(s, nil, r)
			r.dir, err = safefs.OpenRoot(loc.Path, trust)
		}
		if err == nil {
			// A USB key, a memory card or a share is never the session's
			// to wipe, even when the policy points a root at it
			// (threats.md D1, M5).
			if err = safefs.CheckMedium(r.dir, nil, safefs.MediumRules{}); err != nil {
				r.dir.Close()
			} else if readOnly(r.dir) {
				r.dir.Close()
				r.refuse("read_only", "dossier en lecture seule pour Ardoise")
				a.log.Warn("folder not watched: it is read-only for the agent (under systemd, add it to ReadWritePaths: systemctl edit ardoise)", "root", pr.Label, "code", r.code)
				continue
			} else if !s.checkOnly {
				// A wipe that was killed while it had closed this folder
				// to the public (RC2) left its owner and mode in a mark:
				// give them back before the person needs the folder.
				if uerr := r.dir.Unlock(); uerr != nil {
					a.log.Error("a folder a wipe had closed could not be given back to its account; check its owner and mode", "root", pr.Label, "err", uerr)
				}
			}
		}
		if errors.Is(err, errWouldRepair) {
			// The machine check: the session start would remove the link
			// and watch the folder made again.
			r.state, r.reason = "watching", errWouldRepair.Error()
			continue
		}
		if err != nil {
			r.refuseErr(err)
			a.log.Warn("folder not watched", "root", pr.Label, "code", r.code, logging.Personal("err", err.Error()))
			if r.code == "symlink" && a.cfg.Mode == System {
				// A link at a kiosk root would send the person's
				// documents where Ardoise does not look (RC5);
				// in the foreground it is the user's own choice.
				s.unsafe = append(s.unsafe, pr.Label)
			}
		}
	}
	if !s.checkOnly && homeErr == nil && home != nil {
		a.openTmpdir(s, home)
	}
	if !s.checkOnly {
		a.openTraces(s, home, homeErr)
	}
	home.Close()
}

// openTraces opens the session-end steps (agent/endsteps) and watches the
// folders they ask for as roots, in session scope: the trash, the
// thumbnails, shared memory, the Windows places.
func (a *Agent) openTraces(s *activeSession, home *safefs.Dir, homeErr error) {
	for _, tr := range a.endSteps(s).Open(home, homeErr) {
		r := &sessionRoot{policy: policies.Root{Label: tr.Label, Kind: "files", Scope: "session"}, owners: []uint32{s.user.UID}, ownerSIDs: sidsOf(s.user), path: tr.Path, rel: tr.Rel, state: "watching", dir: tr.Dir}
		switch {
		case errors.Is(tr.Err, endsteps.ErrNoHome):
			r.refuse("error", "dossier personnel inaccessible")
		case tr.Err != nil:
			r.refuseErr(tr.Err)
		}
		s.roots = append(s.roots, r)
	}
}

// endSteps are session s's end steps, made at its start, or at its end
// for a session recovered from the journal (not opened then: what they
// recorded at the start is gone with the agent that crashed).
func (a *Agent) endSteps(s *activeSession) *endsteps.Steps {
	if s.steps == nil {
		s.steps = endsteps.New(endsteps.Session{User: s.user, Policy: s.policy, System: a.cfg.Mode == System, Log: a.log})
	}
	return s.steps
}

func (r *sessionRoot) refuse(code, reason string) {
	r.dir, r.state, r.code, r.reason = nil, "refused", code, reason
}

func (r *sessionRoot) refuseErr(err error) {
	switch {
	case errors.Is(err, os.ErrNotExist):
		r.refuse("absent", "dossier absent")
		r.state = "absent"
	case errors.Is(err, safefs.ErrSymlink):
		r.refuse("symlink", "lien symbolique")
	case errors.Is(err, safefs.ErrRemovableMedium):
		r.refuse("removable", "clé USB, carte mémoire ou dossier réseau")
	case errors.Is(err, safefs.ErrOtherMount):
		r.refuse("other_mount", "autre support que le dossier personnel")
	case errors.Is(err, safefs.ErrUnsafeAncestor):
		r.refuse("unsafe_parent", "dossier modifiable par d'autres utilisateurs")
	case errors.Is(err, safefs.ErrNotDir):
		r.refuse("not_dir", "ce n'est pas un dossier")
	default:
		r.refuse("error", "dossier inaccessible")
	}
}

func (a *Agent) journalSession(s *activeSession) journal.Session {
	js := journal.Session{ID: s.id, Mode: s.mode, UID: s.user.UID, SID: s.user.SID, Started: s.started}
	for _, r := range s.roots {
		jr := journal.Root{Label: r.policy.Label, State: r.state, Reason: r.code, Scope: r.policy.Scope, Keep: r.policy.Keep, Owners: r.owners, OwnerSIDs: r.ownerSIDs,
			Protection: r.protection, ProtectionCode: r.protectionCode}
		if r.dir != nil {
			in := r.dir.Info()
			jr.Path, jr.Dev, jr.Ino, jr.Btime = []byte(r.path), in.Dev, in.Ino, in.Btime
			// The live session follows a moved root through its open
			// descriptor; after a crash, its handle finds it again.
			if h, err := r.dir.FolderHandle(); err == nil {
				jr.FolderHandle = journalHandle(h)
			}
		} else if r.rel != "" {
			// Not open (absent at the start): its name is still wiped
			// after a crash (Dev and Ino stay 0).
			jr.Path = []byte(r.path)
		}
		js.Roots = append(js.Roots, jr)
	}
	return js
}

// owners are the accounts whose new entries in a root belong to the
// session: uids, and on Windows SIDs.
func (a *Agent) owners(u userdirs.User, r policies.Root) (uids []uint32, sids []string) {
	uids, sids = []uint32{u.UID}, sidsOf(u)
	for _, name := range r.AlsoOwnedBy {
		if o, _, err := userdirs.LookupName(name); err == nil {
			uids, sids = append(uids, o.UID), append(sids, sidsOf(o)...)
		} else {
			a.log.Warn("an also_owned_by account does not exist; ignoring it", "account", name)
		}
	}
	return uids, sids
}

// sidsOf is u's SID as a list: empty outside Windows.
func sidsOf(u userdirs.User) []string {
	if u.SID == "" {
		return nil
	}
	return []string{u.SID}
}

// trustFor trusts u for the folders above a root: by uid, and on Windows
// by SID.
func trustFor(u userdirs.User) safefs.RootOptions {
	return safefs.RootOptions{TrustedUIDs: []uint32{u.UID}, TrustedSIDs: sidsOf(u)}
}

// logSecurity writes one warning per security event of a wipe (R3): an
// admin who sees these should look at what the public account did (its
// programs, the time) and at the named entries, which are kept.
func logSecurity(log *slog.Logger, res wipe.Result, label func(int) string) {
	for _, e := range res.Security {
		log.Warn("security: an entry was swapped or planted to mislead the wipe; nothing of the library was deleted, check the entry",
			"event", "security", "root", label(e.Root), "kind", string(e.Kind), "what", e.Reason, logging.Personal("name", e.Rel))
	}
	if res.Recovered > 0 {
		log.Warn("entries an interrupted wipe had left in its quarantine folder were put back and judged again", "count", res.Recovered)
	}
}

func keptTotal(k wipe.Kept) int {
	return k.Preexisting + k.Modified + k.Replaced + k.Doubt + k.Foreign + k.OtherMedium + k.Matched
}

func (a *Agent) report(s *activeSession, reason session.Reason, started time.Time, res wipe.Result) ipc.WipeReport {
	rep := ipc.WipeReport{
		SessionID: s.id, Reason: string(reason), Started: started, Finished: time.Now(),
		Removed: ipc.Removed{Files: res.Removed.Files, Dirs: res.Removed.Dirs, Links: res.Removed.Links, Other: res.Removed.Other},
		Bytes:   res.Removed.Bytes,
		Kept: ipc.Kept{Preexisting: res.Kept.Preexisting, Modified: res.Kept.Modified, Replaced: res.Kept.Replaced + res.Kept.Doubt,
			Foreign: res.Kept.Foreign, OtherMedium: res.Kept.OtherMedium, Matched: res.Kept.Matched},
		PendingCount:      res.Leftover + len(res.RootErrors),
		CreatedDuringWipe: res.CreatedDuringWipe,
		SecurityEvents:    len(res.Security),
		Verified:          res.Verified && len(res.RootErrors) == 0,
		Journal:           "ok",
	}
	for _, p := range res.Pending {
		if len(rep.Pending) >= 100 {
			break
		}
		rep.Pending = append(rep.Pending, ipc.PendingItem{Folder: s.roots[p.Root].policy.Label, Name: pendingName(s, s.roots[p.Root], p.Rel), Reason: p.Reason})
	}
	for _, i := range res.Gone {
		rep.Gone = append(rep.Gone, s.roots[i].policy.Label)
	}
	if err := a.journal.Err(); err != nil {
		rep.Journal = "journal dégradé: " + err.Error()
	}
	return rep
}

// warningMessage tells the person, in plain words, that the session ends
// soon and why; the window shows it with a countdown.
func warningMessage(r session.Reason, at time.Time) string {
	when := at.Format("15h04")
	switch r {
	case session.IdleTimeout:
		return "Personne n'a touché l'ordinateur depuis un moment. Votre session va se terminer à " + when + " et vos documents seront effacés."
	case session.ClosingTime:
		return "L'établissement ferme bientôt. Votre session va se terminer à " + when + " et vos documents seront effacés."
	case session.MaxDuration:
		return "Le temps prévu pour votre session est presque écoulé. Elle va se terminer à " + when + " et vos documents seront effacés."
	}
	return "Votre session va se terminer à " + when + " et vos documents seront effacés."
}
