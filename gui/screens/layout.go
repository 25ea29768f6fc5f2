package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// Column centres a screen on a full-screen window, at most about 50
// characters of body text wide: lines across a whole 1366 px screen are
// hard to follow for a weak reader, and the eye must find the screen in
// the middle, where it looks first.
func Column(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(columnLayout{}, o)
}

type columnLayout struct{}

func maxColumnWidth() float32 { return 50 * theme.Size(theme.SizeNameText) }

func (columnLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, max(maxColumnWidth(), 0))
	for _, o := range objs {
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
		o.Resize(fyne.NewSize(w, size.Height))
	}
}

func (columnLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// flow lays out buttons in rows, each row centred, wrapping to the next
// row when the width is used up: eight language buttons in large text do
// not fit across 1024 px.
func flow(objs ...fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&flowLayout{}, objs...)
}

type flowLayout struct {
	width float32
	// actions marks a screen's action bar (actionBar); trailing lays its
	// rows out from the left and puts its last object, the main action,
	// at the right of the last row, with listen ("Écouter", WithListen)
	// beside it when it comes just before.
	actions, trailing bool
	listen            fyne.CanvasObject
}

// rows splits objs into rows no wider than width.
func (*flowLayout) rows(objs []fyne.CanvasObject, width float32) [][]fyne.CanvasObject {
	pad := theme.Padding()
	var rows [][]fyne.CanvasObject
	var row []fyne.CanvasObject
	var w float32
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		ow := o.MinSize().Width
		if len(row) > 0 && w+pad+ow > width {
			rows = append(rows, row)
			row, w = nil, 0
		}
		if len(row) > 0 {
			w += pad
		}
		row = append(row, o)
		w += ow
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	pad := theme.Padding()
	var y float32
	rows := l.rows(objs, size.Width)
	for r, row := range rows {
		var w, h float32
		for i, o := range row {
			if i > 0 {
				w += pad
			}
			w += o.MinSize().Width
			h = max(h, o.MinSize().Height)
		}
		x := max(0, (size.Width-w)/2)
		// The right group of the last row: the main action, and
		// "Écouter" just before it.
		right := len(row)
		if l.trailing {
			x = 0
			if r == len(rows)-1 {
				right = len(row) - 1
				if right > 0 && row[right-1] == l.listen {
					right--
				}
			}
		}
		for i, o := range row {
			if i == right {
				var rw float32
				for _, k := range row[right:] {
					rw += k.MinSize().Width + pad
				}
				x = max(x, size.Width-rw+pad)
			}
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(o.MinSize().Width, h))
			x += o.MinSize().Width + pad
		}
		y += h + pad
	}
}

// MinSize is as wide as the widest button, as high as the rows at the
// width the layout had last (before its first layout, at the window's
// width).
func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	width := l.width
	if width <= 0 && len(objs) > 0 {
		if c := fyne.CurrentApp().Driver().CanvasForObject(objs[0]); c != nil {
			width = min(c.Size().Width-4*theme.Padding(), maxColumnWidth())
		}
	}
	if width <= 0 {
		return s
	}
	return fyne.NewSize(s.Width, l.heightAt(objs, width))
}

// heightAt is how high the rows of objs are at width.
func (l *flowLayout) heightAt(objs []fyne.CanvasObject, width float32) float32 {
	pad := theme.Padding()
	var h float32
	for i, row := range l.rows(objs, width) {
		if i > 0 {
			h += pad
		}
		var rh float32
		for _, o := range row {
			rh = max(rh, o.MinSize().Height)
		}
		h += rh
	}
	return h
}

// FocusRing draws a thick ring around the focused button, check box or
// field: Fyne shows focus only as a faint tint (1.00:1 on blue buttons,
// 1.16:1 on grey ones), which a person who sees poorly, or who moves with
// Tab, cannot find. The ring has two strokes of opposite colours, so that
// one of them stands out against the page and against the control alike.
// Fyne tells the focused widget only, not the window, so the ring follows
// the canvas's focus when Follow is called (the window does it several
// times a second).
type FocusRing struct {
	outer, inner *canvas.Rectangle
	layer        *fyne.Container
	at           fyne.Position // of the control, on the canvas
	size         fyne.Size
}

// Ring widths: 3 px at least (WCAG 2.4.13 asks for 2 px), inside the
// control's own inner padding so that it covers neither its label nor the
// next button.
const (
	ringOuter = 4
	ringInner = 2
)

// NewFocusRing returns a ring, hidden until something has the focus.
func NewFocusRing() *FocusRing {
	f := &FocusRing{outer: canvas.NewRectangle(nil), inner: canvas.NewRectangle(nil)}
	f.outer.StrokeWidth, f.inner.StrokeWidth = ringOuter, ringInner
	f.layer = container.NewWithoutLayout(f.outer, f.inner)
	f.outer.Hide()
	f.inner.Hide()
	return f
}

// WithFocusRing lays the ring over content.
func WithFocusRing(content fyne.CanvasObject) (fyne.CanvasObject, *FocusRing) {
	f := NewFocusRing()
	return container.NewStack(content, f.layer), f
}

// Follow moves the ring to the object that has c's focus, or hides it.
func (f *FocusRing) Follow(c fyne.Canvas) {
	o, ok := c.Focused().(fyne.CanvasObject)
	d := fyne.CurrentApp().Driver()
	if !ok || o == nil || !o.Visible() || d.CanvasForObject(f.layer) == nil {
		f.hide()
		return
	}
	th := fyne.CurrentApp().Settings().Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	pos := d.AbsolutePositionForObject(o).Subtract(d.AbsolutePositionForObject(f.layer))
	size := o.Size()
	if f.outer.Visible() && f.at == d.AbsolutePositionForObject(o) && f.size == size {
		return
	}
	f.at, f.size = d.AbsolutePositionForObject(o), size
	f.outer.FillColor, f.inner.FillColor = nil, nil
	f.outer.StrokeColor = th.Color(ColorNameFocusRing, v)
	f.inner.StrokeColor = th.Color(ColorNameFocusRingInner, v)
	// Fyne draws a stroke astride the rectangle's edge: each rectangle is
	// set in by half its stroke, so that the outer one covers the
	// control's first 4 px and the inner one the next 2.
	f.outer.Move(pos.AddXY(ringOuter/2, ringOuter/2))
	f.outer.Resize(size.SubtractWidthHeight(ringOuter, ringOuter))
	in := float32(ringOuter + ringInner/2)
	f.inner.Move(pos.AddXY(in, in))
	f.inner.Resize(size.SubtractWidthHeight(2*in, 2*in))
	f.outer.Show()
	f.inner.Show()
	f.outer.Refresh()
	f.inner.Refresh()
}

func (f *FocusRing) hide() {
	if f.outer.Visible() {
		f.outer.Hide()
		f.inner.Hide()
	}
}

// fitList shows as many of items, from the first, as fit whole in its
// height, hides the others, and tells fitted how many it shows whenever
// that changes.
func fitList(items []fyne.CanvasObject, fitted func(shown int)) fyne.CanvasObject {
	return container.New(&fitLayout{fitted: fitted, shown: -1}, items...)
}

type fitLayout struct {
	fitted func(int)
	shown  int
}

func (l *fitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	var y float32
	shown, full := 0, false
	for _, o := range objs {
		if full {
			o.Hide()
			continue
		}
		// A wrapped text knows its height once it has its width, and is
		// measured again only when shown.
		o.Show()
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		h := o.MinSize().Height
		// Once one line does not fit, none after it is shown: a shorter
		// one would come out of order.
		if y+h > size.Height {
			full = true
			o.Hide()
			continue
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
		shown++
	}
	if shown != l.shown {
		l.shown = shown
		if l.fitted != nil {
			l.fitted(shown)
		}
	}
}

func (l *fitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s.Width = max(s.Width, o.MinSize().Width)
	}
	if len(objs) > 0 {
		s.Height = objs[0].MinSize().Height
	}
	return s
}

// Around is the place on the canvas of the control the ring is around,
// and whether it shows (for tests).
func (f *FocusRing) Around() (fyne.Position, fyne.Size, bool) {
	return f.at, f.size, f.outer.Visible()
}

// actionBar is a screen's row of buttons: the others from the left, the
// main action (the last one) at the right of the bottom row; when they do
// not fit across (large text, a long label, "Écouter" added), the others
// wrap onto rows above, so that no button is cut or pushed off the
// screen. centred lays every row out in the middle instead (the
// countdown's large button). The window finds it to add "Écouter" among
// the screen's other actions (WithListen).
func actionBar(centred bool, objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&flowLayout{actions: true, trailing: !centred}, objs...)
}

// pages shows the rows of a text a page at a time, each page as many
// whole rows as fit between the screen's top and its action bar: a text
// that scrolls hides its end from a person who does not know to scroll
// (the notice in large text at 1024×768 showed 3 of its 11 sentences in
// easy-to-read French). The screen's top and its buttons depend on the
// page (the language choice on the first page only; « Lire la suite »
// until the last), and the room left for the rows depends on them: one
// layout decides them together (pagesLayout), so that no frame shows a
// button pushed out of view.
type pages struct {
	root   *fyne.Container
	top    fyne.CanvasObject
	body   *fyne.Container // the rows, placed by the layout
	bar    *fyne.Container // an actionBar
	rows   []fyne.CanvasObject
	first  int   // the first row of the page shown
	shown  int   // how many rows it shows, from the last layout
	starts []int // the first rows of the pages before, for « Revenir »
	// update sets the top and the buttons for the page shown: more says
	// rows follow it, back that pages come before it.
	update func(more, back bool)
}

func newPages(top fyne.CanvasObject, rows []fyne.CanvasObject, bar *fyne.Container, update func(more, back bool)) *pages {
	p := &pages{top: top, rows: rows, bar: bar, update: update}
	p.body = container.NewWithoutLayout(rows...)
	p.root = container.New(&pagesLayout{p}, top, p.body, bar)
	return p
}

func (p *pages) next() {
	if p.first+p.shown >= len(p.rows) {
		return
	}
	p.starts = append(p.starts, p.first)
	p.first += max(1, p.shown)
	p.root.Refresh()
}

func (p *pages) previous() {
	if len(p.starts) == 0 {
		return
	}
	p.first = p.starts[len(p.starts)-1]
	p.starts = p.starts[:len(p.starts)-1]
	p.root.Refresh()
}

type pagesLayout struct{ p *pages }

// fit is how many rows from the first fit in height at width.
func (l *pagesLayout) fit(width, height float32) int {
	p := l.p
	pad := theme.Padding()
	var y float32
	n := 0
	for _, o := range p.rows[p.first:] {
		// A wrapped text knows its height once it has its width.
		o.Resize(fyne.NewSize(width, o.MinSize().Height))
		h := o.MinSize().Height
		// The first row of a page shows even if it is taller than the
		// page: a page never shows nothing.
		if y+h > height && n > 0 {
			break
		}
		y += h + pad
		n++
	}
	return n
}

func (l *pagesLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	p := l.p
	pad := theme.Padding()
	back := len(p.starts) > 0
	bar := p.bar.Layout.(*flowLayout)
	// The buttons depend on whether rows are left, which depends on the
	// room the buttons leave: from "no more" (the fewest buttons), until
	// it holds.
	more := false
	var topH, barH float32
	var n int
	for range 3 {
		p.update(more, back)
		topH = p.top.MinSize().Height
		if tw, ok := p.top.(*fyne.Container); ok {
			tw.Resize(fyne.NewSize(size.Width, topH))
			topH = p.top.MinSize().Height
		}
		barH = bar.heightAt(p.bar.Objects, size.Width)
		n = l.fit(size.Width, size.Height-topH-barH-2*pad)
		if now := p.first+n < len(p.rows); now != more {
			more = now
			continue
		}
		break
	}
	p.shown = n
	p.top.Move(fyne.NewPos(0, 0))
	p.top.Resize(fyne.NewSize(size.Width, topH))
	p.body.Move(fyne.NewPos(0, topH+pad))
	p.body.Resize(fyne.NewSize(size.Width, size.Height-topH-barH-2*pad))
	var y float32
	for i, o := range p.rows {
		if i < p.first || i >= p.first+n {
			o.Hide()
			continue
		}
		o.Show()
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + pad
	}
	p.bar.Move(fyne.NewPos(0, size.Height-barH))
	p.bar.Resize(fyne.NewSize(size.Width, barH))
}

// MinSize is the top's, the first row's and the buttons': the page takes
// what room the screen leaves.
func (l *pagesLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	p := l.p
	s := p.top.MinSize()
	pad := theme.Padding()
	if len(p.rows) > 0 {
		r := p.rows[min(p.first, len(p.rows)-1)].MinSize()
		s = fyne.NewSize(max(s.Width, r.Width), s.Height+pad+r.Height)
	}
	b := p.bar.MinSize()
	return fyne.NewSize(max(s.Width, b.Width), s.Height+pad+b.Height)
}

// wholeRows is a list that scrolls by whole rows: its height is that of
// the most rows that fit from the first in view, never a row cut in half
// behind what follows, and fitted is told how many items are in view so
// that the screen counts the others. The list is lead (texts said before
// the items) then items; at least one item is always in view. A scroll by
// the wheel or the bar moves on to the next row in its direction; an item
// given the focus (Tab) is brought into view. Every row stays in the
// widget tree, so that Tab reaches the buttons of the rows out of view.
type wholeRows struct {
	scroll *container.Scroll
	rows   []fyne.CanvasObject
	lead   int // rows before the first item
	fitted func(shown int)
	box    *fyne.Container
	want   int // the row the person brought to the top (scroll, focus)
	first  int // the row at the top of the view, want as it fits
	n      int // rows in view
	shown  int // items in view, -1 before the first layout
}

func newWholeRows(lead, items []fyne.CanvasObject, fitted func(shown int)) *wholeRows {
	rows := append(append([]fyne.CanvasObject{}, lead...), items...)
	w := &wholeRows{rows: rows, lead: len(lead), fitted: fitted, shown: -1}
	w.scroll = container.NewVScroll(container.NewVBox(rows...))
	w.scroll.OnScrolled = w.scrolled
	w.box = container.New(w, w.scroll)
	return w
}

// tops are where each row begins in the list, as its box lays them out
// (one padding between rows), and last where the list ends.
func (w *wholeRows) tops() []float32 {
	pad := theme.Padding()
	tops := make([]float32, len(w.rows)+1)
	var y float32
	for i, r := range w.rows {
		tops[i] = y
		y += r.MinSize().Height + pad
	}
	tops[len(w.rows)] = y
	return tops
}

func (w *wholeRows) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if len(w.rows) == 0 {
		return
	}
	pad := theme.Padding()
	// Wrapped texts know their height once they have their width.
	for _, r := range w.rows {
		r.Resize(fyne.NewSize(size.Width, r.MinSize().Height))
	}
	tops := w.tops()
	fits := func(from, to int) bool { return tops[to]-pad-tops[from] <= size.Height }
	count := func(first int) int {
		n := 1
		for first+n < len(w.rows) && fits(first, first+n+1) {
			n++
		}
		return n
	}
	// Worked out from want at each layout: a window that starts small
	// must not keep the view it had then.
	w.first = min(max(w.want, 0), len(w.rows)-1)
	// At the end of the list, fill the view from the last row up.
	for w.first > 0 && fits(w.first-1, len(w.rows)) {
		w.first--
	}
	w.n = count(w.first)
	// No item in view: the texts before them give way.
	for w.first+w.n <= w.lead && w.first < w.lead && w.lead < len(w.rows) {
		w.first++
		w.n = count(w.first)
	}
	h := tops[w.first+w.n] - pad - tops[w.first]
	w.scroll.Move(fyne.NewPos(0, 0))
	w.scroll.Resize(fyne.NewSize(size.Width, h))
	w.scroll.ScrollToOffset(fyne.NewPos(0, tops[w.first]))
	w.scroll.Refresh()
	if shown := max(0, w.first+w.n-max(w.first, w.lead)); shown != w.shown {
		w.shown = shown
		if w.fitted != nil {
			w.fitted(shown)
		}
	}
}

func (w *wholeRows) MinSize([]fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, r := range w.rows {
		s.Width = max(s.Width, r.MinSize().Width)
	}
	if w.lead < len(w.rows) {
		s.Height = w.rows[w.lead].MinSize().Height
	}
	return s
}

// scrolled moves the view on to a row's top in the direction the person
// scrolled: one turn of the wheel is less than a row, and snapping to the
// nearest would never move.
func (w *wholeRows) scrolled(off fyne.Position) {
	tops := w.tops()
	first := w.first
	switch {
	case off.Y > tops[w.first]:
		for first < len(w.rows)-1 && tops[first] < off.Y {
			first++
		}
	case off.Y < tops[w.first]:
		for first > 0 && tops[first] > off.Y {
			first--
		}
	}
	w.want = first
	w.box.Refresh()
}

// showItem brings item i into view, moving the view as little as it can.
func (w *wholeRows) showItem(i int) {
	i += w.lead
	switch {
	case i < w.first:
		w.want = i
	case w.n > 0 && i >= w.first+w.n:
		w.want = i - w.n + 1
	default:
		return
	}
	w.box.Refresh()
}
