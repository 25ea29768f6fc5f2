package window

import (
	"context"
	"iter"
	"os"
	"path/filepath"
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

// fakeAgent stands for the agent's local interface; the real one is
// driven in cmd/ardoise-gui's test.
type fakeAgent struct {
	path   string // of the document the preview lists
	mode   string
	opened string // a file the browser command appends to
	staff  bool   // the account is not a kiosk account
	mu     sync.Mutex
	events chan ipc.Event
	ended  []string
	idle   []int
	roots  []ipc.RootStatus // the session's folders, with their protection
	key    *ipc.KeyReport   // what the end did to the session's key
	broken []string         // what breaks the promise on the computer
}

func (f *fakeAgent) Status(context.Context) (ipc.Status, error) {
	f.mu.Lock()
	mode := f.mode
	f.mu.Unlock()
	return ipc.Status{State: ipc.StateActive, Mode: mode, SessionID: "s1", Roots: f.roots, PromiseBroken: f.broken, Browser: f.browser("https://www.service-public.fr/"), Counts: ipc.Counts{Entries: 2}, Accompanied: ipc.Accompanied{Available: true, CodeRequired: true}, Notice: ipc.Notice{
		Languages: []string{"fr", "en"}, Mode: "extend",
		Text: map[string]string{"fr": "Wi-Fi : demandez le code à l'accueil.", "en": "Wi-Fi: ask for the code at the desk."},
	}}, nil
}

func (f *fakeAgent) Preview(context.Context, int) (ipc.Preview, error) {
	return ipc.Preview{Count: 1, Items: []ipc.PreviewItem{{Name: "Attestation CAF.pdf", Kind: ipc.KindDownloaded, Folder: "Téléchargements", Size: 220_000, Path: f.path}}}, nil
}

func (f *fakeAgent) End(_ context.Context, r ipc.EndRequest) (ipc.WipeReport, error) {
	f.mu.Lock()
	f.ended = append(f.ended, r.Reason)
	f.mu.Unlock()
	return ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 1}, Key: f.key}, nil
}

func (f *fakeAgent) Start(_ context.Context, r ipc.StartRequest) (ipc.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.staff {
		return ipc.Status{}, &ipc.Error{Status: 403, Code: "not_kiosk", Message: "ce compte n'est pas un compte public"}
	}
	if r.Mode == ipc.ModePublic {
		return ipc.Status{State: ipc.StateActive, Mode: r.Mode}, nil
	}
	if r.StaffCode != "4821" {
		return ipc.Status{}, &ipc.Error{Status: 403, Code: "wrong_code", Message: "code incorrect"}
	}
	f.mode = r.Mode
	return ipc.Status{State: ipc.StateActive, Mode: r.Mode, SessionID: "s1", Browser: f.browser("https://aidant.example/")}, nil
}

func (f *fakeAgent) ReportIdle(_ context.Context, r ipc.IdleReport) error {
	f.mu.Lock()
	f.idle = append(f.idle, r.IdleSeconds)
	f.mu.Unlock()
	return nil
}

func (f *fakeAgent) Events(ctx context.Context, _ uint64) iter.Seq2[ipc.Event, error] {
	return func(yield func(ipc.Event, error) bool) {
		for {
			select {
			case <-ctx.Done():
				yield(ipc.Event{}, ctx.Err())
				return
			case ev := <-f.events:
				if !yield(ev, nil) {
					return
				}
			}
		}
	}
}

func waitScreen(t *testing.T, g *Window, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for g.Screen() != want {
		if time.Now().After(deadline) {
			t.Fatalf("screen %q, want %q", g.Screen(), want)
		}
		pause(t, 10*time.Millisecond)
	}
}

// find returns the first object on screen that match accepts.
func find(g *Window, match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	var found fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil {
			return
		}
		if match(o) {
			found = o
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, k := range v.Objects {
				walk(k)
			}
		case fyne.Widget:
			for _, k := range test.WidgetRenderer(v).Objects() {
				walk(k)
			}
		}
	}
	walk(g.w.Canvas().Content())
	return found
}

func tap(t *testing.T, g *Window, text string) {
	t.Helper()
	b := find(g, func(o fyne.CanvasObject) bool { b := button(o); return b != nil && b.Text == text })
	if b == nil {
		t.Fatalf("no button %q on screen %q", text, g.Screen())
	}
	test.Tap(button(b))
}

// button is o as a button, Fyne's or the screens' (which answers Enter).
func button(o fyne.CanvasObject) *widget.Button {
	switch b := o.(type) {
	case *widget.Button:
		return b
	case *screens.Button:
		return &b.Button
	}
	return nil
}

// TestSessionFlow: the notice, the language switch, the end button, the
// list, "erase", the final screen; then a warning brings the countdown,
// and "I am still here" tells the agent.
func TestSessionFlow(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	g := newWindow(t, w, a, []string{"fr", "en"})
	g.DoneHold = 0 // the hold has its own test
	// The agent's state and events are fed here, one at a time, as Run
	// does from its own goroutine in the real window (through g.do: the
	// test goroutine holds the UI, testUI).
	st, _ := a.Status(context.Background())
	g.setNotice(st.Notice)
	g.follow(st.State, st.Counts.Entries)

	waitScreen(t, g, "notice")
	if !showsText(g, "Wi-Fi : demandez le code à l'accueil.") {
		t.Error("the site's own notice is not shown")
	}
	tap(t, g, "English")
	if !showsText(g, "Wi-Fi: ask for the code at the desk.") {
		t.Error("the site's notice did not follow the language")
	}
	tap(t, g, "I understand")
	waitScreen(t, g, "session")
	tap(t, g, "I'm done")
	waitScreen(t, g, "preview")
	tap(t, g, "Erase everything and finish")
	waitScreen(t, g, "done")
	a.mu.Lock()
	ended := a.ended
	a.mu.Unlock()
	if len(ended) != 1 || ended[0] != ipc.ReasonButton {
		t.Errorf("ends asked: %v", ended)
	}

	g.event(ipc.Event{Seq: 1, Type: ipc.EventState, State: ipc.StateActive})
	waitScreen(t, g, "notice")
	// The next person starts in the policy's first language, not in the
	// previous person's choice.
	tap(t, g, "J'ai compris")
	g.SetLanguage("en")
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Seq: 2, Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	waitScreen(t, g, "countdown")
	tap(t, g, "I am still here")
	waitScreen(t, g, "session")
	deadline := time.Now().Add(2 * time.Second)
	for {
		a.mu.Lock()
		n := len(a.idle)
		a.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent was not told the person is still here")
		}
		pause(t, 10*time.Millisecond)
	}
}

// TestKeyboardFlow: Enter does each screen's main action, Escape goes
// back, without a mouse.
func TestKeyboardFlow(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	w.Resize(fyne.NewSize(1024, 768)) // the notice on one page
	g := newWindow(t, w, a, []string{"fr"})
	g.follow(ipc.StateActive, 1)
	press := func(k fyne.KeyName) {
		test.TypeOnCanvas(w.Canvas(), "")
		w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k})
	}
	waitScreen(t, g, "notice")
	press(fyne.KeyReturn)
	waitScreen(t, g, "session")
	press(fyne.KeyReturn)
	waitScreen(t, g, "preview")
	press(fyne.KeyEscape)
	waitScreen(t, g, "session")
	press(fyne.KeyReturn)
	waitScreen(t, g, "preview")
	press(fyne.KeyReturn)
	waitScreen(t, g, "done")
}

type fixedIdle time.Duration

func (f fixedIdle) Idle() (time.Duration, error) { return time.Duration(f), nil }

// TestReportIdle: the window passes the measured idle time to the agent,
// in whole seconds.
func TestReportIdle(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 1)}
	g := newWindow(t, w, a, []string{"fr"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		g.ReportIdle(ctx, fixedIdle(95*time.Second+400*time.Millisecond), 5*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(2 * time.Second)
	for {
		a.mu.Lock()
		n := len(a.idle)
		a.mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		pause(t, 5*time.Millisecond)
	}
	cancel()
	<-done
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.idle) < 2 || a.idle[0] != 95 {
		t.Errorf("reported %v, want 95 s at each tick", a.idle)
	}
}

// showsText reports whether a label on screen says s.
func showsText(g *Window, s string) bool {
	return find(g, func(o fyne.CanvasObject) bool { l, ok := o.(*widget.Label); return ok && l.Text == s }) != nil
}

// TestKeepOnTheKey: with a key plugged in, the list offers to keep each
// document, and the copy lands on the key.
func TestKeepOnTheKey(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "Attestation CAF.pdf")
	os.WriteFile(doc, []byte("%PDF"), 0o600)
	key := filepath.Join(dir, "CLE")
	os.Mkdir(key, 0o755)

	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 1), path: doc}
	g := newWindow(t, w, a, []string{"fr"})
	g.FindKeys = func() []usbkey.Key { return []usbkey.Key{{Path: key, Label: "CLE"}} }
	g.ShowPreview()
	tap(t, g, "Garder sur ma clé")
	if b, err := os.ReadFile(filepath.Join(key, "Attestation CAF.pdf")); err != nil || string(b) != "%PDF" {
		t.Errorf("on the key: %q %v", b, err)
	}
}

// TestClipboardEmptiedAtTheEnd: with the policy's clipboard trace, what
// the person copied is gone when the session ends.
func TestClipboardEmptiedAtTheEnd(t *testing.T) {
	app := test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 1)}
	g := newWindow(t, w, a, []string{"fr"})
	g.clearClipboard = true
	app.Clipboard().SetContent("FR76 3000 6000 0112 3456 7890 189")
	g.event(ipc.Event{Type: ipc.EventState, State: ipc.StateEnding})
	if got := app.Clipboard().Content(); got != "" {
		t.Errorf("clipboard holds %q after the end", got)
	}
}

// TestAccompaniedFlow: the aidant opens "Pour l'aidant (avec un code)" on the notice, a
// wrong code is refused on the screen, the right one turns the session
// into an accompanied one, and its end shows the charter's checklist.
func TestAccompaniedFlow(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	g := newWindow(t, w, a, []string{"fr", "en"})
	st, _ := a.Status(context.Background())
	g.accompanied, g.mode = st.Accompanied, st.Mode
	g.setNotice(st.Notice)
	g.follow(st.State, st.Counts.Entries)
	waitScreen(t, g, "notice")
	tap(t, g, "Pour l'aidant (avec un code)")
	waitScreen(t, g, "accompany")
	entry := find(g, func(o fyne.CanvasObject) bool { e, ok := o.(*widget.Entry); return ok && e.Password })
	if entry == nil {
		t.Fatal("no field for the code")
	}
	test.Type(entry.(*widget.Entry), "0000")
	tap(t, g, "Commencer l'accompagnement")
	waitFor(t, func() bool { return showsText(g, "Ce code n'est pas le bon.") }, "the wrong code is not said")
	entry = find(g, func(o fyne.CanvasObject) bool { e, ok := o.(*widget.Entry); return ok && e.Password })
	test.Type(entry.(*widget.Entry), "4821")
	tap(t, g, "Commencer l'accompagnement")
	waitScreen(t, g, "session")
	if !showsText(g, "Session accompagnée") {
		t.Error("the session screen does not say it is accompanied")
	}
	g.event(ipc.Event{Seq: 1, Type: ipc.EventState, State: ipc.StateEnding})
	g.event(ipc.Event{Seq: 2, Type: ipc.EventWipeDone, Report: &ipc.WipeReport{Verified: true, Checklist: []ipc.CheckItem{
		{Code: ipc.CheckPrivateBrowsing, Why: "not_forced"}, {Code: ipc.CheckDocuments, OK: true, Count: 2, Why: "verified"}}}})
	waitScreen(t, g, "checklist")
	if !showsText(g, "2 documents scannés ou téléchargés effacés, et vérifiés.") {
		t.Error("the checklist does not count the documents")
	}
}

func waitFor(t *testing.T, ok func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		pause(t, 10*time.Millisecond)
	}
}

// browser is a stand-in browser command that notes the page it opens.
func (f *fakeAgent) browser(page string) *ipc.Command {
	if f.opened == "" {
		return nil
	}
	return &ipc.Command{Program: "/bin/sh", Args: []string{"-c", "echo \"$0\" >>" + f.opened, page}}
}

// TestBrowserOpenedOncePerSession: the window opens the agent's browser
// command, as the person, once the notice is read; not again when the
// notice comes back in the same session; and once more when the session
// becomes accompanied on another page.
func TestBrowserOpenedOncePerSession(t *testing.T) {
	test.NewTempApp(t)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4), opened: filepath.Join(t.TempDir(), "opened")}
	g := newWindow(t, w, a, []string{"fr", "en"})
	st, _ := a.Status(context.Background())
	g.accompanied, g.mode, g.sessionID, g.browser = st.Accompanied, st.Mode, st.SessionID, st.Browser
	g.setNotice(st.Notice)
	g.follow(st.State, st.Counts.Entries)
	waitScreen(t, g, "notice")
	tap(t, g, "J'ai compris")
	g.ShowNotice()
	tap(t, g, "J'ai compris")
	tap(t, g, "J'ai fini")
	tap(t, g, "Revenir")
	g.ShowNotice()
	tap(t, g, "Pour l'aidant (avec un code)")
	entry := find(g, func(o fyne.CanvasObject) bool { e, ok := o.(*widget.Entry); return ok && e.Password })
	test.Type(entry.(*widget.Entry), "4821")
	tap(t, g, "Commencer l'accompagnement")
	waitScreen(t, g, "session")
	want := "https://www.service-public.fr/\nhttps://aidant.example/\n"
	waitFor(t, func() bool { b, _ := os.ReadFile(a.opened); return string(b) == want }, "browser pages opened differ")
	pause(t, 100*time.Millisecond)
	if b, _ := os.ReadFile(a.opened); string(b) != want {
		t.Errorf("pages opened:\n%s\nwant:\n%s", b, want)
	}

	// A window started again in the same session (it was killed) does
	// not open the accompanied page a second time.
	g2 := newWindow(t, w, a, []string{"fr", "en"})
	st, _ = a.Status(context.Background())
	g2.accompanied, g2.mode, g2.sessionID, g2.browser = st.Accompanied, st.Mode, st.SessionID, a.browser("https://aidant.example/")
	g2.openBrowser()
	pause(t, 200*time.Millisecond)
	if b, _ := os.ReadFile(a.opened); string(b) != want {
		t.Errorf("a window started again opened the browser again:\n%s", b)
	}
}

// TestStartSessionAtLogin: the login entry asks for a session; on a staff
// account (not a kiosk one) the window has nothing to do and says so.
func TestStartSessionAtLogin(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	if !newWindow(t, w, &fakeAgent{}, []string{"fr"}).StartSession(context.Background()) {
		t.Error("a kiosk account's window gave up")
	}
	if newWindow(t, w, &fakeAgent{staff: true}, []string{"fr"}).StartSession(context.Background()) {
		t.Error("a staff account's window stays")
	}
}

// TestFinalScreenIsHeld: when the next session starts at once (a computer
// that stays logged in), the final screen stays up for its hold time
// before the notice comes for the next person.
func TestFinalScreenIsHeld(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	g := newWindow(t, w, a, []string{"fr"})
	g.DoneHold = time.Second
	g.showEnd(ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 1}})
	g.follow(ipc.StateActive, 0)
	if g.Screen() != "done" {
		t.Fatalf("screen %q right after the end, want done", g.Screen())
	}
	pause(t, 100*time.Millisecond)
	if g.Screen() != "done" {
		t.Fatalf("screen %q before the hold is over", g.Screen())
	}
	waitScreen(t, g, "notice")
}

// TestEndWordsFromTheAgent: the window takes each folder's protection
// from the agent's status and the key's fate from the end's report: the
// notice and the final screen say that nobody will ever read the
// documents again when the key is destroyed and the folder encrypted,
// and only "effacés" when the folder fell back to deletion (a file
// system without encryption) or the computer has an unencrypted swap.
func TestEndWordsFromTheAgent(t *testing.T) {
	const strong = "Vos documents ont été effacés. Personne ne pourra plus jamais les lire sur cet ordinateur. Vos comptes ont été fermés. L'ordinateur est prêt pour la personne suivante."
	const notice = "Vos documents sont protégés par un code secret fait pour votre session. À la fin, ce code est détruit : personne ne pourra plus jamais les lire sur cet ordinateur."
	for _, c := range []struct {
		name       string
		protection string
		broken     []string
		want       bool
	}{{"encrypted", ipc.ProtectionEncrypted, nil, true}, {"fallback", ipc.ProtectionDeleted, nil, false}, {"unencrypted swap", ipc.ProtectionEncrypted, []string{"swap"}, false}} {
		t.Run(c.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, widget.NewLabel(""))
			a := &fakeAgent{events: make(chan ipc.Event, 4),
				roots: []ipc.RootStatus{{Label: "Téléchargements", State: "watching", Protection: c.protection}},
				key:   &ipc.KeyReport{Folders: []string{"Téléchargements"}, Destroyed: true}, broken: c.broken}
			if c.protection == ipc.ProtectionDeleted {
				a.roots[0].ProtectionCode = ipc.NotEncryptedFileSystem
			}
			g := newWindow(t, w, a, []string{"fr"})
			g.DoneHold = 0
			st, _ := a.Status(context.Background())
			g.apply(st)
			g.follow(st.State, st.Counts.Entries)
			waitScreen(t, g, "notice")
			if got := showsText(g, notice); got != c.want {
				t.Errorf("the notice says nobody will read them: %v, want %v", got, c.want)
			}
			tap(t, g, "J'ai compris")
			waitScreen(t, g, "session")
			tap(t, g, "J'ai fini")
			waitScreen(t, g, "preview")
			tap(t, g, "Tout effacer et terminer")
			waitScreen(t, g, "done")
			if got := showsText(g, strong); got != c.want {
				t.Errorf("the final screen says nobody will read them: %v, want %v", got, c.want)
			}
			if !c.want && !showsText(g, "Vos documents ont été effacés et vos comptes fermés. L'ordinateur est prêt pour la personne suivante.") {
				t.Error("the final screen does not say the documents were erased")
			}
			// The next person: the agent's status of the new session
			// comes first, then its state; the notice says what that
			// status says of its folders.
			next := st
			next.SessionID = "s2"
			g.apply(next)
			g.follow(ipc.StateActive, 0)
			waitScreen(t, g, "notice")
			if got := showsText(g, notice); got != c.want {
				t.Errorf("the next person's notice says nobody will read them: %v, want %v", got, c.want)
			}
		})
	}
}

// TestChecklistHoldIsNotIdleness: while the accompanied session's
// checklist is held (the next session may already run), the window
// reports no idle time, however long nobody touched the computer, and
// the next session's idle countdown does not replace the checklist: it is
// answered as someone being there. Once the hold is over, the real idle
// time is reported again.
func TestChecklistHoldIsNotIdleness(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	g := newWindow(t, w, a, []string{"fr"})
	g.ChecklistHold = 2 * time.Second
	g.showEnd(ipc.WipeReport{Verified: true, Checklist: []ipc.CheckItem{{Code: ipc.CheckDocuments, OK: true, Count: 2, Why: "verified"}}})
	g.follow(ipc.StateActive, 0) // the next session, at once
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		g.ReportIdle(ctx, fixedIdle(95*time.Second), 20*time.Millisecond)
		close(done)
	}()
	defer func() { cancel(); <-done }()
	reports := func() []int {
		a.mu.Lock()
		defer a.mu.Unlock()
		return append([]int(nil), a.idle...)
	}
	waitFor(t, func() bool { return len(reports()) >= 3 }, "no idle reports")
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Seq: 3, Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	during := reports()
	if !g.holdingEnd() {
		t.Fatal("the hold ended before the test looked (a very slow machine?)")
	}
	if g.Screen() != "checklist" {
		t.Fatalf("screen %q during the checklist's hold", g.Screen())
	}
	for _, s := range during {
		if s != 0 {
			t.Fatalf("idle reports during the checklist's hold: %v, want 0 s each", during)
		}
	}
	waitScreen(t, g, "notice")
	waitFor(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.idle[len(a.idle)-1] == 95
	}, "the idle time is not reported again after the hold")
}
