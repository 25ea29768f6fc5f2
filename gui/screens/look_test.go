package screens

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// update writes the golden images of the library screens anew (go test
// -run 'TestContrast' ./gui/screens -update); look at each one changed.
var update = flag.Bool("update", false, "write the golden images of the library screens")

// The screens of old library PCs.
var librarySizes = []fyne.Size{fyne.NewSize(1024, 768), fyne.NewSize(1366, 768)}

// lookCase is one way a person sees the window: a language, a screen
// size, a reading setting.
type lookCase struct {
	lang string
	size fyne.Size
	r    Reading
}

func (l lookCase) name(screen string) string {
	var rd string
	switch {
	case l.r.Large && l.r.Contrast:
		rd = "_large_contrast"
	case l.r.Large:
		rd = "_large"
	case l.r.Contrast:
		rd = "_contrast"
	}
	return fmt.Sprintf("look/%dx%d/%s_%s%s", int(l.size.Width), int(l.size.Height), screen, l.lang, rd)
}

// lookCases: every language at both sizes; large text (the hard case for
// fitting) in every language at 1024×768; strong contrast, and both at
// once, in French and easy-to-read French.
func lookCases() []lookCase {
	var out []lookCase
	for _, lang := range []string{"fr", Easy, "en", "uk"} {
		for _, s := range librarySizes {
			out = append(out, lookCase{lang, s, Reading{}})
		}
		out = append(out, lookCase{lang, librarySizes[0], Reading{Large: true}})
	}
	for _, lang := range []string{"fr", Easy} {
		out = append(out, lookCase{lang, librarySizes[1], Reading{Contrast: true}})
		out = append(out, lookCase{lang, librarySizes[0], Reading{Large: true, Contrast: true}})
	}
	return out
}

// lookScreens are the screens a person must look at, as the window shows
// them (full screen), and the session's small window.
func lookScreens(c *i18n.Catalog, r Reading) map[string]fyne.CanvasObject {
	nop := func() {}
	all := []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}
	return map[string]fyne.CanvasObject{
		"notice":      Notice(c, all, "", false, ReadingBar(c, r, func(Reading) {}), func(string) {}, nop, nop, true),
		"preview30":   Preview(c, preview(30), nil, nop, nop),
		"preview_usb": Preview(c, preview(3), &Keeper{Key: "Clé de Marie", Keep: func(ipc.PreviewItem) error { return nil }}, nop, nop),
		"countdown":   Countdown(c, 60, nop),
		"done":        Done(c, ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 3}}),
		"partial":     Done(c, ipc.WipeReport{Verified: false, Removed: ipc.Removed{Files: 2}, PendingCount: 1}),
	}
}

// renderLook draws obj at size in the window's theme, compares it with
// testdata/NAME.png, and returns the window and that golden image.
func renderLook(t *testing.T, name string, size fyne.Size, obj fyne.CanvasObject) (fyne.Window, image.Image) {
	t.Helper()
	w := test.NewTempWindow(t, canvas.NewRectangle(color.Transparent))
	// As the window (gui/window): its content brings its own padding.
	w.SetPadded(false)
	w.Resize(size)
	w.SetContent(obj)
	w.Resize(size.AddWidthHeight(0, 1))
	w.Resize(size)
	if *update {
		path := filepath.Join("testdata", name+".png")
		os.MkdirAll(filepath.Dir(path), 0o755)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, w.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	test.AssertRendersToImage(t, name+".png", w.Canvas())
	f, err := os.Open(filepath.Join("testdata", name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return w, img
}

// eachLook renders every screen of every case, in the window's padding
// as the window shows it, and calls check on each.
func eachLook(t *testing.T, check func(t *testing.T, l lookCase, screen string, w fyne.Window, img image.Image)) {
	a := test.NewTempApp(t)
	for _, l := range lookCases() {
		l.r.Easy = l.lang == Easy
		a.Settings().SetTheme(l.r.Theme())
		c := catalog(t, l.lang)
		for screen, obj := range lookScreens(c, l.r) {
			t.Run(l.name(screen), func(t *testing.T) {
				w, img := renderLook(t, l.name(screen), l.size, container.NewPadded(obj))
				check(t, l, screen, w, img)
			})
		}
		session := container.NewPadded(Session(c, 2, func() {}))
		t.Run(l.name("session"), func(t *testing.T) {
			w, img := renderLook(t, l.name("session"), SessionSize(session), session)
			check(t, l, "session", w, img)
		})
	}
}

// luminance is WCAG 2's relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// placed is a drawn object with where it is on the canvas, and the part
// of the canvas its scrolling containers let show.
type placed struct {
	o    fyne.CanvasObject
	rect image.Rectangle
	clip image.Rectangle
}

// visibleObjects walks what is drawn, in drawing order, skipping what is
// hidden.
func visibleObjects(root fyne.CanvasObject, canvasSize fyne.Size) []placed {
	var out []placed
	d := fyne.CurrentApp().Driver()
	var visit func(o fyne.CanvasObject, clip image.Rectangle)
	visit = func(o fyne.CanvasObject, clip image.Rectangle) {
		if o == nil || !o.Visible() {
			return
		}
		p := d.AbsolutePositionForObject(o)
		s := o.Size()
		r := image.Rect(int(p.X), int(p.Y), int(math.Ceil(float64(p.X+s.Width))), int(math.Ceil(float64(p.Y+s.Height))))
		out = append(out, placed{o, r, clip})
		if _, ok := o.(*container.Scroll); ok {
			clip = clip.Intersect(r)
		}
		switch v := o.(type) {
		case *fyne.Container:
			for _, k := range v.Objects {
				visit(k, clip)
			}
		case fyne.Widget:
			for _, k := range test.WidgetRenderer(v).Objects() {
				visit(k, clip)
			}
		}
	}
	visit(root, image.Rect(0, 0, int(canvasSize.Width), int(canvasSize.Height)))
	return out
}

// dominant is the most frequent colour of img in r.
func dominant(img image.Image, r image.Rectangle) color.Color {
	n := map[color.RGBA]int{}
	var best color.RGBA
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			n[c]++
			if n[c] > n[best] {
				best = c
			}
		}
	}
	return best
}

// strongest is the colour of img in r that stands out most against bg:
// the core of a glyph's stem, which antialiasing leaves at the text's
// colour.
func strongest(img image.Image, r image.Rectangle, bg color.Color) (color.Color, float64) {
	var best color.Color = bg
	top := 1.0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := contrast(img.At(x, y), bg); c > top {
				best, top = img.At(x, y), c
			}
		}
	}
	return best, top
}

// TestContrastOfGoldenImages measures, on every golden image of the
// library screens, each text and button label against the background it
// is drawn on (WCAG AA: 4.5:1, 3:1 for large text; with strong contrast
// 7:1 and 4.5:1), and each button's surface and check box's outline
// against the page (3:1, non-text contrast): the figures come from the
// pixels a person sees, not from the theme's intentions.
func TestContrastOfGoldenImages(t *testing.T) {
	eachLook(t, func(t *testing.T, l lookCase, screen string, w fyne.Window, img image.Image) {
		bounds := img.Bounds()
		for _, p := range visibleObjects(w.Canvas().Content(), w.Canvas().Size()) {
			switch o := unwrapButton(p.o).(type) {
			case *canvas.Text:
				if o.Text == "" || o.Text == " " {
					continue
				}
				min := o.MinSize()
				x := p.rect.Min.X
				switch o.Alignment {
				case fyne.TextAlignCenter:
					x += int((o.Size().Width - min.Width) / 2)
				case fyne.TextAlignTrailing:
					x += int(o.Size().Width - min.Width)
				}
				r := image.Rect(x, p.rect.Min.Y, x+int(min.Width), p.rect.Min.Y+int(min.Height)).Intersect(p.rect).Intersect(p.clip).Intersect(bounds)
				if r.Dx() < 2 || r.Dy() < int(min.Height)/2 {
					continue // scrolled out of view
				}
				bg := dominant(img, r)
				fg, ratio := strongest(img, r, bg)
				large := o.TextSize >= 24 || (o.TextStyle.Bold && o.TextSize >= 18.66)
				want := 4.5
				if large {
					want = 3
				}
				if l.r.Contrast {
					want = 7
					if large {
						want = 4.5
					}
				}
				if ratio < want {
					t.Errorf("%q (%.0f px): %.2f:1 (%v on %v), want %.1f:1", o.Text, o.TextSize, ratio, fg, bg, want)
				}
			case *widget.Button:
				if !p.rect.In(p.clip) {
					continue // scrolled out of view
				}
				pad := int(theme.Padding())
				my := (p.rect.Min.Y + p.rect.Max.Y) / 2
				surface := img.At(p.rect.Min.X+int(theme.InnerPadding())/2, my)
				outside := img.At(p.rect.Min.X-pad/2, my)
				if c := contrast(surface, outside); c < 3 {
					t.Errorf("button %q: surface %v against the page %v: %.2f:1, want 3:1", o.Text, surface, outside, c)
				}
			case *canvas.Image:
				// A picture of the easy-to-read texts: its drawing (or
				// its tile) stands out from the page.
				if !p.rect.In(p.clip) || o.Resource == nil || p.rect.Min.X < 2 {
					continue
				}
				page := img.At(p.rect.Min.X-2, p.rect.Min.Y)
				if _, c := strongest(img, p.rect, page); c < 3 {
					t.Errorf("picture %s: %.2f:1 against the page, want 3:1", o.Resource.Name(), c)
				}
			case *widget.Check:
				if !p.rect.In(p.clip) {
					continue
				}
				icon := theme.Size(theme.SizeNameInlineIcon)
				x := p.rect.Min.X + int(theme.InnerPadding()/2+theme.Size(theme.SizeNameInputBorder))
				y := (p.rect.Min.Y+p.rect.Max.Y)/2 - int(icon/2)
				page := img.At(p.rect.Min.X+1, p.rect.Min.Y+1)
				if _, c := strongest(img, image.Rect(x, y, x+int(icon), y+int(icon)), page); c < 3 {
					t.Errorf("check box %q: outline %.2f:1 against the page, want 3:1", o.Text, c)
				}
			}
		}
	})
}

// TestTargetsAreLargeEnough: every button, check box and field of the
// library screens is at least 44×44 px (WCAG 2.5.5), read from the widget
// tree as Fyne's driver laid it out; and the main action is in the lower
// half of the screen, not left of the middle (never alone in a far
// corner, where a person looking at the text does not see it).
func TestTargetsAreLargeEnough(t *testing.T) {
	eachLook(t, func(t *testing.T, l lookCase, screen string, w fyne.Window, img image.Image) {
		c := catalog(t, l.lang)
		main := map[string]string{"notice": c.T("notice.ok"), "preview30": c.T("preview.erase"), "preview_usb": c.T("preview.erase"),
			"countdown": c.T("countdown.stay"), "warning": c.T("warning.ok"), "session": c.T("session.end")}[screen]
		if screen == "notice" {
			if m := MainAction(w.Canvas().Content()); m != nil && m.Text == c.T("notice.next") {
				main = m.Text // the notice in pages: « Lire la suite » first
			}
		}
		foundMain := main == ""
		for _, p := range visibleObjects(w.Canvas().Content(), w.Canvas().Size()) {
			var what string
			switch o := unwrapButton(p.o).(type) {
			case *widget.Button:
				what = "button " + o.Text
				if o.Text == main {
					foundMain = true
					cx := float32(p.rect.Min.X+p.rect.Max.X) / 2
					if screen != "session" && (cx < w.Canvas().Size().Width*0.45 || float32(p.rect.Min.Y) < w.Canvas().Size().Height/2) {
						t.Errorf("the main action %q is at %v on a %v screen", o.Text, p.rect, w.Canvas().Size())
					}
				}
			case *widget.Check:
				what = "check box " + o.Text
			case *widget.Entry:
				what = "field"
			default:
				continue
			}
			if p.rect.Dx() < 44 || p.rect.Dy() < 44 {
				t.Errorf("%s is %dx%d px, want 44x44 at least", what, p.rect.Dx(), p.rect.Dy())
			}
		}
		if !foundMain {
			t.Errorf("no %q button", main)
		}
	})
}

// TestFocusRingIsSeen: the focus ring around a main button, a secondary
// button and a check box, in both themes, measured on the golden image:
// its outer stroke at least 3:1 against the page beside it, its inner
// stroke at least 3:1 against the control's surface (Fyne's own focus
// tint was 1.00:1 on blue buttons, 1.16:1 on grey ones, 1.35:1 in strong
// contrast).
func TestFocusRingIsSeen(t *testing.T) {
	a := test.NewTempApp(t)
	for _, r := range []Reading{{}, {Contrast: true}} {
		a.Settings().SetTheme(r.Theme())
		c := catalog(t, "fr")
		for _, target := range []string{c.T("notice.ok"), c.T("notice.accompany"), c.T("view.large")} {
			notice := Notice(c, []string{"fr", "en"}, "", false, ReadingBar(c, r, func(Reading) {}), func(string) {}, func() {}, func() {}, true)
			layered, ring := WithFocusRing(container.NewPadded(notice))
			name := fmt.Sprintf("look/1024x768/focus_%s_fr", map[string]string{c.T("notice.ok"): "main", c.T("notice.accompany"): "secondary", c.T("view.large"): "check"}[target])
			if r.Contrast {
				name += "_contrast"
			}
			t.Run(name, func(t *testing.T) {
				w := test.NewTempWindow(t, canvas.NewRectangle(color.Transparent))
				w.SetPadded(false)
				w.Resize(librarySizes[0])
				w.SetContent(layered)
				var focus fyne.Focusable
				walk(notice, func(o fyne.CanvasObject) {
					switch v := o.(type) {
					case *widget.Button:
						if v.Text == target {
							focus = v
						}
					case *Button:
						if v.Text == target {
							focus = v
						}
					case *widget.Check:
						if v.Text == target {
							focus = v
						}
					}
				})
				w.Canvas().Focus(focus)
				ring.Follow(w.Canvas())
				_, img := renderLook(t, name, librarySizes[0], layered)
				d := fyne.CurrentApp().Driver()
				o := focus.(fyne.CanvasObject)
				p := d.AbsolutePositionForObject(o)
				x, y := int(p.X), int(p.Y+o.Size().Height/2)
				page := img.At(x-int(theme.Padding())/2, y)
				outer := img.At(x+ringOuter/2, y)
				inner := img.At(x+ringOuter+ringInner/2, y)
				surface := img.At(x+ringOuter+ringInner+2, y)
				if ratio := contrast(outer, page); ratio < 3 {
					t.Errorf("outer ring %v on the page %v: %.2f:1, want 3:1", outer, page, ratio)
				}
				if ratio := contrast(inner, outer); ratio < 3 {
					t.Errorf("inner ring %v against the outer %v: %.2f:1, want 3:1", inner, outer, ratio)
				}
				if _, isButton := unwrapButton(o).(*widget.Button); isButton {
					if ratio := contrast(inner, surface); ratio < 3 && contrast(outer, surface) < 3 {
						t.Errorf("ring %v/%v on the button's surface %v: %.2f:1, want 3:1", outer, inner, surface, ratio)
					}
				}
			})
		}
	}
}

// TestEndListShowsWholeLines: on every library screen, large text
// included, the end list shows whole lines only, none hidden under the
// buttons or cut by the screen's edge, and the count of the others
// ("… et 27 autres documents") is in view and right (at 1024×768 in large
// text the list cut its last line in half behind the buttons, and the
// count was below it).
func TestEndListShowsWholeLines(t *testing.T) {
	eachLook(t, func(t *testing.T, l lookCase, screen string, w fyne.Window, img image.Image) {
		total := map[string]int{"preview30": 30, "preview_usb": 3}[screen]
		if total == 0 {
			return
		}
		c := catalog(t, l.lang)
		canvasRect := image.Rect(0, 0, int(w.Canvas().Size().Width), int(w.Canvas().Size().Height))
		var buttonsTop = canvasRect.Max.Y
		all := visibleObjects(w.Canvas().Content(), w.Canvas().Size())
		for _, p := range all {
			if b, ok := unwrapButton(p.o).(*widget.Button); ok && b.Text == c.T("preview.erase") {
				buttonsTop = p.rect.Min.Y
			}
		}
		// What a person sees of a thing: it is inside the view of its
		// list, or wholly outside it (scrolled away), never in part.
		inView := func(p placed) bool { return p.rect.In(p.clip) && p.rect.In(canvasRect) && p.rect.Max.Y <= buttonsTop }
		outOfView := func(p placed) bool { return p.rect.Intersect(p.clip).Empty() }
		shown, more := 0, ""
		for _, p := range all {
			text := ""
			switch o := unwrapButton(p.o).(type) {
			case *widget.Label:
				text = o.Text
			case *widget.Button:
				text = o.Text
			default:
				continue
			}
			if outOfView(p) || p.rect.Min.Y >= buttonsTop {
				continue // scrolled away, or the buttons themselves
			}
			if !inView(p) {
				t.Errorf("%q is cut: at %v, in view %v, buttons from y=%d", text, p.rect, p.clip, buttonsTop)
			}
			if strings.HasPrefix(text, "• ") {
				shown++
			}
		}
		for _, p := range all {
			if lb, ok := p.o.(*widget.Label); ok && shown < total && lb.Text == c.N("preview.more", total-shown) && inView(p) {
				more = lb.Text
			}
		}
		if shown == 0 || (shown < total && more == "") {
			t.Errorf("%d documents named in view, and no count of the %d others in view", shown, total-shown)
		}
	})
}

// unwrapButton gives Fyne's button inside the screens' Button (which also
// answers Enter), so that the checks see every button alike.
func unwrapButton(o fyne.CanvasObject) fyne.CanvasObject {
	if b, ok := o.(*Button); ok {
		return &b.Button
	}
	return o
}

// TestNoticeNeverScrolls: on every library screen, large text and
// easy-to-read French included, every sentence of the notice is seen
// whole without scrolling: on one page, or on pages one reaches with « Lire
// la suite » (at 1024×768 in large text the notice scrolled and showed 3 of
// its 11 sentences in easy-to-read French); « J'ai compris » comes on the
// last page, and « Revenir » goes back.
func TestNoticeNeverScrolls(t *testing.T) {
	a := test.NewTempApp(t)
	for _, l := range lookCases() {
		l.r.Easy = l.lang == Easy
		a.Settings().SetTheme(l.r.Theme())
		c := catalog(t, l.lang)
		t.Run(l.name("notice"), func(t *testing.T) {
			all := []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}
			read := false
			notice := Notice(c, all, "", false, ReadingBar(c, l.r, func(Reading) {}), func(string) {}, func() { read = true }, func() {}, true)
			w := test.NewTempWindow(t, canvas.NewRectangle(color.Transparent))
			w.SetPadded(false)
			w.Resize(l.size)
			w.SetContent(container.NewPadded(notice))
			w.Resize(l.size.AddWidthHeight(0, 1))
			w.Resize(l.size)
			want := map[string]bool{}
			for _, k := range []string{"notice.kept", "notice.erased", "notice.private", "notice.advice"} {
				if l.lang == Easy {
					for _, s := range sentences(c.T(k)) {
						want[s] = true
					}
				} else {
					want[c.T(k)] = true
				}
			}
			seen := map[string]bool{}
			canvasRect := image.Rect(0, 0, int(l.size.Width), int(l.size.Height))
			pagesSeen := 0
			for page := 0; page < 10; page++ {
				pagesSeen++
				objs := visibleObjects(w.Canvas().Content(), w.Canvas().Size())
				barTop := canvasRect.Max.Y
				for _, p := range objs {
					if b, ok := unwrapButton(p.o).(*widget.Button); ok && (b.Text == c.T("notice.ok") || b.Text == c.T("notice.next")) {
						barTop = min(barTop, p.rect.Min.Y)
					}
				}
				for _, p := range objs {
					if _, ok := p.o.(*container.Scroll); ok {
						t.Errorf("page %d: the notice scrolls", page+1)
					}
					lb, ok := p.o.(*widget.Label)
					if !ok || !want[lb.Text] {
						continue
					}
					if !p.rect.In(p.clip) || !p.rect.In(canvasRect) || p.rect.Max.Y > barTop {
						t.Errorf("page %d: %q is cut: at %v, in view %v, buttons from y=%d", page+1, lb.Text, p.rect, p.clip, barTop)
						continue
					}
					seen[lb.Text] = true
				}
				main := MainAction(notice)
				if main == nil {
					t.Fatal("the notice has no main action")
				}
				if main.Text == c.T("notice.ok") {
					break
				}
				if main.Text != c.T("notice.next") {
					t.Fatalf("page %d: main action %q", page+1, main.Text)
				}
				test.Tap(main)
			}
			for s := range want {
				if !seen[s] {
					t.Errorf("never seen whole (%d pages): %q", pagesSeen, s)
				}
			}
			if pagesSeen > 1 {
				tapButton(t, w.Canvas().Content(), c.T("notice.previous"))
				if m := MainAction(notice); m == nil || m.Text != c.T("notice.next") {
					t.Errorf("« %s » does not go back to a page before the last", c.T("notice.previous"))
				}
			}
			test.Tap(findButton(w.Canvas().Content(), c.T("notice.ok")))
			if pagesSeen == 1 && !read {
				t.Error("« J'ai compris » does nothing")
			}
			t.Logf("%d page(s)", pagesSeen)
		})
	}
}
