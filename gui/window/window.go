// Package window runs the window the public sees, as the session's user:
// it follows the agent's state through the local interface and shows the
// matching screen (notice, session, end-of-session list, progress, final
// screen, countdown). It decides nothing about files: it only asks the
// agent, which checks who is asking (threats.md D8).
//
// It does not import Fyne's app package (which needs cgo and a display), so
// that it runs under Fyne's test driver; cmd/ardoise-gui provides the real
// window.
package window

import (
	"context"
	"errors"
	"image/color"
	"iter"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
	"github.com/ardoise-fr/ardoise/gui/screens"
	"github.com/ardoise-fr/ardoise/gui/speech"
	"github.com/ardoise-fr/ardoise/gui/usbkey"
)

// Agent is what the window asks of the agent (an *ipc.Client).
type Agent interface {
	Status(ctx context.Context) (ipc.Status, error)
	Preview(ctx context.Context, limit int) (ipc.Preview, error)
	End(ctx context.Context, r ipc.EndRequest) (ipc.WipeReport, error)
	Start(ctx context.Context, r ipc.StartRequest) (ipc.Status, error)
	ReportIdle(ctx context.Context, r ipc.IdleReport) error
	Events(ctx context.Context, since uint64) iter.Seq2[ipc.Event, error]
}

// Window is the window's state. Its methods run on Fyne's goroutine,
// except Run.
type Window struct {
	w       fyne.Window
	agent   Agent
	log     *slog.Logger
	langs   []string
	cat     *i18n.Catalog
	chosen  bool            // the person picked a language
	reading screens.Reading // larger text, contrast
	notice  ipc.Notice      // the policy's part of the notice
	// protection is what the agent last said of the session's folders
	// and of the computer: the notice and the end screens promise
	// "nobody will ever read them" only from it (screens.EndPromise).
	protection   screens.Protection
	protectionOf string // the session protection was said for

	clearClipboard bool // the policy asks to empty the clipboard at the end
	accompanied    ipc.Accompanied
	mode           string // of the running session: "public" or "accompanied"
	sessionID      string
	lastState      string    // the agent's, as last followed
	endShown       time.Time // when the final screen (or checklist) came
	holding        bool      // a final screen waits out its hold; guarded by mu
	// ending: this window saw its session end (the person's button, or
	// the agent's ending state after an active one). Only then are the
	// progress and the end's report shown: a retry of a wipe left pending
	// is the staff's business, never the public's.
	ending          bool
	noticeRead      bool            // the notice of this session was read (browser opened)
	kept            map[string]bool // documents of this session copied to a USB key, by ID
	warn            *ipc.Event      // the closing-time or maximum-duration warning of this session
	warnTimer       *time.Timer     // brings the countdown one minute before warn's deadline
	countdown       *screens.CountdownScreen
	normal          fyne.Size // the window's size out of full screen
	countdownReason string
	waitSince       time.Time // when the agent stopped answering (zero: it answers)

	// DoneHold and ChecklistHold are how long the final screen, and the
	// checklist of an accompanied session, stay up even if the next
	// session has already started (a computer that stays logged in: the
	// agent starts it at once): the person must be able to read that
	// their documents are gone, the aidant to go through the checklist.
	DoneHold, ChecklistHold time.Duration
	browser                 *ipc.Command    // what to open as the person (system service)
	opened                  map[string]bool // browser commands run, by session

	// FindKeys lists the USB keys plugged in for the person (nil: none
	// offered); cmd/ardoise-gui sets it to usbkey.Find.
	FindKeys func() []usbkey.Key

	// Voice reads the notice and the end screens aloud ("Écouter"); nil
	// when no speech engine is installed (no button then).
	Voice *speech.Voice

	ring *screens.FocusRing // of the screen shown

	// do runs f on Fyne's goroutine, as fyne.Do (New), for the window's
	// own goroutines (Run, timers, the countdown's ticker). The tests
	// give their own: Fyne's test driver runs fyne.Do at once on the
	// caller's goroutine, where it would race the test reading the
	// screens (testUI, in ui_test.go).
	do func(func())

	mu       sync.Mutex
	screen   string // what is shown: "notice", "session", "preview", "progress", "done", "countdown", "waiting", "notready"
	entries  int    // the session's documents so far (files, not folders)
	removed  int
	stopTick chan struct{} // closed when the countdown leaves the screen
	deadline time.Time     // of the countdown
}

// New prepares the window in the first of langs.
func New(w fyne.Window, a Agent, langs []string, log *slog.Logger) *Window {
	langs = i18n.Supported(langs)
	cat, err := i18n.New(langs[0])
	if err != nil {
		cat, _ = i18n.New(i18n.Default)
	}
	g := &Window{w: w, agent: a, log: log, langs: langs, cat: cat, DoneHold: 20 * time.Second, ChecklistHold: 2 * time.Minute, normal: w.Canvas().Size(), do: fyne.Do}
	w.Canvas().SetOnTypedKey(g.keys)
	// The window's own theme from the start: its sizes and colours are
	// the measured ones (gui/screens' contrast and target tests).
	g.SetReading(screens.Reading{})
	return g
}

// Screen returns the name of the screen shown, for tests and logs.
func (g *Window) Screen() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.screen
}

func (g *Window) show(name string, content fyne.CanvasObject) {
	g.mu.Lock()
	if name != "countdown" && g.stopTick != nil {
		close(g.stopTick)
		g.stopTick = nil
	}
	g.mu.Unlock()
	if (g.cat.Code() == screens.Easy) != g.reading.Easy {
		// The easy-to-read language brings its big text with it.
		g.SetReading(g.reading)
	}
	if g.Voice != nil && g.Screen() != name {
		g.Voice.Stop()
	}
	if g.Voice != nil && listened[name] {
		text := screenText(content)
		lang := g.cat.Code()
		// The screens' Button: Enter presses it too.
		listen := screens.NewButton(g.cat.T("listen"), func() {
			if err := g.Voice.Say(lang, text); err != nil {
				g.log.Warn("the screen cannot be read aloud", "err", err)
			}
		})
		listen.Importance = widget.WarningImportance // the theme's secondary button
		listen.Icon = theme.VolumeUpIcon()
		// In the screen's column, with its other actions: at the window's
		// top right corner it was outside the text, where a person reading
		// does not look.
		content = screens.WithListen(content, listen)
	}
	layered, ring := screens.WithFocusRing(container.NewPadded(content))
	g.ring = ring
	g.w.SetContent(layered)
	// After the content: Fyne never makes a window smaller than what it
	// holds.
	g.place(name, content)
	// The name changes once the screen is drawn: Screen() tells what a
	// person sees.
	g.mu.Lock()
	changed := g.screen != name
	g.screen = name
	g.mu.Unlock()
	if changed {
		g.log.Info("screen shown", "screen", name)
	}
}

// listened are the screens with an "Écouter" button: the notice, and the
// ends of the session, where a person who cannot read must still learn
// what happens to their documents.
var listened = map[string]bool{"notice": true, "preview": true, "done": true, "checklist": true, "countdown": true, "warning": true}

// screenText is what a screen says, in reading order: its titles and
// texts, not its buttons.
func screenText(o fyne.CanvasObject) string {
	var parts []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *widget.Label:
			parts = append(parts, v.Text)
		case *widget.RichText:
			for _, seg := range v.Segments {
				if t, ok := seg.(*widget.TextSegment); ok {
					parts = append(parts, t.Text)
				}
			}
		case *container.Scroll:
			walk(v.Content)
		case *fyne.Container:
			for _, k := range v.Objects {
				walk(k)
			}
		}
	}
	walk(o)
	return strings.Join(parts, "\n")
}

// place sizes the window for the screen: full screen for the moments a
// person must look at it (the notice, the end list, the countdown, the
// final screens), where it is centred (screens.Column); a small window
// during the session, which leaves the desktop to the person. (Fyne cannot
// move a window: the desktop puts the small one where it puts new
// windows.)
func (g *Window) place(name string, content fyne.CanvasObject) {
	full := name != "session" && name != "waiting"
	was := g.w.FullScreen()
	if !full {
		g.w.SetFullScreen(false)
		g.w.Resize(screens.SessionSize(container.NewPadded(content)))
	} else {
		g.w.SetFullScreen(true)
	}
	if was != full {
		// Under X11 the window manager (or the X server alone) answers
		// the change of size after this frame; the frame drawn for the
		// old size stayed blank in the new one until the next event
		// (seen under Xvfb: a white session window). Draw again once it
		// has its size.
		for _, d := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond} {
			time.AfterFunc(d, func() {
				g.do(func() {
					if c := g.w.Content(); c != nil {
						c.Refresh()
					}
				})
			})
		}
	}
}

// FollowFocus keeps the focus ring on the focused button, check box or
// field until ctx ends (Fyne tells the window nothing when the focus
// moves, so it looks every interval).
func (g *Window) FollowFocus(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.do(func() {
				if g.ring != nil {
					g.ring.Follow(g.w.Canvas())
				}
			})
		}
	}
}

// keys makes every screen usable from the keyboard alone: Enter does
// the screen's main action, Escape goes back. (Tab and Space move between
// and press buttons as everywhere in Fyne.)
func (g *Window) keys(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		switch g.Screen() {
		case "notice":
			// The notice's main action: « Lire la suite » while pages
			// remain, « J'ai compris » on the last one.
			if b := screens.MainAction(g.w.Content()); b != nil {
				b.Tapped(nil)
			} else {
				g.readNotice()
			}
		case "session":
			g.ShowPreview()
		case "preview":
			g.Erase()
		case "countdown":
			g.countdownDone()
		case "warning":
			g.back()
		}
	case fyne.KeyEscape:
		switch g.Screen() {
		case "preview":
			g.ShowSession()
		case "accompany":
			g.ShowNotice()
		}
	}
}

// Run follows the agent until ctx ends: it shows the notice when a
// session is running, and reconnects to the agent when it goes away.
func (g *Window) Run(ctx context.Context) {
	var since uint64
	for ctx.Err() == nil {
		st, err := g.agent.Status(ctx)
		if err != nil {
			g.log.Warn("the agent does not answer; trying again", "err", err)
			g.do(func() {
				if g.waitSince.IsZero() {
					g.waitSince = time.Now()
				}
				g.showWaiting()
			})
			sleep(ctx, 2*time.Second)
			continue
		}
		g.do(func() {
			g.waitSince = time.Time{}
			g.apply(st)
			if g.ending && st.LastWipe != nil && st.State != ipc.StateEnding && st.State != ipc.StateWiping {
				// The end's report went by while the window was not
				// listening: the last wipe's, without names, says it.
				g.showEnd(*st.LastWipe)
			}
			g.follow(st.State, st.Counts.Files)
		})
		for ev, err := range g.agent.Events(ctx, since) {
			if err != nil {
				g.log.Info("event stream ended", "err", err)
				break
			}
			since = ev.Seq
			if ev.Type == ipc.EventState {
				// A new state may be a new person: what the window knows
				// of the session (its id, mode, count, browser) is asked
				// again, never carried over from the last one.
				if st, err := g.agent.Status(ctx); err == nil {
					g.do(func() { g.apply(st) })
				}
			}
			g.do(func() { g.event(ev) })
		}
		sleep(ctx, time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// apply takes what the agent says of the session. A session the window
// has not seen before is a new person's: everything the window kept of
// the last one goes first (reset).
func (g *Window) apply(st ipc.Status) {
	if st.SessionID != "" && st.SessionID != g.sessionID {
		g.reset()
	}
	g.clearClipboard = st.ClearClipboard
	g.accompanied, g.mode = st.Accompanied, st.Mode
	g.sessionID, g.browser = st.SessionID, st.Browser
	if len(st.Roots) > 0 {
		// Kept until the next person's: the end's report comes after the
		// last status that names the session's folders.
		g.protection, g.protectionOf = screens.ProtectionOf(st), st.SessionID
	}
	g.setNotice(st.Notice)
	g.mu.Lock()
	g.entries = st.Counts.Files
	g.mu.Unlock()
}

// reset forgets everything of the last session, so that the next person
// starts from what a fresh window shows: its count, its mode, its
// language and reading choices, its warnings, the documents it kept on a
// key, and full screen.
func (g *Window) reset() {
	g.mu.Lock()
	g.entries, g.removed = 0, 0
	g.deadline = time.Time{}
	g.mu.Unlock()
	g.mode, g.sessionID, g.browser = "", "", nil
	g.protection, g.protectionOf = screens.Protection{}, ""
	g.ending, g.noticeRead, g.kept = false, false, nil
	g.warn, g.countdown = nil, nil
	if g.warnTimer != nil {
		g.warnTimer.Stop()
		g.warnTimer = nil
	}
	g.chosen = false
	if g.reading != (screens.Reading{}) {
		g.SetReading(screens.Reading{})
	}
	g.leaveFullScreen()
}

// follow shows the screen for an agent state.
func (g *Window) follow(state string, entries int) {
	g.mu.Lock()
	g.entries = entries
	cur := g.screen
	prev := g.lastState
	g.lastState = state
	g.mu.Unlock()
	switch state {
	case ipc.StateActive:
		if (cur == "done" || cur == "checklist") && g.holdEnd(cur) {
			return
		}
		if cur == "" || cur == "waiting" || cur == "done" || cur == "checklist" || cur == "notready" || cur == "progress" {
			// A new person: the previous one's choices go.
			if g.ending || cur == "done" || cur == "checklist" {
				// The window did not see the new session's id (a test,
				// or an agent that does not say): reset all the same.
				id, prot, of := g.sessionID, g.protection, g.protectionOf
				g.reset()
				g.sessionID = id
				if of != "" && of == id {
					// Said by the agent for this very session: kept.
					// Another session's is not, lest its folders be
					// promised to this one.
					g.protection, g.protectionOf = prot, of
				}
			}
			g.chosen = false
			g.setNotice(g.notice)
			g.ShowNotice()
		}
	case ipc.StateEnding, ipc.StateWiping:
		if state == ipc.StateEnding || prev == ipc.StateActive {
			g.ending = true
		}
		if !g.ending {
			// A retry of a wipe left pending, or a recovery: not the
			// person's in front of the screen.
			return
		}
		if g.clearClipboard {
			// What the person copied (an address, a number, a password
			// typed elsewhere) must not be pasted by the next one.
			fyne.CurrentApp().Clipboard().SetContent("")
		}
		if cur != "progress" && cur != "done" && cur != "checklist" {
			g.showProgress()
		}
	case ipc.StatePending:
		if g.ending && cur == "progress" {
			return // the report comes next, and is the person's
		}
		if (cur == "done" || cur == "checklist") && g.holdEnd(cur) {
			return
		}
		// Until the staff fixed it, whoever comes is told the computer is
		// not ready, not why (it would be about the last person).
		g.ending = false
		if cur != "notready" {
			g.show("notready", screens.NotReady(g.cat))
		}
	case ipc.StateIdle:
		if g.ending && cur == "progress" {
			return // the report comes next
		}
		if (cur == "done" || cur == "checklist") && g.holdEnd(cur) {
			return
		}
		if cur != "done" && cur != "checklist" {
			g.showWaiting()
		}
	}
}

func (g *Window) event(ev ipc.Event) {
	switch ev.Type {
	case ipc.EventState:
		g.follow(ev.State, g.entriesNow())
	case ipc.EventEntry:
		g.mu.Lock()
		g.entries = ev.Files
		g.mu.Unlock()
		if g.Screen() == "session" {
			g.ShowSession()
		}
	case ipc.EventProgress:
		g.mu.Lock()
		g.removed = ev.Files
		g.mu.Unlock()
		if g.Screen() == "progress" {
			g.showProgress()
		}
	case ipc.EventWarning:
		switch {
		case ev.Deadline == nil:
		case ev.Reason == ipc.ReasonIdle && g.holdingEnd():
			// The next session's idle countdown, while the aidant goes
			// through the checklist (or the person reads the final
			// screen): someone is reading, which is not idleness. The
			// countdown is answered as "still here", not shown over it.
			go g.reportHere()
		case ev.Reason == ipc.ReasonIdle:
			g.showCountdown(ipc.ReasonIdle, *ev.Deadline)
		default:
			g.warned(ev)
		}
	case ipc.EventWipeDone:
		if ev.Report != nil && g.ending {
			g.showEnd(*ev.Report)
		}
	}
}

// warned takes a closing-time or maximum-duration warning: it shows above
// the notice and the session screen until the end (a notice replaced by
// it would never be read), on its own screen if the person is working,
// and again as a countdown one minute before the end.
func (g *Window) warned(ev ipc.Event) {
	g.warn = &ev
	at := ev.Deadline.Local()
	switch g.Screen() {
	case "notice":
		g.ShowNotice()
	case "session":
		g.show("warning", screens.Warning(g.cat, ev.Reason, at, g.back))
	}
	if g.warnTimer != nil {
		g.warnTimer.Stop()
	}
	id := g.sessionID
	g.warnTimer = time.AfterFunc(max(0, time.Until(at.Add(-time.Minute))), func() {
		g.do(func() {
			if g.sessionID != id || g.warn == nil || g.lastStateNow() != ipc.StateActive {
				return
			}
			switch g.Screen() {
			case "notice", "session", "warning", "preview", "accompany":
				g.showCountdown(ev.Reason, at)
			}
		})
	})
}

func (g *Window) lastStateNow() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastState
}

// back goes back to where the person was before a warning: the notice
// if it was not read yet (the browser opens once it is), else the
// session.
func (g *Window) back() {
	if !g.noticeRead {
		g.ShowNotice()
		return
	}
	g.ShowSession()
}

// banner is the warning above the notice and the session screen, nil
// when none.
func (g *Window) banner() fyne.CanvasObject {
	if g.warn == nil || g.warn.Deadline == nil {
		return nil
	}
	return screens.WarningBanner(g.cat, g.warn.Reason, g.warn.Deadline.Local())
}

func withBanner(b, content fyne.CanvasObject) fyne.CanvasObject {
	if b == nil {
		return content
	}
	return container.NewBorder(b, nil, nil, nil, content)
}

func (g *Window) entriesNow() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.entries
}

// SetLanguage switches every text at once and redraws the screen.
func (g *Window) SetLanguage(code string) {
	c, err := i18n.New(code)
	if err != nil {
		return
	}
	g.cat, g.chosen = c, true
	switch g.Screen() {
	case "notice":
		g.ShowNotice()
	case "session":
		g.ShowSession()
	}
}

// setNotice takes the policy's languages and texts, as the agent gives
// them; the first language becomes the window's unless the person chose.
func (g *Window) setNotice(n ipc.Notice) {
	if len(n.Languages) > 0 {
		langs := i18n.Supported(n.Languages)
		if !g.chosen && langs[0] != g.cat.Code() {
			if c, err := i18n.New(langs[0]); err == nil {
				g.cat = c
			}
		}
		g.langs = langs
	}
	g.notice = n
}

// SetReading applies larger text or strong contrast to the whole window.
func (g *Window) SetReading(r screens.Reading) {
	r.Easy = g.cat.Code() == screens.Easy
	g.reading = r
	fyne.CurrentApp().Settings().SetTheme(r.Theme())
}

// ShowNotice shows the privacy notice with the language choice, and the
// site's own text in the chosen language (French when it has none).
func (g *Window) ShowNotice() {
	text := g.notice.Text[g.cat.Code()]
	if text == "" {
		text = g.notice.Text[i18n.Default]
	}
	var accompany func()
	if g.accompanied.Available && g.mode != ipc.ModeAccompanied {
		accompany = func() { g.ShowAccompany("") }
	}
	g.show("notice", withBanner(g.banner(), screens.NoticeWith(g.cat, g.langs, text, g.notice.Mode == "replace" && text != "", g.protection, screens.ReadingBar(g.cat, g.reading, g.SetReading), g.SetLanguage, g.readNotice, accompany, g.accompanied.CodeRequired)))
}

// ShowSession is the quiet screen during the session: how many documents
// so far, and the end button.
func (g *Window) ShowSession() {
	s := screens.Session(g.cat, g.entriesNow(), g.ShowPreview)
	if g.mode == ipc.ModeAccompanied {
		// Discreet: the aidant can say "this will be erased at the end".
		s = container.NewVBox(widget.NewLabel(g.cat.T("session.accompanied")), s)
	}
	g.show("session", withBanner(g.banner(), s))
}

// ShowPreview asks the agent what the end will erase and shows it.
func (g *Window) ShowPreview() {
	k := g.keeper()
	limit := 100
	if k != nil && k != screens.NoKey {
		limit = 1000 // every document gets its "Garder sur ma clé"
	}
	p, err := g.agent.Preview(context.Background(), limit)
	if err != nil {
		g.log.Warn("preview failed", "err", err)
	}
	g.show("preview", screens.Preview(g.cat, p, k, g.Erase, g.ShowSession))
}

// keyIn reports whether a USB key of the person's is plugged in.
func (g *Window) keyIn() bool {
	return g.FindKeys != nil && len(g.FindKeys()) > 0
}

// keeper offers to copy documents to the person's USB key when one is
// plugged in (the first one found), and says to plug one in otherwise.
func (g *Window) keeper() *screens.Keeper {
	if g.FindKeys == nil {
		return nil
	}
	keys := g.FindKeys()
	if len(keys) == 0 {
		return screens.NoKey
	}
	key := keys[0]
	if g.kept == nil {
		g.kept = map[string]bool{}
	}
	return &screens.Keeper{Key: key.Label, Kept: g.kept, Keep: func(it ipc.PreviewItem) error {
		dst, err := usbkey.Copy(it.Path, key)
		if err != nil {
			g.log.Warn("copy to the USB key failed", "err", err)
			return err
		}
		g.log.Debug("document copied to the USB key", "to", dst)
		return nil
	}}
}

// Erase ends the session: the agent closes the browsers, erases and
// verifies; progress and the final screen follow its events and answer.
func (g *Window) Erase() {
	g.ending = true
	g.showProgress()
	go func() {
		rep, err := g.agent.End(context.Background(), ipc.EndRequest{Reason: ipc.ReasonButton})
		g.do(func() {
			if err != nil {
				g.log.Error("ending the session failed", "err", err)
				g.ending = false
				g.show("done", screens.DoneWithKey(g.cat, ipc.WipeReport{PendingCount: 1}, screens.Protection{}, g.keyIn()))
				return
			}
			g.showEnd(rep)
		})
	}()
}

// showEnd shows the final screen: the charter's checklist after an
// accompanied session, else the "C'est fait" screen.
func (g *Window) showEnd(rep ipc.WipeReport) {
	g.endShown = time.Now()
	g.ending = false
	screen := "done"
	if len(rep.Checklist) > 0 {
		screen = "checklist"
		g.show(screen, screens.Checklist(g.cat, rep, g.protection))
	} else {
		g.show(screen, screens.DoneWithKey(g.cat, rep, g.protection, g.keyIn()))
	}
	// The agent's state came before its report: it is followed once
	// the hold is over (a wipe left pending turns into "not ready").
	g.holdEnd(screen)
}

// ShowAccompany shows the start of an accompanied session: the charter's
// ground rules and, if the policy asks, the aidant's code. problem is what
// went wrong with the last attempt.
func (g *Window) ShowAccompany(problem string) {
	g.show("accompany", screens.Accompany(g.cat, g.accompanied.CodeRequired, problem, g.startAccompanied, g.ShowNotice))
}

// startAccompanied turns the session into an accompanied one (the agent
// keeps what it knew of the session: the mode changes, not the baseline).
func (g *Window) startAccompanied(code string) {
	go func() {
		st, err := g.agent.Start(context.Background(), ipc.StartRequest{Mode: ipc.ModeAccompanied, StaffCode: code})
		g.do(func() {
			if err != nil {
				g.log.Warn("accompanied session refused", "err", err)
				g.ShowAccompany(g.cat.T(refusalKey(err)))
				return
			}
			g.mode, g.sessionID, g.browser = st.Mode, st.SessionID, st.Browser
			g.noticeRead = true
			g.openBrowser()
			g.ShowSession()
		})
	}()
}

func (g *Window) showProgress() {
	g.mu.Lock()
	n := g.removed
	g.mu.Unlock()
	g.show("progress", screens.Progress(g.cat, n))
}

// WaitAsk is how long the agent may not answer before the waiting
// screen asks the person to see the staff.
var WaitAsk = 30 * time.Second

func (g *Window) showWaiting() {
	ask := !g.waitSince.IsZero() && time.Since(g.waitSince) >= WaitAsk
	g.show("waiting", screens.Waiting(g.cat, ask))
}

// showCountdown fills the window until the deadline, second by second:
// before an idle end, "Je suis encore là" (or moving the mouse) tells
// the agent the person is there; before a closing time, the seconds left.
// The screen is built once and its seconds change in place, so that the
// focus stays where the person put it.
func (g *Window) showCountdown(reason string, deadline time.Time) {
	g.mu.Lock()
	g.deadline = deadline
	g.mu.Unlock()
	left := func() int {
		g.mu.Lock()
		d := g.deadline
		g.mu.Unlock()
		return max(0, int(time.Until(d).Round(time.Second)/time.Second))
	}
	if g.Screen() != "countdown" || g.countdown == nil {
		cd := screens.NewCountdown(g.cat, reason, left(), g.countdownDone)
		g.countdown = cd
		var content fyne.CanvasObject = cd.Object
		if reason == ipc.ReasonIdle {
			content = container.NewStack(newMoveCatcher(func() {
				if g.Screen() == "countdown" {
					g.countdownDone()
				}
			}), cd.Object)
		}
		g.countdownReason = reason
		// show() puts it full screen (place).
		g.show("countdown", content)
	}
	draw := func() {
		if g.countdown != nil {
			g.countdown.Set(left())
		}
	}
	draw()
	g.mu.Lock()
	if g.stopTick != nil {
		g.mu.Unlock()
		return // already counting down
	}
	stop := make(chan struct{})
	g.stopTick = stop
	g.mu.Unlock()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				g.do(func() {
					if g.Screen() == "countdown" {
						draw()
					}
				})
			}
		}
	}()
}

// countdownDone is the countdown's button: "Je suis encore là" before an
// idle end, "D'accord" before a closing time (the end stays where it is).
func (g *Window) countdownDone() {
	if g.countdownReason != ipc.ReasonIdle {
		g.leaveFullScreen()
		g.countdown = nil
		g.back()
		return
	}
	g.stay()
}

func (g *Window) stay() {
	g.countdown = nil
	go g.reportHere()
	g.ShowSession()
}

// reportHere tells the agent someone is at the computer.
func (g *Window) reportHere() {
	if err := g.agent.ReportIdle(context.Background(), ipc.IdleReport{IdleSeconds: 0}); err != nil {
		g.log.Warn("could not tell the agent the person is here", "err", err)
	}
}

// holdingEnd reports whether a final screen (the checklist, "C'est fait")
// is up for its hold time.
func (g *Window) holdingEnd() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.holding && (g.screen == "checklist" || g.screen == "done")
}

// IdleSource tells how long the person has not touched the computer
// (gui/idle).
type IdleSource interface {
	Idle() (time.Duration, error)
}

// ReportIdle tells the agent the idle time every interval until ctx
// ends. The agent decides what it means (policy session.idle_timeout);
// the window only measures it. While a final screen is held (the
// accompanied session's checklist, 2 minutes), it reports no idle time:
// the aidant reads the checklist without touching anything, and the next
// session's idle end or countdown must not cut it. (The agent's idle
// clock only moves forward with reports, so the next person's idle time
// counts from the end of the hold.)
func (g *Window) ReportIdle(ctx context.Context, src IdleSource, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d, err := src.Idle()
		if err != nil {
			g.log.Warn("idle time unavailable", "err", err)
			continue
		}
		if g.holdingEnd() {
			d = 0
		}
		if err := g.agent.ReportIdle(ctx, ipc.IdleReport{IdleSeconds: int(d / time.Second)}); err != nil && ctx.Err() == nil {
			g.log.Debug("idle report refused", "err", err)
		}
	}
}

// readNotice goes on once the person has read the notice: the browser
// opens (in a private window) and the session screen shows.
func (g *Window) readNotice() {
	g.noticeRead = true
	g.openBrowser()
	g.ShowSession()
}

// openBrowser runs the agent's browser command as the person, once per
// session (again only if an accompanied session asks for another browser
// or page): the system service never starts programs in the person's
// session itself.
func (g *Window) openBrowser() {
	if g.browser == nil || g.sessionID == "" {
		return
	}
	key := g.sessionID + "\x00" + g.browser.Program + "\x00" + strings.Join(g.browser.Args, "\x00")
	if g.opened[key] || openedBefore(key) {
		return
	}
	if g.opened == nil {
		g.opened = map[string]bool{}
	}
	g.opened[key] = true
	rememberOpened(key)
	cmd := exec.Command(g.browser.Program, g.browser.Args...)
	if len(g.browser.Env) > 0 {
		cmd.Env = append(os.Environ(), g.browser.Env...)
	}
	if err := cmd.Start(); err != nil {
		g.log.Warn("the browser could not be opened", "err", err)
		return
	}
	go cmd.Wait()
	g.log.Info("browser opened in a private window")
}

// StartSession asks the agent for a session for the person, as the login
// entry does (ardoise-gui --start-session): the system service starts one
// only when asked by a kiosk account. It reports false when this account
// is not one of the policy's (staff): the window has nothing to do here.
// A session already running (the window was started again) is fine.
func (g *Window) StartSession(ctx context.Context) bool {
	_, err := g.agent.Start(ctx, ipc.StartRequest{Mode: ipc.ModePublic})
	var ie *ipc.Error
	switch {
	case err == nil:
		return true
	case errors.As(err, &ie) && (ie.Code == ipc.CodeNotKiosk || ie.Code == ipc.CodeForbidden):
		g.log.Info("this account is not one of the policy's kiosk accounts: no session, the window closes")
		return false
	case errors.As(err, &ie) && ie.Code == ipc.CodeConflict:
		return true
	}
	g.log.Warn("could not start a session; the agent will be asked again", "err", err)
	return true
}

// The browser opened for a session is remembered in the person's runtime
// folder (emptied at logout), so that a window started again after being
// killed does not open a second one.
func openedFile() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "ardoise-browser-opened")
	}
	return ""
}

func openedBefore(key string) bool {
	f := openedFile()
	if f == "" {
		return false
	}
	b, err := os.ReadFile(f)
	return err == nil && string(b) == key
}

func rememberOpened(key string) {
	if f := openedFile(); f != "" {
		os.WriteFile(f, []byte(key), 0o600)
	}
}

// holdEnd keeps the final screen up for its hold time, then follows the
// agent's state as it is by then. It reports whether it is holding.
func (g *Window) holdEnd(screen string) bool {
	hold := g.DoneHold
	if screen == "checklist" {
		hold = g.ChecklistHold
	}
	wait := hold - time.Since(g.endShown)
	if wait <= 0 {
		return false
	}
	g.mu.Lock()
	holding := g.holding
	g.holding = true
	g.mu.Unlock()
	if !holding {
		time.AfterFunc(wait, func() {
			g.do(func() {
				g.mu.Lock()
				g.holding = false
				state := g.lastState
				g.mu.Unlock()
				g.follow(state, g.entriesNow())
			})
		})
	}
	return true
}

// moveCatcher lies under the countdown and takes the mouse's moves over
// it: a person who moves the mouse is there, as if they had pressed "Je
// suis encore là".
type moveCatcher struct {
	widget.BaseWidget
	moved func()
}

func newMoveCatcher(moved func()) *moveCatcher {
	m := &moveCatcher{moved: moved}
	m.ExtendBaseWidget(m)
	return m
}

func (m *moveCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// MouseIn is a move too: the pointer came onto the screen.
func (m *moveCatcher) MouseIn(*desktop.MouseEvent)    { m.moved() }
func (m *moveCatcher) MouseMoved(*desktop.MouseEvent) { m.moved() }
func (m *moveCatcher) MouseOut()                      {}

// leaveFullScreen puts the window back to its own size. Fyne forgets that
// size when the content changes in full screen (its RescaleContext takes
// the screen's), so the window would stay screen-sized: it is given
// again.
func (g *Window) leaveFullScreen() {
	if !g.w.FullScreen() {
		return
	}
	g.w.SetFullScreen(false)
	if g.normal.Width > 0 && g.normal.Height > 0 {
		g.w.Resize(g.normal)
	}
}
