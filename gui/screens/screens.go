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

func primary(label string, tapped func()) *widget.Button {
	b := widget.NewButton(label, tapped)
	b.Importance = widget.HighImportance
	return b
}

// secondary is every other button. Fyne's medium buttons take the page's
// text colour, which cannot be 7:1 on a surface that is itself 3:1
// against a black page; the warning importance has its own text colour,
// which the theme sets (it is not used for warnings here).
func secondary(label string, tapped func()) *widget.Button {
	b := widget.NewButton(label, tapped)
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
		c, err := i18n.New(code)
		if err != nil {
			continue
		}
		b := secondary(c.Name(), func() { choose(code) })
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
// accompany, when not nil, adds a discreet "Accompagnement" entry for an
// aidant to start an accompanied session.
func Notice(c *i18n.Catalog, langs []string, extra string, replace bool, reading fyne.CanvasObject, choose func(code string), ok func(), accompany func()) fyne.CanvasObject {
	var body []fyne.CanvasObject
	if !replace {
		for _, k := range []string{"notice.kept", "notice.erased", "notice.private", "notice.advice"} {
			body = append(body, idea(c, c.T(k)))
		}
	}
	if extra != "" {
		body = append(body, para(extra))
	}
	top := container.NewVBox(LanguageBar(langs, c.Code(), choose))
	if reading != nil {
		top.Add(reading)
	}
	top.Add(title(c.T("notice.title")))
	bottom := container.NewHBox(layout.NewSpacer(), primary(c.T("notice.ok"), ok))
	if accompany != nil {
		b := secondary(c.T("notice.accompany"), accompany)
		bottom.Objects = append([]fyne.CanvasObject{b}, bottom.Objects...)
	}
	return Column(container.NewBorder(
		top,
		bottom,
		nil, nil,
		container.NewVScroll(container.NewVBox(body...)),
	))
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
// téléchargé — dans Téléchargements — 220 Ko".
func ItemLine(c *i18n.Catalog, it ipc.PreviewItem) string {
	return c.T("preview.item", "name", displayName(it.Name), "kind", c.T("kind."+it.Kind), "folder", it.Folder, "size", c.Size(it.Size))
}

// Keeper copies a document to the person's USB key (gui/usbkey).
type Keeper struct {
	// Key is the key's name, as the person sees it.
	Key string
	// Keep copies the item; it runs on Fyne's goroutine and should be
	// quick (documents are small).
	Keep func(ipc.PreviewItem) error
}

// Preview is the end-of-session screen: what will be erased, what will be
// closed, and one clear button. With a keeper (a USB key is plugged in),
// each document can be kept on the key first.
//
// The list shows as many whole lines as fit above the buttons and counts
// the rest ("… et 18 autres documents"), always in view: a scrolling list
// cut the last line in half behind the buttons in large text at
// 1024×768, and hid the count below it. With a USB key plugged in, the
// named documents scroll instead, so that each one's keep button can be
// reached; the count stays in view.
func Preview(c *i18n.Catalog, p ipc.Preview, keeper *Keeper, erase, back func()) fyne.CanvasObject {
	top := container.NewVBox(title(c.T("preview.title")))
	var items []fyne.CanvasObject
	more := para("")
	more.Hide()
	switch {
	case p.Count == 0:
		top.Add(para(c.T("preview.none")))
	default:
		top.Add(para(c.N("preview.intro", p.Count)))
		if keeper != nil {
			top.Add(idea(c, c.T("preview.usb", "key", keeper.Key)))
		}
		for _, it := range p.Items {
			if len(items) == MaxItems {
				break
			}
			l := para("• " + ItemLine(c, it))
			if keeper != nil && !it.Dir {
				items = append(items, container.NewBorder(nil, nil, nil, keepButton(c, keeper, it), l))
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
	if keeper != nil {
		// Every document named must stay reachable for its keep button:
		// the list scrolls, and the count of the unnamed stays in view.
		count(len(items))
		fit = container.NewVScroll(container.NewVBox(items...))
	} else {
		fit = fitList(items, count)
	}
	bottom := container.NewVBox(more, widget.NewSeparator(), idea(c, c.T("preview.closed")),
		container.NewHBox(secondary(c.T("preview.back"), back), layout.NewSpacer(), primary(c.T("preview.erase"), erase)))
	return Column(container.NewBorder(top, bottom, nil, nil, fit))
}

func keepButton(c *i18n.Catalog, k *Keeper, it ipc.PreviewItem) *widget.Button {
	var b *widget.Button
	b = secondary(c.T("preview.keep"), func() {
		if err := k.Keep(it); err != nil {
			b.SetText(c.T("preview.keep_failed"))
			return
		}
		b.SetText(c.T("preview.kept"))
		b.Disable()
	})
	return b
}

// Progress shows the erasing going on.
func Progress(c *i18n.Catalog, removed int) fyne.CanvasObject {
	bar := widget.NewProgressBarInfinite()
	return Column(container.NewVBox(title(c.T("progress.title")), bar, para(c.N("progress.count", removed))))
}

// Done is the final screen. When something could not be erased it says
// so kindly and that the staff will finish it.
func Done(c *i18n.Catalog, r ipc.WipeReport) fyne.CanvasObject {
	files := r.Removed.Files + r.Removed.Links + r.Removed.Other
	if r.Verified && r.PendingCount == 0 {
		return Column(container.NewVBox(layout.NewSpacer(), title(c.T("done.title")), idea(c, c.T("done.body")), para(c.N("done.count", files)), layout.NewSpacer()))
	}
	return Column(container.NewVBox(layout.NewSpacer(), title(c.T("partial.title")), idea(c, c.T("partial.body")),
		para(c.N("done.count", files)), para(c.N("partial.count", r.PendingCount)), layout.NewSpacer()))
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
	return Column(container.NewBorder(title(c.T(key)), container.NewHBox(layout.NewSpacer(), primary(c.T("warning.ok"), ok)), nil, nil,
		container.NewVScroll(container.NewVBox(idea(c, c.T("warning.body", "time", at.Format("15:04")))))))
}

// Countdown fills the screen before an automatic end, with one large
// button to stay.
func Countdown(c *i18n.Catalog, seconds int, stay func()) fyne.CanvasObject {
	b := primary(c.T("countdown.stay"), stay)
	big := widget.NewRichTextFromMarkdown("# " + escapeMarkdown(c.T("countdown.title")))
	body := para(c.N("countdown.body", seconds))
	body.Alignment = fyne.TextAlignCenter
	// Full width (a wrapped text in a centred box would take the width of
	// its longest word), centred by spacers; a large button.
	return Column(container.NewVBox(layout.NewSpacer(), container.NewCenter(big), body,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(360, 80), b)), layout.NewSpacer()))
}

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
// names appear only when the aidant opens the detail.
func Checklist(c *i18n.Catalog, r ipc.WipeReport) fyne.CanvasObject {
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
		icon := widget.NewIcon(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		if !it.OK {
			icon = widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
		}
		list.Add(container.NewBorder(nil, nil, container.NewVBox(icon), nil, para(text)))
	}
	if len(r.Pending) > 0 {
		detail := container.NewVBox()
		var open *widget.Button
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
