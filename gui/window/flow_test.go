package window

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/screens"
	"github.com/ardoise-fr/ardoise/gui/usbkey"
)

// scriptAgent is an agent whose status the test changes from one session
// to the next.
type scriptAgent struct {
	mu      sync.Mutex
	st      ipc.Status
	preview ipc.Preview
	down    bool // Status fails: the agent does not answer
	idle    []int
}

func (a *scriptAgent) set(f func(st *ipc.Status)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(&a.st)
}

func (a *scriptAgent) Status(context.Context) (ipc.Status, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return ipc.Status{}, errors.New("connection refused")
	}
	return a.st, nil
}

func (a *scriptAgent) Preview(context.Context, int) (ipc.Preview, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.preview, nil
}

func (a *scriptAgent) End(context.Context, ipc.EndRequest) (ipc.WipeReport, error) {
	return ipc.WipeReport{Verified: true}, nil
}

func (a *scriptAgent) Start(_ context.Context, r ipc.StartRequest) (ipc.Status, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st.Mode = r.Mode
	return a.st, nil
}

func (a *scriptAgent) ReportIdle(_ context.Context, r ipc.IdleReport) error {
	a.mu.Lock()
	a.idle = append(a.idle, r.IdleSeconds)
	a.mu.Unlock()
	return nil
}

func (a *scriptAgent) Events(ctx context.Context, _ uint64) iter.Seq2[ipc.Event, error] {
	return func(yield func(ipc.Event, error) bool) { <-ctx.Done(); yield(ipc.Event{}, ctx.Err()) }
}

func (a *scriptAgent) idleReports() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.idle)
}

func sessionStatus(id string, entries int) ipc.Status {
	return ipc.Status{State: ipc.StateActive, Mode: ipc.ModePublic, SessionID: id, Counts: ipc.Counts{Entries: entries, Files: entries},
		Accompanied: ipc.Accompanied{Available: true},
		Notice:      ipc.Notice{Languages: []string{"fr", "en"}, Mode: "extend"}}
}

// state feeds a state change as Run does: the status is asked again,
// then the event followed.
func state(g *Window, a *scriptAgent, s string) {
	st, _ := a.Status(context.Background())
	g.apply(st)
	g.event(ipc.Event{Type: ipc.EventState, State: s})
}

func newTestWindow(t *testing.T, a Agent) *Window {
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(760, 560))
	g := newWindow(t, w, a, []string{"fr"})
	g.DoneHold, g.ChecklistHold = 0, 0
	return g
}

// capture is the window's picture, as PNG bytes.
func capture(t *testing.T, g *Window) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, g.w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestNextPersonStartsFresh: session A is accompanied, in English, with
// larger text, three documents, one kept on the key, and ends by idle
// (its countdown puts the window in full screen); session B, the next
// person's, must look in every screen exactly as a fresh window does:
// French, the "Pour l'aidant" entry, no count, no full screen, every
// document offered to the key again.
func TestNextPersonStartsFresh(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "Attestation CAF.pdf")
	os.WriteFile(doc, []byte("%PDF"), 0o600)
	key := filepath.Join(dir, "CLE")
	os.Mkdir(key, 0o755)
	keys := func() []usbkey.Key { return []usbkey.Key{{Path: key, Label: "CLE"}} }
	items := ipc.Preview{Count: 1, Items: []ipc.PreviewItem{{ID: "1", Name: "Attestation CAF.pdf", Kind: ipc.KindDownloaded, Folder: "Téléchargements", Size: 4, Path: doc}}}

	a := &scriptAgent{st: sessionStatus("A", 0), preview: items}
	g := newTestWindow(t, a)
	g.FindKeys = keys
	state(g, a, ipc.StateActive)
	waitScreen(t, g, "notice")
	tap(t, g, "English")
	g.SetReading(screens.Reading{Large: true})
	tap(t, g, "For the helper") // the policy asks no code
	tap(t, g, "Start the assisted session")
	waitScreen(t, g, "session")
	g.event(ipc.Event{Type: ipc.EventEntry, Count: 4, Files: 3})
	g.ShowPreview()
	tap(t, g, "Keep on my key")
	tap(t, g, "Go back")
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	waitScreen(t, g, "countdown")
	if !g.w.FullScreen() {
		t.Fatal("the countdown is not in full screen")
	}
	a.set(func(st *ipc.Status) { st.State, st.SessionID, st.Mode = ipc.StateEnding, "", "" })
	state(g, a, ipc.StateEnding)
	g.event(ipc.Event{Type: ipc.EventWipeDone, Report: &ipc.WipeReport{Reason: ipc.ReasonIdle, Verified: true, Removed: ipc.Removed{Files: 3}}})
	waitScreen(t, g, "done")

	// The next person.
	a.set(func(st *ipc.Status) { *st = sessionStatus("B", 0) })
	state(g, a, ipc.StateActive)
	waitScreen(t, g, "notice")
	nextFull := g.w.FullScreen()
	var b [3][]byte
	b[0] = capture(t, g)
	tap(t, g, "J'ai compris")
	waitScreen(t, g, "session")
	b[1] = capture(t, g)
	tap(t, g, "J'ai fini")
	waitScreen(t, g, "preview")
	b[2] = capture(t, g)

	// A fresh window on session B.
	f := newTestWindow(t, a)
	f.FindKeys = keys
	state(f, a, ipc.StateActive)
	waitScreen(t, f, "notice")
	if nextFull != f.w.FullScreen() {
		t.Errorf("the next person's notice is full screen %v, a fresh one's %v", nextFull, f.w.FullScreen())
	}
	var want [3][]byte
	want[0] = capture(t, f)
	tap(t, f, "J'ai compris")
	want[1] = capture(t, f)
	tap(t, f, "J'ai fini")
	want[2] = capture(t, f)
	for i, name := range []string{"notice", "session", "preview"} {
		if !bytes.Equal(b[i], want[i]) {
			os.WriteFile(filepath.Join(t.TempDir(), name+"-next.png"), b[i], 0o644)
			t.Errorf("the next person's %s differs from a fresh start's", name)
		}
	}
	if n := countButtonsOn(g, "Garder sur ma clé"); n != 1 {
		t.Errorf("the next person is offered %d keep buttons, want 1", n)
	}
}

func countButtonsOn(g *Window, text string) int {
	n := 0
	find(g, func(o fyne.CanvasObject) bool {
		if b := button(o); b != nil && b.Text == text {
			n++
		}
		return false
	})
	return n
}

// allTexts is every label's text on screen.
func allTexts(g *Window) string {
	var b strings.Builder
	find(g, func(o fyne.CanvasObject) bool {
		switch v := o.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.RichText:
			b.WriteString(v.String() + "\n")
		}
		return false
	})
	return b.String()
}

// TestUndeletableFile: the person leaving is asked to tell the staff;
// the next person is told the computer is not ready (not the last
// person's message); the staff's retries never show on the screen; once
// fixed, the next person gets the notice, not "C'est fait".
func TestUndeletableFile(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 1)}
	g := newTestWindow(t, a)
	g.DoneHold = 200 * time.Millisecond
	state(g, a, ipc.StateActive)
	tap(t, g, "J'ai compris")
	a.set(func(st *ipc.Status) { st.State = ipc.StateEnding })
	state(g, a, ipc.StateEnding)
	a.set(func(st *ipc.Status) { st.State = ipc.StatePending })
	state(g, a, ipc.StatePending) // published before the report
	g.event(ipc.Event{Type: ipc.EventWipeDone, Report: &ipc.WipeReport{Reason: ipc.ReasonButton, Removed: ipc.Removed{Files: 40000}, PendingCount: 1}})
	waitScreen(t, g, "done")
	texts := allTexts(g)
	for _, want := range []string{"1 document n'a pas pu être effacé.", "Prévenez l'accueil avant de partir.", "40\u00a0000 documents effacés."} {
		if !strings.Contains(texts, want) {
			t.Errorf("the person leaving is not told %q:\n%s", want, texts)
		}
	}
	waitScreen(t, g, "notready")
	if texts := allTexts(g); !strings.Contains(texts, "Demandez à l'accueil.") || strings.Contains(texts, "effacé") {
		t.Errorf("the next person reads:\n%s", texts)
	}
	// The staff retry ('ardoise session end'): once still failing, then
	// fixed.
	for _, fixed := range []bool{false, true} {
		a.set(func(st *ipc.Status) { st.State = ipc.StateWiping })
		state(g, a, ipc.StateWiping)
		g.event(ipc.Event{Type: ipc.EventProgress, Count: 0})
		rep := ipc.WipeReport{Reason: ipc.ReasonButton, PendingCount: 1}
		next := ipc.StatePending
		if fixed {
			rep, next = ipc.WipeReport{Reason: ipc.ReasonButton, Verified: true}, ipc.StateIdle
		}
		a.set(func(st *ipc.Status) { st.State = next })
		state(g, a, next)
		g.event(ipc.Event{Type: ipc.EventWipeDone, Report: &rep})
		if s := g.Screen(); s == "done" || s == "progress" {
			t.Fatalf("a retry is shown to the public (screen %q)", s)
		}
	}
	a.set(func(st *ipc.Status) { *st = sessionStatus("B", 0) })
	state(g, a, ipc.StateActive)
	waitScreen(t, g, "notice")
}

// TestClosingWarningAboveTheNotice: a closing-time warning at the start
// shows above the notice (languages and notice still there); "J'ai
// compris" still opens the browser; a minute before the end the
// countdown comes, and "D'accord" goes back to the session.
func TestClosingWarningAboveTheNotice(t *testing.T) {
	test.NewTempApp(t)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	opened := filepath.Join(t.TempDir(), "opened")
	a := &scriptAgent{st: sessionStatus("A", 0)}
	a.st.Browser = (&fakeAgent{opened: opened}).browser("https://www.service-public.fr/")
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	at := time.Now().Add(time.Minute + 1500*time.Millisecond)
	g.event(ipc.Event{Type: ipc.EventWarning, Reason: ipc.ReasonClosingTime, Deadline: &at})
	if g.Screen() != "notice" {
		t.Fatalf("the warning replaced the notice: screen %q", g.Screen())
	}
	texts := allTexts(g)
	if !strings.Contains(texts, "L'établissement ferme bientôt.") || !strings.Contains(texts, g.cat.T("notice.kept")) {
		t.Errorf("the notice does not show the warning above it:\n%s", texts)
	}
	tap(t, g, "English") // the language choice is still there
	tap(t, g, "I understand")
	waitScreen(t, g, "session")
	waitFor(t, func() bool { b, _ := os.ReadFile(opened); return len(b) > 0 }, "the browser was not opened")
	if !strings.Contains(allTexts(g), "The building closes soon.") {
		t.Error("the session screen does not keep the warning")
	}
	waitScreen(t, g, "countdown")
	if !strings.Contains(allTexts(g), "Your session ends in") {
		t.Errorf("the closing countdown says:\n%s", allTexts(g))
	}
	tap(t, g, "OK")
	waitScreen(t, g, "session")
	if g.w.FullScreen() {
		t.Error("still in full screen after OK")
	}
}

// TestWarningDoesNotSkipTheBrowser: a warning while the notice was not
// read yet, then "D'accord" on the warning (Enter), does not skip the
// browser: the notice comes back.
func TestWarningDoesNotSkipTheBrowser(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 0)}
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	at := time.Now().Add(10 * time.Minute)
	g.show("warning", screens.Warning(g.cat, ipc.ReasonClosingTime, at, g.back))
	tap(t, g, "D'accord")
	if g.Screen() != "notice" {
		t.Errorf("D'accord before the notice was read went to %q", g.Screen())
	}
}

// TestCountdownKeepsItsWidgets: the countdown's seconds change in place:
// the button keeps the focus from one second to the next.
func TestCountdownKeepsItsWidgets(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 0)}
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	tap(t, g, "J'ai compris")
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	waitScreen(t, g, "countdown")
	b := find(g, func(o fyne.CanvasObject) bool { b := button(o); return b != nil && b.Text == "Je suis encore là" })
	sb := b.(*screens.Button)
	g.w.Canvas().Focus(sb)
	content := g.w.Canvas().Content()
	before := allTexts(g)
	pause(t, 2100*time.Millisecond)
	if allTexts(g) == before {
		t.Error("the seconds did not change")
	}
	if g.w.Canvas().Content() != content || g.w.Canvas().Focused() != sb {
		t.Error("the countdown was rebuilt: the focus is lost")
	}
	sb.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	waitScreen(t, g, "session")
}

// TestMouseMoveDismissesTheCountdown: moving the mouse is being there.
func TestMouseMoveDismissesTheCountdown(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 0)}
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	tap(t, g, "J'ai compris")
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	waitScreen(t, g, "countdown")
	test.MoveMouse(g.w.Canvas(), fyne.NewPos(30, 30))
	test.MoveMouse(g.w.Canvas(), fyne.NewPos(40, 35))
	waitScreen(t, g, "session")
	waitFor(t, func() bool { return a.idleReports() > 0 }, "the agent was not told the person is here")
}

// TestWaitingScreenAsksTheStaff: while the agent does not answer the
// window says the computer gets ready, then to ask the staff.
func TestWaitingScreenAsksTheStaff(t *testing.T) {
	test.NewTempApp(t)
	old := WaitAsk
	WaitAsk = time.Second
	t.Cleanup(func() { WaitAsk = old })
	a := &scriptAgent{down: true}
	g := newTestWindow(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { g.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitScreen(t, g, "waiting")
	if texts := allTexts(g); !strings.Contains(texts, "Un instant, l'ordinateur se prépare") || strings.Contains(texts, "accueil") {
		t.Errorf("the waiting screen says:\n%s", texts)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(allTexts(g), "demandez à l'accueil") {
		if time.Now().After(deadline) {
			t.Fatalf("the waiting screen never asks to see the staff:\n%s", allTexts(g))
		}
		pause(t, 50*time.Millisecond)
	}
}

// TestSessionCountsDocuments: the quiet screen counts documents, the
// agent's files: a new folder with 5 files in it is 5 documents, not 6.
func TestSessionCountsDocuments(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 0)}
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	tap(t, g, "J'ai compris")
	g.event(ipc.Event{Type: ipc.EventEntry, Count: 6, Files: 5})
	if texts := allTexts(g); !strings.Contains(texts, "5 documents seront effacés") {
		t.Errorf("the session screen says:\n%s", texts)
	}
}

// TestProgressCountsDocuments: the progress counts documents too.
func TestProgressCountsDocuments(t *testing.T) {
	test.NewTempApp(t)
	a := &scriptAgent{st: sessionStatus("A", 0)}
	g := newTestWindow(t, a)
	state(g, a, ipc.StateActive)
	a.set(func(st *ipc.Status) { st.State = ipc.StateWiping })
	state(g, a, ipc.StateEnding)
	g.event(ipc.Event{Type: ipc.EventProgress, Count: 6, Files: 5})
	if texts := allTexts(g); !strings.Contains(texts, "5 documents effacés") {
		t.Errorf("the progress says:\n%s", texts)
	}
}
