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

type flowLayout struct{ width float32 }

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
	for _, row := range l.rows(objs, size.Width) {
		var w, h float32
		for i, o := range row {
			if i > 0 {
				w += pad
			}
			w += o.MinSize().Width
			h = max(h, o.MinSize().Height)
		}
		x := max(0, (size.Width-w)/2)
		for _, o := range row {
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
			width = c.Size().Width - 4*theme.Padding()
		}
	}
	if width <= 0 {
		return s
	}
	rows := l.rows(objs, width)
	pad := theme.Padding()
	var h float32
	for i, row := range rows {
		if i > 0 {
			h += pad
		}
		var rh float32
		for _, o := range row {
			rh = max(rh, o.MinSize().Height)
		}
		h += rh
	}
	return fyne.NewSize(s.Width, h)
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
