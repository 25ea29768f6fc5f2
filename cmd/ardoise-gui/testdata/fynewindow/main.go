// Command fynewindow is BenchmarkWindowStart's third reference: the
// smallest Fyne window there is, full screen, one line of text and one
// button, with Fyne's own theme. What it costs is the toolkit's floor on
// the machine: Fyne's code, the fonts it parses (its bundled ones and the
// system font it looks up for the desktop's language), its textures in
// the renderer. The window's cost above it is Ardoise's own.
package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.New()
	w := a.NewWindow("fynewindow")
	w.SetContent(container.NewVBox(
		widget.NewLabel("Bonjour"),
		widget.NewButton("J'ai compris", func() {}),
	))
	w.SetFullScreen(true)
	w.ShowAndRun()
}
