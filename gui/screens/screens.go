// Package screens draws what the public sees: the notice at the start of a
// session, the list of what the end will erase, the progress, the final
// screen, and the countdown before an automatic end. Each screen is a
// function from the agent's wire types and a language catalogue to Fyne
// objects, so that it can be drawn headless in tests (golden images) and
// in the real window alike; nothing here talks to the agent.
//
// Words are plain and come from the catalogue only: a person in digital
// difficulty must understand every line without help.
package screens

import (
	"path"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// MaxItems is how many documents the end screen lists by name; the rest
// are counted.
const MaxItems = 12

// maxName bounds a name on screen: a long one is cut in the middle, so
// that its start and its extension (".pdf") stay readable.
const maxName = 48

func title(s string) fyne.CanvasObject {
	t := widget.NewRichTextFromMarkdown("# " + escapeMarkdown(s))
	t.Wrapping = fyne.TextWrapWord
	return t
}

func para(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func primary(label string, tapped func()) *Button {
	b := NewButton(label, tapped)
	b.Importance = widget.HighImportance
	return b
}

// Button is Fyne's button that also answers Enter, as every button does
// for people who use a keyboard (Fyne's answers Space only, so Tab to a
// button then Enter did nothing).
type Button struct {
	widget.Button
	// OnFocus, when set, runs when the button gets the focus: a list
	// scrolls its row into view.
	OnFocus func()
}

// NewButton returns a Button with label that runs tapped.
func NewButton(label string, tapped func()) *Button {
	b := &Button{}
	b.Text, b.OnTapped = label, tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter as on Space.
func (b *Button) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	default:
		b.Button.TypedKey(ev)
	}
}

// FocusGained runs OnFocus besides showing the focus.
func (b *Button) FocusGained() {
	b.Button.FocusGained()
	if b.OnFocus != nil {
		b.OnFocus()
	}
}

// secondary is every other button. Fyne's medium buttons take the page's
// text colour, which cannot be 7:1 on a surface that is itself 3:1
// against a black page; the warning importance has its own text colour,
// which the theme sets (it is not used for warnings here).
func secondary(label string, tapped func()) *Button {
	b := NewButton(label, tapped)
	b.Importance = widget.WarningImportance
	return b
}

// escapeMarkdown keeps a text from being read as Markdown markup.
func escapeMarkdown(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "#", `\#`, "[", `\[`, "]", `\]`, "`", "\\`")
	return r.Replace(s)
}

// LanguageBar is one button per language, each in its own name, so that
// a person who reads no French finds theirs with one tap.
func LanguageBar(langs []string, current string, choose func(code string)) fyne.CanvasObject {
	var buttons []fyne.CanvasObject
	for _, code := range langs {
		name := i18n.NameOf(code)
		if name == "" {
			continue
		}
		b := secondary(name, func() { choose(code) })
		if code == current {
			b.Importance = widget.HighImportance
		}
		buttons = append(buttons, b)
	}
	return flow(buttons...)
}

// ReadingBar offers larger text and strong contrast, for the whole window.
func ReadingBar(c *i18n.Catalog, r Reading, set func(Reading)) fyne.CanvasObject {
	large := widget.NewCheck(c.T("view.large"), nil)
	large.SetChecked(r.Large)
	contrast := widget.NewCheck(c.T("view.contrast"), nil)
	contrast.SetChecked(r.Contrast)
	large.OnChanged = func(on bool) { r.Large = on; set(r) }
	contrast.OnChanged = func(on bool) { r.Contrast = on; set(r) }
	return flow(large, contrast)
}

// Notice is the start-of-session screen: what the computer keeps, what
// the end erases, why private browsing, one piece of advice. extra is the
// site's own text from the policy ("" for none); replace says it replaces
// the built-in text rather than follows it. reading is the bar of
// ReadingBar, nil for none.
//
// accompany, when not nil, adds a discreet "Pour l'aidant" entry for an
// aidant to start an accompanied session; code says the policy asks the
// aidant's code, which the entry then says ("avec un code").
//
// The text never scrolls: when it does not fit (large text at 1024×768),
// it comes in pages of whole lines, with « Lire la suite » as the main
// action until the last page, where « J'ai compris » comes (MainAction
// tells which one is shown).
func Notice(c *i18n.Catalog, langs []string, extra string, replace bool, reading fyne.CanvasObject, choose func(code string), ok func(), accompany func(), code bool) fyne.CanvasObject {
	return NoticeWith(c, langs, extra, replace, Protection{}, reading, choose, ok, accompany, code)
}

// NoticeWith is Notice for a session whose folders and computer are
// as p says: after what the end erases, it says that nobody will ever
// read the documents again, for the folders encrypted for this session
// only, and not at all when none is or the computer breaks the promise.
func NoticeWith(c *i18n.Catalog, langs []string, extra string, replace bool, p Protection, reading fyne.CanvasObject, choose func(code string), ok func(), accompany func(), code bool) fyne.CanvasObject {
	var body []fyne.CanvasObject
	if !replace {
		for _, k := range []string{"notice.kept", "notice.erased", "notice.private", "notice.advice"} {
			body = append(body, ideaRows(c, c.T(k))...)
			if k == "notice.erased" {
				if s := noticeUnreadable(c, p); s != "" {
					body = append(body, ideaRows(c, s)...)
				}
			}
		}
	}
	if extra != "" {
		body = append(body, para(extra))
	}
	// The language and the reading choices on the first page; the text
	// has the room of the whole screen on the next ones.
	choice := container.NewVBox(LanguageBar(langs, c.Code(), choose))
	if reading != nil {
		choice.Add(reading)
	}
	top := container.NewVBox(choice, title(c.T("notice.title")))
	var pg *pages
	done := primary(c.T("notice.ok"), ok)
	next := primary(c.T("notice.next"), func() { pg.next() })
	previous := secondary(c.T("notice.previous"), func() { pg.previous() })
	bar := actionBar(false, previous)
	var aidant *Button
	if accompany != nil {
		key := "notice.accompany_open"
		if code {
			key = "notice.accompany"
		}
		aidant = secondary(c.T(key), accompany)
		bar.Add(aidant)
	}
	bar.Add(next)
	bar.Add(done)
	pg = newPages(top, body, bar, func(more, back bool) {
		setVisible(choice, !back)
		setVisible(next, more)
		setVisible(done, !more)
		setVisible(previous, back)
		if aidant != nil {
			// Where the person starts: the first page, or beside
			// « J'ai compris ».
			setVisible(aidant, !back || !more)
		}
	})
	return Column(pg.root)
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// MainAction is the main button of the screen o shows (the last one shown
// in its action bar), nil for none: Enter presses it when no button has
// the focus, so that on a notice in pages Enter reads on.
func MainAction(o fyne.CanvasObject) *Button {
	bar := findActionBar(o)
	if bar == nil {
		return nil
	}
	for i := len(bar.Objects) - 1; i >= 0; i-- {
		if b, ok := bar.Objects[i].(*Button); ok && b.Visible() {
			return b
		}
	}
	return nil
}

func findActionBar(o fyne.CanvasObject) *fyne.Container {
	switch v := o.(type) {
	case *fyne.Container:
		if l, ok := v.Layout.(*flowLayout); ok && l.actions {
			return v
		}
		for _, k := range v.Objects {
			if b := findActionBar(k); b != nil {
				return b
			}
		}
	case *container.Scroll:
		return findActionBar(v.Content)
	}
	return nil
}

// WithListen puts b ("Écouter") among the other actions of the screen o
// shows, in its column, beside the main action at the right (where a
// person who cannot read looks for what to do; the aidant's entry stays
// apart, at the left); on a screen without buttons (the final screens), in an
// action bar of its own at the foot of the column. It returns what to
// show.
func WithListen(o fyne.CanvasObject, b fyne.CanvasObject) fyne.CanvasObject {
	if bar := findActionBar(o); bar != nil {
		at := 0
		for i, k := range bar.Objects {
			if btn, ok := k.(*Button); ok && btn.Importance == widget.HighImportance {
				at = i
				break
			}
		}
		bar.Objects = append(bar.Objects[:at:at], append([]fyne.CanvasObject{b}, bar.Objects[at:]...)...)
		bar.Layout.(*flowLayout).listen = b
		return o
	}
	if col := findColumn(o); col != nil && len(col.Objects) == 1 {
		col.Objects[0] = container.NewBorder(nil, actionBar(false, b), nil, nil, col.Objects[0])
		return o
	}
	return container.NewBorder(nil, actionBar(false, b), nil, nil, o)
}

func findColumn(o fyne.CanvasObject) *fyne.Container {
	v, ok := o.(*fyne.Container)
	if !ok {
		return nil
	}
	if _, ok := v.Layout.(columnLayout); ok {
		return v
	}
	for _, k := range v.Objects {
		if c := findColumn(k); c != nil {
			return c
		}
	}
	return nil
}

// EndControl is the small control that stays available during the
// session.
func EndControl(c *i18n.Catalog, end func()) fyne.CanvasObject {
	return secondary(c.T("session.end"), end)
}

// Session is the quiet screen during the session: how many documents the
// end will erase so far, and the end button.
func Session(c *i18n.Catalog, entries int, end func()) fyne.CanvasObject {
	text := c.N("session.count", entries)
	if entries == 0 {
		text = c.T("session.none")
	}
	b := primary(c.T("session.end"), end)
	return container.NewVBox(para(text), container.NewHBox(layout.NewSpacer(), b))
}

// SessionSize is the size of the small window during the session, for
// content (Session's, in the window's padding): about 26 characters
// wide, as high as its text needs at that width.
func SessionSize(content fyne.CanvasObject) fyne.Size {
	w := 26 * theme.Size(theme.SizeNameText)
	// Twice: a wrapped text measures its lines at the width it had last.
	for range 2 {
		content.Resize(fyne.NewSize(w, content.MinSize().Height))
	}
	return fyne.NewSize(w, content.MinSize().Height)
}

// displayName shortens a name for the screen; names from the agent are
// already free of control characters (ipc.DisplayName).
func displayName(name string) string {
	r := []rune(name)
	if len(r) <= maxName {
		return name
	}
	ext := path.Ext(name)
	if len([]rune(ext)) > 8 {
		ext = ""
	}
	keep := maxName - 1 - len([]rune(ext))
	return string(r[:keep]) + "…" + ext
}

// ItemLine says one document as a person would: "Attestation CAF.pdf —
// téléchargé — dans Téléchargements — 220 Ko"; in easy-to-read French,
// its name only (one idea per line).
func ItemLine(c *i18n.Catalog, it ipc.PreviewItem) string {
	if c.Code() == "fr-falc" {
		return displayName(it.Name)
	}
	return c.T("preview.item", "name", displayName(it.Name), "kind", c.T("kind."+it.Kind), "folder", it.Folder, "size", c.Size(it.Size))
}

// Keeper copies a document to the person's USB key (gui/usbkey).
type Keeper struct {
	// Key is the key's name, as the person sees it.
	Key string
	// Keep copies the item; it runs on Fyne's goroutine and should be
	// quick (documents are small).
	Keep func(ipc.PreviewItem) error
	// Kept holds the IDs of the documents already copied in this session
	// (nil: none), so that coming back to the list does not offer them
	// again (a second copy would land as "… (2).pdf"). Keep's success
	// adds to it.
	Kept map[string]bool
}

// NoKey, given as the keeper, says that keys can be used here but none
// is plugged in: the list tells the person how to keep a document.
var NoKey = &Keeper{}

// Preview is the end-of-session screen: what will be erased, what will be
// closed, and one clear button. With a keeper (a USB key is plugged in),
// each document can be kept on the key first, and every document is
// listed (each needs its button); with NoKey the list says to plug one
// in.
//
// Without a key, the list shows as many whole lines as fit above the
// buttons and counts the rest ("… et 18 autres documents"), always in
// view: a scrolling list cut the last line in half behind the buttons in
// large text at 1024×768, and hid the count below it. With a key plugged
// in, every document is named, so that each one's keep button can be
// reached: they scroll by whole rows, with the texts before them (in large
// easy-to-read text those left room for less than one row), Tab brings a
// row into view, and the count of those out of view stays in view.
func Preview(c *i18n.Catalog, p ipc.Preview, keeper *Keeper, erase, back func()) fyne.CanvasObject {
	top := container.NewVBox(title(c.T("preview.title")))
	var items []fyne.CanvasObject
	var keepers []*Button
	var keeperRow []int          // the row of each keeper in items
	var lead []fyne.CanvasObject // the texts before the documents, when they scroll with them
	plugged := keeper != nil && keeper != NoKey
	more := para("")
	more.Hide()
	switch {
	case p.Count == 0:
		top.Add(para(c.T("preview.none")))
	default:
		texts := []fyne.CanvasObject{para(c.N("preview.intro", documents(p)))}
		switch {
		case plugged:
			texts = append(texts, ideaRows(c, c.T("preview.usb", "key", keeper.Key))...)
		case keeper == NoKey:
			texts = append(texts, idea(c, c.T("preview.nokey")))
		}
		if plugged {
			// They scroll with the documents, before them: in large
			// easy-to-read text at 1024×768 they left no room for one.
			lead = texts
		} else {
			top.Add(container.NewVBox(texts...))
		}
		for _, it := range p.Items {
			if len(items) == MaxItems && !plugged {
				break
			}
			l := para("• " + ItemLine(c, it))
			if plugged && !it.Dir {
				k, row := keepRow(c, keeper, it, l)
				keepers, keeperRow = append(keepers, k), append(keeperRow, len(items))
				items = append(items, row)
			} else {
				items = append(items, l)
			}
		}
	}
	count := func(shown int) {
		if rest := p.Count - shown; rest > 0 && p.Count > 0 {
			more.SetText(c.N("preview.more", rest))
			more.Show()
		} else {
			more.Hide()
		}
	}
	var fit fyne.CanvasObject
	if plugged {
		list := newWholeRows(lead, items, count)
		for i, k := range keepers {
			if k != nil {
				k.OnFocus = func() { list.showItem(keeperRow[i]) }
			}
		}
		fit = list.box
	} else {
		fit = fitList(items, count)
	}
	bottom := container.NewVBox(more, widget.NewSeparator(), idea(c, c.T("preview.closed")),
		actionBar(false, secondary(c.T("preview.back"), back), primary(c.T("preview.erase"), erase)))
	return Column(container.NewBorder(top, bottom, nil, nil, fit))
}

// documents counts what the person calls documents, files: a folder of 5
// files is 5 documents, not 6. The agent's count includes folders; the
// list, when whole, tells them apart.
func documents(p ipc.Preview) int {
	if p.Truncated || len(p.Items) != p.Count {
		return p.Count
	}
	n := 0
	for _, it := range p.Items {
		if !it.Dir {
			n++
		}
	}
	return n
}

// keepRow is one document's line with its "Garder sur ma clé" button;
// once copied, the button gives way to a plain line saying so and when
// the key can be taken out (the copy is on the key's disk by then). The
// button is nil when the document is already on the key.
func keepRow(c *i18n.Catalog, k *Keeper, it ipc.PreviewItem, line fyne.CanvasObject) (*Button, fyne.CanvasObject) {
	row := container.NewVBox()
	done := func() {
		row.Objects = []fyne.CanvasObject{line, para(c.T("preview.kept") + ". " + c.T("preview.kept_remove"))}
		row.Refresh()
	}
	if k.Kept[it.ID] {
		done()
		return nil, row
	}
	problem := para(c.T("preview.keep_failed"))
	problem.Importance = widget.DangerImportance
	var b *Button
	b = secondary(c.T("preview.keep"), func() {
		if err := k.Keep(it); err != nil {
			b.SetText(c.T("preview.keep_retry"))
			row.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, b, line), problem}
			row.Refresh()
			return
		}
		if k.Kept == nil {
			k.Kept = map[string]bool{}
		}
		k.Kept[it.ID] = true
		done()
	})
	row.Objects = []fyne.CanvasObject{container.NewBorder(nil, nil, nil, b, line)}
	return b, row
}

// Progress shows the erasing going on.
func Progress(c *i18n.Catalog, removed int) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	return Column(container.NewVBox(title(c.T("progress.title")), bar, para(c.N("progress.count", removed))))
}

// Done is the final screen. When something could not be erased it says
// so, and asks the person to tell the staff before leaving.
func Done(c *i18n.Catalog, r ipc.WipeReport) fyne.CanvasObject {
	return DoneWithKey(c, r, Protection{}, false)
}

// DoneWithKey is Done; keyIn adds a reminder to take the USB key, which
// people forget in the computer. After an automatic end it says why the
// session ended: the person coming back must not think they did wrong.
// p is what the agent said of the session's folders and the computer:
// the screen says that nobody will ever read the documents again only
// when EndPromise says so, "effacés" otherwise.
func DoneWithKey(c *i18n.Catalog, r ipc.WipeReport, p Protection, keyIn bool) fyne.CanvasObject {
	files := r.Removed.Files + r.Removed.Links + r.Removed.Other
	var lines []fyne.CanvasObject
	switch r.Reason {
	case ipc.ReasonIdle, ipc.ReasonClosingTime, ipc.ReasonMaxDuration:
		lines = append(lines, idea(c, c.T("done.why."+r.Reason)))
	}
	if r.Verified && r.PendingCount == 0 {
		lines = append([]fyne.CanvasObject{title(c.T("done.title"))}, lines...)
		if files == 0 {
			lines = append(lines, idea(c, c.T("done.none")), idea(c, c.T("done.body_none")))
		} else {
			body := "done.body"
			if EndPromise(r, p) == Unreadable {
				body = "done.body_unreadable"
			}
			count := idea(c, c.N("done.count", files))
			if c.Code() == Easy {
				// One idea once, with its picture: "3 documents sont
				// effacés" beside the bin, then what follows from it.
				lines = append(lines, count, idea(c, c.T(body)))
			} else {
				lines = append(lines, idea(c, c.T(body)), count)
			}
		}
	} else {
		lines = append([]fyne.CanvasObject{title(c.T("partial.title"))}, lines...)
		if files > 0 {
			lines = append(lines, idea(c, c.N("done.count", files)))
		}
		left := idea(c, c.N("partial.count", max(1, r.PendingCount)))
		walkLabels(left, func(l *widget.Label) { l.Importance = widget.DangerImportance })
		lines = append(lines, left, idea(c, c.T("partial.body")))
	}
	if keyIn {
		lines = append(lines, idea(c, c.T("done.usb")))
	}
	lines = append([]fyne.CanvasObject{layout.NewSpacer()}, lines...)
	return Column(container.NewVBox(append(lines, layout.NewSpacer())...))
}

// NotReady is what the next person sees while a document of the last
// session is still to be erased: the computer refuses new sessions until
// the staff fixed it, and saying why would tell them about the previous
// person.
func NotReady(c *i18n.Catalog) fyne.CanvasObject {
	return Column(container.NewVBox(layout.NewSpacer(), title(c.T("notready.title")), para(c.T("notready.body")), layout.NewSpacer()))
}

// Waiting is shown while the agent does not answer (it starts, or the
// window waits for the next session); ask adds the person's next step
// once it has lasted too long.
func Waiting(c *i18n.Catalog, ask bool) fyne.CanvasObject {
	lines := []fyne.CanvasObject{layout.NewSpacer(), title(c.T("waiting.title"))}
	if ask {
		lines = append(lines, para(c.T("waiting.ask")))
	}
	return Column(container.NewVBox(append(lines, layout.NewSpacer())...))
}

// Warning tells the person the session ends at a time the agent enforces
// (closing time, maximum duration), so that they keep what they need
// before: people do not notice the end of their time coming otherwise.
// reason is ipc.ReasonClosingTime or ipc.ReasonMaxDuration.
func Warning(c *i18n.Catalog, reason string, at time.Time, ok func()) fyne.CanvasObject {
	key := "warning.max_duration"
	if reason == ipc.ReasonClosingTime {
		key = "warning.closing_time"
	}
	// Not centred: a wrapped text in a centred box takes the width of its
	// longest word.
	return Column(container.NewBorder(title(c.T(key)), actionBar(false, primary(c.T("warning.ok"), ok)), nil, nil,
		container.NewVScroll(container.NewVBox(idea(c, c.T("warning.body", "time", c.Time(at)))))))
}

// WarningBanner is the warning as a band above the notice, when the
// session starts close to the time it ends: the person still chooses
// their language and reads the notice.
func WarningBanner(c *i18n.Catalog, reason string, at time.Time) fyne.CanvasObject {
	key := "warning.max_duration"
	if reason == ipc.ReasonClosingTime {
		key = "warning.closing_time"
	}
	head := para(c.T(key))
	head.TextStyle.Bold = true
	head.Importance = widget.WarningImportance
	return container.NewVBox(head, para(c.T("warning.body", "time", c.Time(at))), widget.NewSeparator())
}

// Countdown fills the screen before an automatic end, with one large
// button to stay.
func Countdown(c *i18n.Catalog, seconds int, stay func()) fyne.CanvasObject {
	return NewCountdown(c, ipc.ReasonIdle, seconds, stay).Object
}

// CountdownScreen is a countdown whose seconds change in place: the
// screen is not rebuilt every second, so the focus stays on its button.
type CountdownScreen struct {
	Object fyne.CanvasObject
	c      *i18n.Catalog
	key    string
	body   *widget.Label
}

// NewCountdown is the countdown before an automatic end for reason:
// "Je suis encore là" before an idle end; before a closing time or the
// maximum duration, which no one can push back, the seconds left and
// "D'accord" (act runs for either button).
func NewCountdown(c *i18n.Catalog, reason string, seconds int, act func()) *CountdownScreen {
	s := &CountdownScreen{c: c, key: "countdown.body"}
	head, label := c.T("countdown.title"), c.T("countdown.stay")
	switch reason {
	case ipc.ReasonClosingTime:
		head, label, s.key = c.T("warning.closing_time"), c.T("warning.ok"), "countdown.end"
	case ipc.ReasonMaxDuration:
		head, label, s.key = c.T("warning.max_duration"), c.T("warning.ok"), "countdown.end"
	}
	b := primary(label, act)
	big := widget.NewRichTextFromMarkdown("# " + escapeMarkdown(head))
	s.body = para(c.N(s.key, seconds))
	s.body.Alignment = fyne.TextAlignCenter
	// Full width (a wrapped text in a centred box would take the width of
	// its longest word), centred by spacers; a large button.
	s.Object = Column(container.NewVBox(layout.NewSpacer(), container.NewCenter(big), s.body,
		actionBar(true, container.NewGridWrap(fyne.NewSize(360, 80), b)), layout.NewSpacer()))
	return s
}

// Set shows seconds left.
func (s *CountdownScreen) Set(seconds int) { s.body.SetText(s.c.N(s.key, seconds)) }

// Accompany is the start of an accompanied session: the ground rules of
// the aidant's charter, for the person and the aidant to read together,
// and the aidant's code when the policy asks for one. problem is a message
// from a failed attempt ("" for none).
func Accompany(c *i18n.Catalog, codeRequired bool, problem string, start func(code string), back func()) fyne.CanvasObject {
	body := []fyne.CanvasObject{para(c.T("accompany.intro"))}
	for _, k := range []string{"accompany.rule_responsible", "accompany.rule_no_copy", "accompany.rule_consent"} {
		body = append(body, para("• "+c.T(k)))
	}
	body = append(body, para(c.T("accompany.aidants_connect")))
	code := widget.NewPasswordEntry()
	startNow := func() { start(code.Text) }
	bottom := container.NewVBox()
	if codeRequired {
		code.SetPlaceHolder(c.T("accompany.code"))
		code.OnSubmitted = func(string) { startNow() }
		bottom.Add(code)
	}
	if problem != "" {
		p := para(problem)
		p.Importance = widget.DangerImportance
		bottom.Add(p)
	}
	bottom.Add(container.NewHBox(secondary(c.T("accompany.back"), back), layout.NewSpacer(), primary(c.T("accompany.start"), startNow)))
	// The code and the buttons stay in view under the rules, which scroll.
	return Column(container.NewBorder(title(c.T("accompany.title")), bottom, nil, nil,
		container.NewVScroll(container.NewVBox(body...))))
}

// Checklist is the end of an accompanied session: the charter's checklist
// as the agent ticked it from what it did and verified, each line with a
// mark the aidant sees at a glance, and what failed said plainly. File
// names appear only when the aidant opens the detail. When the session's
// documents were encrypted, a last line says what became of the key:
// destroyed (only when EndPromise says Unreadable), or not destroyed and
// to ask the staff; p is what the agent said of the session's folders
// and the computer.
func Checklist(c *i18n.Catalog, r ipc.WipeReport, p Protection) fyne.CanvasObject {
	list := container.NewVBox(para(c.T("check.intro")))
	for _, it := range r.Checklist {
		var text string
		switch it.Code {
		case ipc.CheckPrivateBrowsing:
			text = c.T("check.private." + it.Why)
		case ipc.CheckDocuments:
			if it.OK {
				text = c.N("check.documents.ok", it.Count)
			} else {
				text = c.N("check.documents.left", r.PendingCount)
			}
		case ipc.CheckBrowsersClosed:
			text = c.T(map[bool]string{true: "check.browsers.ok", false: "check.browsers.error"}[it.OK])
		case ipc.CheckBrowserData:
			text = c.T(map[bool]string{true: "check.data.ok", false: "check.data.error"}[it.OK])
		case ipc.CheckOtherTraces:
			text = c.T("check.traces")
		default:
			continue
		}
		list.Add(checkLine(text, it.OK))
	}
	switch EndPromise(r, p) {
	case Unreadable:
		list.Add(checkLine(c.T("check.key.destroyed"), true))
	case KeyKept:
		list.Add(checkLine(c.T("check.key.kept"), false))
	}
	if len(r.Pending) > 0 {
		detail := container.NewVBox()
		var open *Button
		open = secondary(c.T("check.details"), func() {
			for _, p := range r.Pending {
				detail.Add(para("• " + c.T("check.detail_item", "name", displayName(p.Name), "folder", p.Folder)))
			}
			open.Hide()
		})
		list.Add(container.NewHBox(open))
		list.Add(detail)
	}
	return Column(container.NewBorder(title(c.T("check.title")), nil, nil, nil, container.NewVScroll(list)))
}

// checkLine is one line of the checklist with its mark: ticked, or the
// error sign.
func checkLine(text string, ok bool) fyne.CanvasObject {
	icon := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
	if !ok {
		icon = widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
	}
	return container.NewBorder(nil, nil, container.NewVBox(icon), nil, para(text))
}
