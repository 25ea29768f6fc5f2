package screens

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/assets"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// Easy is the easy-to-read language (FALC).
const Easy = "fr-falc"

// The pictures are read once: Fyne caches what it draws of a resource by
// its name.
var (
	picShield = fyne.NewStaticResource("shield.svg", assets.Shield)
	picBin    = fyne.NewStaticResource("bin.svg", assets.Bin)
	picKey    = fyne.NewStaticResource("key.svg", assets.Key)
	picUSB    = fyne.NewStaticResource("usbkey.svg", assets.USBKey)
	picLock   = fyne.NewStaticResource("lock.svg", assets.Lock)
	picReady  = fyne.NewStaticResource("ready.svg", assets.Ready)
	picClock  = fyne.NewStaticResource("clock.svg", assets.Clock)
	picDesk   = fyne.NewStaticResource("desk.svg", assets.Desk)
	picWarn   = fyne.NewStaticResource("warning.svg", assets.Warning)
)

// pictureFor picks the picture of a sentence of the easy-to-read texts
// by the idea it says, nil for none. The words are looked for rather than
// the catalogue's keys, so that the picture follows a sentence however
// the texts are cut; the first match wins (a password sentence that says
// "garder" shows the key, a document that is not erased the warning sign,
// not the bin).
func pictureFor(sentence string) fyne.Resource {
	s := strings.ToLower(sentence)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("mot de passe"):
		return picKey
	case has("pas effacé", "pas sûr", "peut-être pas", "restent"):
		return picWarn
	case has("clé"):
		return picUSB
	case has("effac"):
		return picBin
	case has("ne garde pas", "ne sont pas gardé", "pas besoin de donner", "plus jamais", "protégé", "mode privé"):
		return picShield
	case has("compte"):
		return picLock
	case has("est prêt"):
		return picReady
	case has("accueil", "personnel"):
		return picDesk
	case has("l'heure", "s'arrête", "temps", "lieu ferme", "n'a touché"):
		return picClock
	}
	return nil
}

// sentences cuts a text after each full stop, question or exclamation
// mark followed by a capital: one sentence per line, as the easy-to-read
// rules ask ("Par exemple : les impôts" stays one line).
func sentences(text string) []string {
	var out []string
	r := []rune(text)
	start := 0
	for i := 0; i < len(r); i++ {
		if !strings.ContainsRune(".!?…", r[i]) || i+2 >= len(r) || r[i+1] != ' ' {
			continue
		}
		j := i + 2
		for j < len(r) && (r[j] == '«' || r[j] == ' ' || r[j] == '"') {
			j++
		}
		if j < len(r) && unicode.IsUpper(r[j]) {
			out = append(out, strings.TrimSpace(string(r[start:i+1])))
			start = i + 2
		}
	}
	if rest := strings.TrimSpace(string(r[start:])); rest != "" {
		out = append(out, rest)
	}
	return out
}

// idea is a paragraph of the notice or the end screens. In the
// easy-to-read language it is one sentence per line, left-aligned, each
// with its picture beside it (or the picture's room, so that every line
// starts at the same place); in the others, the paragraph as written.
func idea(c *i18n.Catalog, text string) fyne.CanvasObject {
	rows := ideaRows(c, text)
	if len(rows) == 1 {
		return rows[0]
	}
	return container.NewVBox(rows...)
}

// ideaRows is idea's lines, one object each: the notice's pages cut
// between them.
func ideaRows(c *i18n.Catalog, text string) []fyne.CanvasObject {
	if c.Code() != Easy {
		return []fyne.CanvasObject{para(text)}
	}
	side := 2 * theme.Size(theme.SizeNameText)
	var rows []fyne.CanvasObject
	for _, s := range sentences(text) {
		var pic fyne.CanvasObject
		if res := pictureFor(s); res != nil {
			img := canvas.NewImageFromResource(res)
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSquareSize(side))
			pic = img
		} else {
			pic = layout.NewSpacer()
		}
		box := container.NewGridWrap(fyne.NewSquareSize(side), pic)
		rows = append(rows, container.NewBorder(nil, nil, container.NewCenter(box), nil, para(s)))
	}
	return rows
}

// walkLabels calls f on every label of o: the lines of an idea, to give
// them one importance (the colour of a document that is not erased).
func walkLabels(o fyne.CanvasObject, f func(*widget.Label)) {
	switch o := o.(type) {
	case *widget.Label:
		f(o)
	case *fyne.Container:
		for _, c := range o.Objects {
			walkLabels(c, f)
		}
	}
}
