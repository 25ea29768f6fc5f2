package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Reading is how the person asked to see the window.
type Reading struct {
	// Large makes every text and control about 40 % larger.
	Large bool
	// Contrast shows white and yellow on black, with no grey.
	Contrast bool
}

// Theme returns Fyne's theme adjusted to r.
func (r Reading) Theme() fyne.Theme { return readingTheme{base: theme.DefaultTheme(), r: r} }

type readingTheme struct {
	base fyne.Theme
	r    Reading
}

var (
	contrastBG     = color.NRGBA{0, 0, 0, 255}
	contrastFG     = color.NRGBA{255, 255, 255, 255}
	contrastAccent = color.NRGBA{255, 221, 0, 255}
)

func (t readingTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if !t.r.Contrast {
		return t.base.Color(n, v)
	}
	switch n {
	case theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground:
		return contrastBG
	case theme.ColorNameForeground, theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return contrastFG
	case theme.ColorNamePrimary, theme.ColorNameFocus, theme.ColorNameHyperlink:
		return contrastAccent
	case theme.ColorNameForegroundOnPrimary:
		return contrastBG
	case theme.ColorNameButton:
		return color.NRGBA{40, 40, 40, 255}
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return color.NRGBA{200, 200, 200, 255}
	}
	return t.base.Color(n, v)
}

func (t readingTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.base.Size(n)
	if t.r.Large {
		switch n {
		case theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
			theme.SizeNameInlineIcon, theme.SizeNamePadding, theme.SizeNameInnerPadding:
			return s * 1.4
		}
	}
	return s
}

func (t readingTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t readingTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }
