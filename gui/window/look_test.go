package window

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/screens"
	"github.com/ardoise-fr/ardoise/gui/speech"
)

func lookWindow(t *testing.T) (*Window, *fakeAgent) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1024, 768))
	a := &fakeAgent{events: make(chan ipc.Event, 4)}
	g := newWindow(t, w, a, []string{"fr", "fr-falc", "en"})
	g.DoneHold = 0
	st, _ := a.Status(context.Background())
	g.setNotice(ipc.Notice{Languages: []string{"fr", "fr-falc", "en"}})
	g.follow(st.State, st.Counts.Entries)
	waitScreen(t, g, "notice")
	return g, a
}

// TestFullScreenWhenThePersonMustLook: the notice, the end list, the
// countdown and the final screen fill the screen; during the session
// the window is small (it was 760×560 in a corner of the desktop for
// every screen).
func TestFullScreenWhenThePersonMustLook(t *testing.T) {
	g, _ := lookWindow(t)
	want := func(screen string, full bool) {
		t.Helper()
		waitScreen(t, g, screen)
		if g.w.FullScreen() != full {
			t.Errorf("%s: full screen %v, want %v", screen, g.w.FullScreen(), full)
		}
	}
	want("notice", true)
	tap(t, g, "J'ai compris")
	want("session", false)
	if s := g.w.Canvas().Size(); s.Width > 600 || s.Height > 300 {
		t.Errorf("the session's window is %v, not a small one", s)
	}
	tap(t, g, "J'ai fini")
	want("preview", true)
	tap(t, g, "Revenir")
	want("session", false)
	at := time.Now().Add(30 * time.Second)
	g.event(ipc.Event{Seq: 2, Type: ipc.EventWarning, Reason: ipc.ReasonIdle, Deadline: &at})
	want("countdown", true)
	tap(t, g, "Je suis encore là")
	want("session", false)
	g.ShowPreview()
	tap(t, g, "Tout effacer et terminer")
	want("done", true)
}

// TestEasyToReadBringsBigText: choosing the easy-to-read language makes
// the text larger without the person asking; going back to French makes
// it as before.
func TestEasyToReadBringsBigText(t *testing.T) {
	g, _ := lookWindow(t)
	before := fyne.CurrentApp().Settings().Theme().Size("text")
	tap(t, g, "Facile à lire")
	easy := fyne.CurrentApp().Settings().Theme().Size("text")
	tap(t, g, "Français")
	after := fyne.CurrentApp().Settings().Theme().Size("text")
	if before < 18 || easy <= before || after != before {
		t.Errorf("text size: %v in French, %v easy to read, %v in French again", before, easy, after)
	}
}

// TestListenWhereAVoiceIs: with a speech engine, the notice and the end
// screens have an "Écouter" button that reads the screen's own text
// (title and paragraphs, not the buttons); without one, or during the
// session, there is none.
func TestListenWhereAVoiceIs(t *testing.T) {
	v := speech.Find()
	if v == nil {
		t.Skip("no speech engine installed (apt-get install espeak-ng)")
	}
	g, _ := lookWindow(t)
	if find(g, isButton("Écouter")) != nil {
		t.Error("an Écouter button with no voice")
	}
	g.Voice = v
	g.ShowNotice()
	if find(g, isButton("Écouter")) == nil {
		t.Fatal("no Écouter button on the notice")
	}
	// In the text's column, in the row of the other actions (it was at
	// the window's top right corner, outside the column).
	listen := find(g, isButton("Écouter"))
	ok := find(g, isButton("J'ai compris"))
	d := fyne.CurrentApp().Driver()
	lp, op := d.AbsolutePositionForObject(listen), d.AbsolutePositionForObject(ok)
	title := find(g, func(o fyne.CanvasObject) bool {
		r, is := o.(*widget.RichText)
		return is && r.String() == g.cat.T("notice.title")
	})
	left := d.AbsolutePositionForObject(title).X
	right := op.X + ok.Size().Width
	if lp.X < left || lp.X+listen.Size().Width > right || lp.Y+listen.Size().Height < op.Y || lp.Y > op.Y+ok.Size().Height {
		t.Errorf("Écouter at %v (%v), the column from x=%v to %v, « J'ai compris » at %v", lp, listen.Size(), left, right, op)
	}
	// Beside the main action, not among the aidant's entry at the left.
	if gap := op.X - (lp.X + listen.Size().Width); gap < 0 || gap > 2*theme.Padding() {
		t.Errorf("Écouter ends at x=%v, « J'ai compris » starts at %v: not side by side", lp.X+listen.Size().Width, op.X)
	}
	text := screenText(g.w.Canvas().Content())
	c := g.cat
	if !strings.Contains(text, c.T("notice.title")) || !strings.Contains(text, c.T("notice.advice")) || strings.Contains(text, "English") {
		t.Errorf("the notice would be read as:\n%s", text)
	}
	tap(t, g, "J'ai compris")
	waitScreen(t, g, "session")
	if find(g, isButton("Écouter")) != nil {
		t.Error("an Écouter button during the session")
	}
	g.ShowPreview()
	tap(t, g, "Tout effacer et terminer")
	waitScreen(t, g, "done")
	if find(g, isButton("Écouter")) == nil {
		t.Error("no Écouter button on the final screen")
	}
	tap(t, g, "Écouter")
	v.Stop()
}

// TestFocusRingFollowsTheFocus: the ring goes where the focus is, and
// away with it.
func TestFocusRingFollowsTheFocus(t *testing.T) {
	g, _ := lookWindow(t)
	ok := find(g, isButton("J'ai compris"))
	g.w.Canvas().Focus(ok.(fyne.Focusable))
	g.ring.Follow(g.w.Canvas())
	if !ringAround(g, ok) {
		t.Error("no ring around the focused button")
	}
	g.w.Canvas().Unfocus()
	g.ring.Follow(g.w.Canvas())
	if ringAround(g, ok) {
		t.Error("the ring stays when nothing has the focus")
	}
}

func isButton(text string) func(fyne.CanvasObject) bool {
	return func(o fyne.CanvasObject) bool {
		b := button(o)
		return b != nil && b.Text == text && o.Visible()
	}
}

// ringAround tells whether a visible ring has o's place on the canvas.
func ringAround(g *Window, o fyne.CanvasObject) bool {
	at, size, shown := g.ring.Around()
	return shown && at == fyne.CurrentApp().Driver().AbsolutePositionForObject(o) && size == o.Size()
}

// TestEnterReadsOnThroughTheNoticePages: on a notice in pages (large text
// at 1024×768), Enter with nothing focused reads on, page after page, and
// only on the last page does it do « J'ai compris ».
func TestEnterReadsOnThroughTheNoticePages(t *testing.T) {
	g, _ := lookWindow(t)
	g.SetReading(screens.Reading{Large: true})
	g.ShowNotice()
	enter := &fyne.KeyEvent{Name: fyne.KeyReturn}
	turned := 0
	for find(g, isButton("Lire la suite")) != nil {
		g.keys(enter)
		if g.Screen() != "notice" {
			t.Fatalf("Enter left the notice on page %d, before its last page", turned+1)
		}
		turned++
		if turned > 10 {
			t.Fatal("Enter does not turn the pages")
		}
	}
	if turned == 0 {
		t.Fatal("the notice in large text at 1024×768 fits on one page: this test tests nothing")
	}
	g.keys(enter)
	waitScreen(t, g, "session")
}
