package screens

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

var screenSize = fyne.NewSize(720, 540)

func catalog(t *testing.T, code string) *i18n.Catalog {
	c, err := i18n.New(code)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func preview(n int) ipc.Preview {
	p := ipc.Preview{Count: n}
	for i := range min(n, 100) {
		p.Items = append(p.Items, ipc.PreviewItem{ID: fmt.Sprint(i), Name: fmt.Sprintf("Attestation CAF %d.pdf", i+1), Kind: ipc.KindDownloaded,
			Size: 220_000, Folder: "Téléchargements"})
	}
	return p
}

// render draws obj in a test window and compares it with the golden
// image testdata/NAME.png (written to testdata/failed/ when different;
// copy it over to accept a deliberate change).
func render(t *testing.T, name string, obj fyne.CanvasObject) fyne.Window {
	t.Helper()
	// As the real window: sized first, then given its content (wrapped
	// texts are measured at the width they get).
	w := test.NewTempWindow(t, canvas.NewRectangle(color.Transparent))
	w.Resize(screenSize)
	w.SetContent(obj)
	// Laid out again, as a real window is by its next frames: a wrapped
	// text laid out before it had its width was given one line's height,
	// and the next one drawn over it.
	w.Resize(screenSize.AddWidthHeight(0, 1))
	w.Resize(screenSize)
	test.AssertRendersToImage(t, name+".png", w.Canvas())
	return w
}

func TestScreensGolden(t *testing.T) {
	test.NewTempApp(t)
	long := preview(1)
	long.Items[0].Name = "Relevé de situation CAF du mois de novembre 2026 pour le dossier de Madame Exemple.pdf"
	scanned := preview(1)
	scanned.Items[0].Kind, scanned.Items[0].Folder, scanned.Items[0].Size = ipc.KindScanned, "Numérisations", 1_450_000
	for _, lang := range []string{"fr", "en"} {
		c := catalog(t, lang)
		nop := func() {}
		all := []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}
		render(t, "notice_"+lang, Notice(c, all, "", false, ReadingBar(c, Reading{}, func(Reading) {}), func(string) {}, nop, nil, true))
		render(t, "preview0_"+lang, Preview(c, preview(0), nil, nop, nop))
		render(t, "preview1_"+lang, Preview(c, scanned, nil, nop, nop))
		render(t, "preview30_"+lang, Preview(c, preview(30), nil, nop, nop))
		render(t, "preview_long_name_"+lang, Preview(c, long, nil, nop, nop))
		render(t, "preview_usb_"+lang, Preview(c, preview(3), &Keeper{Key: "CLE MARIE", Keep: func(ipc.PreviewItem) error { return nil }}, nop, nop))
		render(t, "countdown_"+lang, Countdown(c, 60, nop))
		render(t, "session_"+lang, Session(c, 2, nop))
		at := time.Date(2026, 11, 30, 18, 0, 0, 0, time.Local)
		render(t, "warning_closing_"+lang, Warning(c, ipc.ReasonClosingTime, at, nop))
		render(t, "done_"+lang, Done(c, ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 3, Dirs: 1}}))
		render(t, "partial_"+lang, Done(c, ipc.WipeReport{Verified: false, Removed: ipc.Removed{Files: 2}, PendingCount: 1}))
		render(t, "notice_accompany_"+lang, Notice(c, []string{"fr", "en"}, "", false, ReadingBar(c, Reading{}, func(Reading) {}), func(string) {}, nop, nop, true))
		render(t, "accompany_"+lang, Accompany(c, true, "", func(string) {}, nop))
		render(t, "accompany_wrong_code_"+lang, Accompany(c, true, c.T("accompany.wrong_code"), func(string) {}, nop))
		render(t, "checklist_"+lang, Checklist(c, checklistReport(true), Protection{}))
		render(t, "checklist_failed_"+lang, Checklist(c, checklistReport(false), Protection{}))
		render(t, "done_idle_key_"+lang, DoneWithKey(c, ipc.WipeReport{Reason: ipc.ReasonIdle, Verified: true, Removed: ipc.Removed{Files: 40001}}, Protection{}, true))
		render(t, "done_nothing_"+lang, Done(c, ipc.WipeReport{Reason: ipc.ReasonButton, Verified: true}))
		render(t, "notready_"+lang, NotReady(c))
		render(t, "waiting_"+lang, Waiting(c, false))
		render(t, "waiting_ask_"+lang, Waiting(c, true))
		render(t, "preview_nokey_"+lang, Preview(c, preview(3), NoKey, nop, nop))
		render(t, "notice_closing_"+lang, container.NewBorder(WarningBanner(c, ipc.ReasonClosingTime, at), nil, nil, nil,
			Notice(c, all, "", false, ReadingBar(c, Reading{}, func(Reading) {}), func(string) {}, nop, nil, true)))
		render(t, "countdown_closing_"+lang, NewCountdown(c, ipc.ReasonClosingTime, 45, nop).Object)
	}
}

// TestReadingSettings: larger text and strong contrast, as the person
// would see them.
func TestReadingSettings(t *testing.T) {
	a := test.NewTempApp(t)
	c := catalog(t, "fr")
	r := Reading{Large: true, Contrast: true}
	a.Settings().SetTheme(r.Theme())
	var got Reading
	bar := ReadingBar(c, Reading{}, func(n Reading) { got = n })
	render(t, "notice_large_contrast_fr", Notice(c, []string{"fr", "en"}, "", false, ReadingBar(c, r, func(Reading) {}), func(string) {}, func() {}, nil, true))
	test.NewTempWindow(t, bar)
	for _, o := range bar.(*fyne.Container).Objects {
		if ch, ok := o.(*widget.Check); ok && ch.Text == c.T("view.contrast") {
			test.Tap(ch)
		}
	}
	if !got.Contrast || got.Large {
		t.Errorf("tapping the contrast box gave %+v", got)
	}
}

// TestButtonsDoWhatTheySay taps the buttons the way a person would.
func TestButtonsDoWhatTheySay(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	var got []string
	rec := func(s string) func() { return func() { got = append(got, s) } }
	w := test.NewTempWindow(t, Preview(c, preview(2), nil, rec("erase"), rec("back")))
	tapButton(t, w.Canvas().Content(), c.T("preview.erase"))
	tapButton(t, w.Canvas().Content(), c.T("preview.back"))
	w.SetContent(Countdown(c, 10, rec("stay")))
	tapButton(t, w.Canvas().Content(), c.T("countdown.stay"))
	var chosen string
	w.SetContent(Notice(c, []string{"fr", "en"}, "", false, nil, func(code string) { chosen = code }, rec("ok"), nil, true))
	tapButton(t, w.Canvas().Content(), "English")
	tapButton(t, w.Canvas().Content(), c.T("notice.ok"))
	if strings.Join(got, ",") != "erase,back,stay,ok" || chosen != "en" {
		t.Errorf("taps did %v, language %q", got, chosen)
	}
}

// TestKeepOnKey: the keep button copies that document and says so.
func TestKeepOnKey(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	var kept []string
	k := &Keeper{Key: "CLE", Keep: func(it ipc.PreviewItem) error { kept = append(kept, it.Name); return nil }}
	w := test.NewTempWindow(t, Preview(c, preview(2), k, func() {}, func() {}))
	tapButton(t, w.Canvas().Content(), c.T("preview.keep"))
	if len(kept) != 1 || kept[0] != "Attestation CAF 1.pdf" {
		t.Errorf("kept %v", kept)
	}
	if !strings.Contains(allText(w.Canvas().Content()), c.T("preview.kept")) {
		t.Error("the list does not say the copy is done")
	}
}

// TestKeyboardAlone: the main action can be reached with Tab and pressed
// with the space bar, without a mouse.
func TestKeyboardAlone(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	erased := false
	w := test.NewTempWindow(t, Preview(c, preview(1), nil, func() { erased = true }, func() {}))
	for range 10 {
		test.FocusNext(w.Canvas())
		if b, ok := w.Canvas().Focused().(*Button); ok && b.Text == c.T("preview.erase") {
			test.Type(b, " ")
			b.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
			break
		}
	}
	if !erased {
		t.Error("the erase button cannot be reached and pressed with the keyboard")
	}
}

func TestLongNamesAreCut(t *testing.T) {
	name := strings.Repeat("très long nom de document ", 6) + ".pdf"
	got := displayName(name)
	if len([]rune(got)) != maxName || !strings.HasSuffix(got, "….pdf") {
		t.Errorf("displayName = %q (%d runes)", got, len([]rune(got)))
	}
	if displayName("court.pdf") != "court.pdf" {
		t.Error("a short name was changed")
	}
}

func tapButton(t *testing.T, root fyne.CanvasObject, text string) {
	t.Helper()
	if b := findButton(root, text); b != nil {
		test.Tap(b)
		return
	}
	t.Fatalf("no button %q", text)
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	if b, ok := o.(*widget.Button); ok && b.Text == text {
		return b
	}
	if b, ok := o.(*Button); ok && b.Text == text {
		return &b.Button
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(v).Objects()
	}
	for _, k := range kids {
		if b := findButton(k, text); b != nil {
			return b
		}
	}
	return nil
}

// checklistReport is the end of an accompanied session: every item done,
// or with private browsing not vouched for and a document left.
func checklistReport(allOK bool) ipc.WipeReport {
	r := ipc.WipeReport{Verified: allOK, Removed: ipc.Removed{Files: 3}, Checklist: []ipc.CheckItem{
		{Code: ipc.CheckPrivateBrowsing, OK: true, Why: "forced"},
		{Code: ipc.CheckDocuments, OK: true, Count: 3, Why: "verified"},
		{Code: ipc.CheckBrowsersClosed, OK: true, Count: 1},
		{Code: ipc.CheckBrowserData, OK: true, Count: 1},
		{Code: ipc.CheckOtherTraces, OK: true, Count: 2},
	}}
	if !allOK {
		r.PendingCount = 1
		r.Pending = []ipc.PendingItem{{Name: "Avis d'imposition.pdf", Folder: "Téléchargements", Reason: "busy"}}
		r.Checklist[0] = ipc.CheckItem{Code: ipc.CheckPrivateBrowsing, Why: "not_forced"}
		r.Checklist[1] = ipc.CheckItem{Code: ipc.CheckDocuments, Count: 2, Why: "left"}
	}
	return r
}

// TestChecklistShowsNamesOnlyOnRequest: the checklist names no file until
// the aidant opens the detail.
func TestChecklistShowsNamesOnlyOnRequest(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	w := test.NewTempWindow(t, Checklist(c, checklistReport(false), Protection{}))
	if texts := allText(w.Canvas().Content()); strings.Contains(texts, "imposition") {
		t.Fatalf("a file name is shown before the detail is opened:\n%s", texts)
	}
	tapButton(t, w.Canvas().Content(), c.T("check.details"))
	if texts := allText(w.Canvas().Content()); !strings.Contains(texts, "Avis d'imposition.pdf — dans Téléchargements") {
		t.Errorf("the detail does not name the document left:\n%s", texts)
	}
}

// TestAccompanyGivesTheCode: the start button hands over what was typed.
func TestAccompanyGivesTheCode(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	var got string
	w := test.NewTempWindow(t, Accompany(c, true, "", func(code string) { got = code }, func() {}))
	var entry *widget.Entry
	walk(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			entry = e
		}
	})
	if entry == nil || !entry.Password {
		t.Fatal("no hidden field for the code")
	}
	test.Type(entry, "4821")
	tapButton(t, w.Canvas().Content(), c.T("accompany.start"))
	if got != "4821" {
		t.Errorf("start got %q", got)
	}
}

// walk calls f on o and everything inside it.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, k := range v.Objects {
			walk(k, f)
		}
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(v).Objects() {
			walk(k, f)
		}
	}
}

// allText is every label's text under o, one per line.
func allText(o fyne.CanvasObject) string {
	var b strings.Builder
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	})
	return b.String()
}

// TestEnterPressesTheFocusedButton: once a button has the focus (Tab),
// Enter presses it as Space does (Fyne's buttons answer Space only), on
// every screen's buttons; Escape on a focused button does nothing.
func TestEnterPressesTheFocusedButton(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	var got []string
	rec := func(s string) func() { return func() { got = append(got, s) } }
	for _, sc := range []struct {
		name, button string
		obj          fyne.CanvasObject
	}{
		{"notice", c.T("notice.ok"), Notice(c, []string{"fr", "en"}, "", false, nil, func(string) {}, rec("notice"), rec("accompany"), true)},
		{"accompany", c.T("notice.accompany"), Notice(c, []string{"fr", "en"}, "", false, nil, func(string) {}, rec("notice"), rec("accompany"), true)},
		{"session", c.T("session.end"), Session(c, 2, rec("session"))},
		{"preview", c.T("preview.erase"), Preview(c, preview(2), nil, rec("preview"), rec("back"))},
		{"back", c.T("preview.back"), Preview(c, preview(2), nil, rec("preview"), rec("back"))},
		{"countdown", c.T("countdown.stay"), Countdown(c, 30, rec("countdown"))},
		{"warning", c.T("warning.ok"), Warning(c, ipc.ReasonClosingTime, time.Now(), rec("warning"))},
	} {
		got = nil
		w := test.NewTempWindow(t, sc.obj)
		w.Resize(librarySizes[1]) // the notice on one page
		focused := false
		for range 20 {
			test.FocusNext(w.Canvas())
			if b, ok := w.Canvas().Focused().(*Button); ok && b.Text == sc.button {
				focused = true
				break
			}
		}
		if !focused {
			t.Errorf("%s: Tab never reaches %q", sc.name, sc.button)
			continue
		}
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if len(got) != 0 {
			t.Errorf("%s: Escape did %v", sc.name, got)
		}
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if len(got) != 1 || got[0] != sc.name {
			t.Errorf("%s: Enter on %q did %v", sc.name, sc.button, got)
		}
	}
}

// TestWhyItEnded: after an automatic end the final screen says why;
// with nothing to erase it says so, not "0 document effacé"; with a key
// plugged in it reminds the person to take it.
func TestWhyItEnded(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	for _, reason := range []string{ipc.ReasonIdle, ipc.ReasonClosingTime, ipc.ReasonMaxDuration} {
		w := test.NewTempWindow(t, DoneWithKey(c, ipc.WipeReport{Reason: reason, Verified: true, Removed: ipc.Removed{Files: 2}}, Protection{}, false))
		if !strings.Contains(allText(w.Canvas().Content()), c.T("done.why."+reason)) {
			t.Errorf("%s: the final screen does not say why", reason)
		}
	}
	w := test.NewTempWindow(t, DoneWithKey(c, ipc.WipeReport{Reason: ipc.ReasonButton, Verified: true}, Protection{}, true))
	texts := allText(w.Canvas().Content())
	if strings.Contains(texts, "0 document") || !strings.Contains(texts, "Vous n'aviez pas de document à effacer.") {
		t.Errorf("nothing to erase is said as:\n%s", texts)
	}
	if strings.Contains(texts, "parce que") {
		t.Errorf("the person's own end is given a reason:\n%s", texts)
	}
	if !strings.Contains(texts, "N'oubliez pas votre clé USB.") {
		t.Errorf("no reminder of the key plugged in:\n%s", texts)
	}
	w = test.NewTempWindow(t, Done(c, ipc.WipeReport{Removed: ipc.Removed{Files: 40001}, PendingCount: 1}))
	texts = allText(w.Canvas().Content())
	for _, want := range []string{"40\u00a0001 documents effacés.", "1 document n'a pas pu être effacé.", "Prévenez l'accueil avant de partir."} {
		if !strings.Contains(texts, want) {
			t.Errorf("the partial end does not say %q:\n%s", want, texts)
		}
	}
	if strings.Contains(texts, "Presque fini") || strings.Contains(texts, "N'oubliez pas") {
		t.Errorf("the partial end says:\n%s", texts)
	}
}

// TestKeepEveryDocumentOnce: with a key, every document of a long list
// has its button (not only the first 12); a copied one is not offered
// again when the list comes back; a failed copy says what to do and can
// be tried again.
func TestKeepEveryDocumentOnce(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	fail := true
	var kept []string
	k := &Keeper{Key: "CLE", Keep: func(it ipc.PreviewItem) error {
		if fail {
			return fmt.Errorf("write on the key (is it full?): no space left")
		}
		kept = append(kept, it.ID)
		return nil
	}}
	w := test.NewTempWindow(t, Preview(c, preview(30), k, func() {}, func() {}))
	if n := countButtons(w.Canvas().Content(), c.T("preview.keep")); n != 30 {
		t.Fatalf("%d keep buttons for 30 documents", n)
	}
	tapButton(t, w.Canvas().Content(), c.T("preview.keep"))
	texts := allText(w.Canvas().Content())
	if !strings.Contains(texts, c.T("preview.keep_failed")) || !strings.Contains(c.T("preview.keep_failed"), "Réessayer") {
		t.Errorf("a failed copy gives no next step:\n%s", texts)
	}
	fail = false
	tapButton(t, w.Canvas().Content(), c.T("preview.keep_retry"))
	if len(kept) != 1 || kept[0] != "0" {
		t.Fatalf("kept %v", kept)
	}
	if !strings.Contains(allText(w.Canvas().Content()), c.T("preview.kept_remove")) {
		t.Error("the list does not say when the key can be taken out")
	}
	// "Revenir", then the list again.
	w.SetContent(Preview(c, preview(30), k, func() {}, func() {}))
	if n := countButtons(w.Canvas().Content(), c.T("preview.keep")); n != 29 {
		t.Errorf("%d keep buttons after one copy, want 29", n)
	}
}

// TestNoKeySaysPlugItIn: with keys usable but none plugged in, the list
// tells how to keep a document.
func TestNoKeySaysPlugItIn(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	w := test.NewTempWindow(t, Preview(c, preview(2), NoKey, func() {}, func() {}))
	if !strings.Contains(allText(w.Canvas().Content()), "Vous voulez garder un document ? Branchez votre clé USB maintenant.") {
		t.Error("the list does not say to plug a key in")
	}
}

// TestTabScrollsToTheFocusedRow: in a long list, the row whose button
// gets the focus is scrolled into view.
func TestTabScrollsToTheFocusedRow(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	k := &Keeper{Key: "CLE", Keep: func(ipc.PreviewItem) error { return nil }}
	w := render(t, "preview_usb_30_fr", Preview(c, preview(30), k, func() {}, func() {}))
	var scroll *container.Scroll
	walk(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if s, ok := o.(*container.Scroll); ok {
			scroll = s
		}
	})
	for i := 0; i < 20; i++ {
		test.FocusNext(w.Canvas())
	}
	b, ok := w.Canvas().Focused().(*Button)
	if !ok || b.Text != c.T("preview.keep") {
		t.Fatalf("focus on %v", w.Canvas().Focused())
	}
	if scroll.Offset.Y <= 0 {
		t.Errorf("the list did not scroll to the focused row (offset %v)", scroll.Offset)
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	top := fyne.CurrentApp().Driver().AbsolutePositionForObject(scroll)
	if pos.Y < top.Y || pos.Y+b.Size().Height > top.Y+scroll.Size().Height {
		t.Errorf("the focused button is out of view: at %v, list from %v, %v high", pos.Y, top.Y, scroll.Size().Height)
	}
}

// TestEasyToReadListShowsNamesOnly: one idea per line in the
// easy-to-read French: the document's name, nothing else.
func TestEasyToReadListShowsNamesOnly(t *testing.T) {
	it := ipc.PreviewItem{Name: "Attestation CAF.pdf", Kind: ipc.KindDownloaded, Folder: "Téléchargements", Size: 282_000}
	if got := ItemLine(catalog(t, "fr-falc"), it); got != "Attestation CAF.pdf" {
		t.Errorf("fr-falc: %q", got)
	}
	if got := ItemLine(catalog(t, "fr"), it); got != "Attestation CAF.pdf — téléchargé — dans Téléchargements — 282 Ko" {
		t.Errorf("fr: %q", got)
	}
}

func countButtons(o fyne.CanvasObject, text string) int {
	n := 0
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*Button); ok && b.Text == text && b.Visible() {
			n++
		}
	})
	return n
}

// titleText is the text of the first heading on screen.
func titleText(o fyne.CanvasObject) string {
	var got string
	walk(o, func(o fyne.CanvasObject) {
		r, ok := o.(*widget.RichText)
		if !ok || got != "" || len(r.Segments) == 0 {
			return
		}
		if seg, ok := r.Segments[0].(*widget.TextSegment); ok && seg.Style == widget.RichTextStyleHeading {
			got = seg.Text
		}
	})
	return got
}

// TestEndListSaysTheButtonsWords: the end list is titled with the words
// of the button that brought the person there, « J'ai fini », not
// "Terminer ma session" (a second name for the same step).
func TestEndListSaysTheButtonsWords(t *testing.T) {
	test.NewTempApp(t)
	for _, lang := range i18n.Order {
		c := catalog(t, lang)
		w := test.NewTempWindow(t, Preview(c, preview(2), nil, func() {}, func() {}))
		if got := titleText(w.Canvas().Content()); got != c.T("session.end") {
			t.Errorf("%s: the end list's title is %q, the button that opens it %q", lang, got, c.T("session.end"))
		}
	}
	if got := catalog(t, "fr").T("preview.title"); got != "J'ai fini" {
		t.Errorf("fr: %q", got)
	}
}

// TestAidantEntrySaysWhetherACodeIsNeeded: the aidant's entry mentions a
// code only when the policy asks for one.
func TestAidantEntrySaysWhetherACodeIsNeeded(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	for _, code := range []bool{true, false} {
		want, not := "Pour l'aidant (avec un code)", "Pour l'aidant"
		if !code {
			want, not = not, want
		}
		w := test.NewTempWindow(t, Notice(c, []string{"fr"}, "", false, nil, func(string) {}, func() {}, func() {}, code))
		if findButton(w.Canvas().Content(), want) == nil || findButton(w.Canvas().Content(), not) != nil {
			t.Errorf("code required %v: no button %q (or one %q)", code, want, not)
		}
	}
}

// TestListScrollsByWholeRows: with a USB key plugged in, the list scrolls
// by whole rows: a turn of the wheel, less than a row, moves on to the
// next row and never stops in the middle of one, and the count of the
// documents out of view stays right.
func TestListScrollsByWholeRows(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	k := &Keeper{Key: "CLE", Keep: func(ipc.PreviewItem) error { return nil }}
	w := test.NewTempWindow(t, Preview(c, preview(30), k, func() {}, func() {}))
	w.Resize(fyne.NewSize(1024, 768))
	var scroll *container.Scroll
	walk(w.Canvas().Content(), func(o fyne.CanvasObject) {
		if s, ok := o.(*container.Scroll); ok {
			scroll = s
		}
	})
	if scroll == nil {
		t.Fatal("no scrolling list")
	}
	rows := scroll.Content.(*fyne.Container).Objects
	rowAt := func(y float32) int {
		for i, r := range rows {
			if r.Position().Y == y {
				return i
			}
		}
		return -1
	}
	inView := func() (whole, cut int) {
		for _, r := range rows {
			top, bottom := r.Position().Y-scroll.Offset.Y, r.Position().Y+r.Size().Height-scroll.Offset.Y
			switch {
			case bottom <= 0 || top >= scroll.Size().Height:
			case top >= 0 && bottom <= scroll.Size().Height+0.5:
				whole++
			default:
				cut++
			}
		}
		return whole, cut
	}
	// The window was small before it was resized: the view must not
	// keep what it showed then.
	if scroll.Offset.Y != 0 {
		t.Errorf("the list starts scrolled to %v: its first texts are out of view", scroll.Offset.Y)
	}
	prev := rowAt(scroll.Offset.Y)
	for turn := 1; turn <= 40; turn++ {
		scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -10)})
		at := rowAt(scroll.Offset.Y)
		if at < 0 {
			t.Fatalf("turn %d: the view stopped inside a row (offset %v)", turn, scroll.Offset.Y)
		}
		last := rows[len(rows)-1]
		atEnd := last.Position().Y+last.Size().Height-scroll.Offset.Y <= scroll.Size().Height+0.5
		if at < prev || (at == prev && !atEnd) {
			t.Fatalf("turn %d: the view did not move on (row %d, then %d)", turn, prev, at)
		}
		prev = at
		whole, cut := inView()
		if cut > 0 || whole == 0 {
			t.Fatalf("turn %d: %d rows whole and %d cut in view", turn, whole, cut)
		}
		// The rows are the two texts, then the documents: those out of
		// view are counted below the list.
		docs := whole
		if at < 2 {
			docs -= 2 - at
		}
		if want := c.N("preview.more", 30-docs); !strings.Contains(allText(w.Canvas().Content()), want) {
			t.Fatalf("turn %d: %d documents in view, and no %q", turn, docs, want)
		}
	}
	if prev == 0 {
		t.Error("the wheel never moved the list")
	}
	// And back up, to the top.
	for range 40 {
		scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, 10)})
	}
	if scroll.Offset.Y != 0 {
		t.Errorf("back up, the list stays at %v", scroll.Offset.Y)
	}
}
