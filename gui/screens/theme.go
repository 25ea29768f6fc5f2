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
	// Easy is the easy-to-read language (FALC): its rules ask for big
	// text by default, so the window sets it with the language, not the
	// person.
	Easy bool
}

// Theme returns the window's theme adjusted to r.
func (r Reading) Theme() fyne.Theme { return readingTheme{base: theme.DefaultTheme(), r: r} }

type readingTheme struct {
	base fyne.Theme
	r    Reading
}

// Colour names of the window's own, besides Fyne's.
const (
	// ColorNameFocusRing and ColorNameFocusRingInner are the two strokes
	// of the focus ring (FocusRing): one of the two is at least 3:1
	// against whatever is next to it, a blue button as well as the page.
	ColorNameFocusRing      fyne.ThemeColorName = "ardoiseFocusRing"
	ColorNameFocusRingInner fyne.ThemeColorName = "ardoiseFocusRingInner"
)

// Every colour below was measured (TestContrastOfGoldenImages): text at
// least 4.5:1 on its background (7:1 in strong contrast), a control's
// outline or surface at least 3:1 against the page.
var (
	lightBG        = color.NRGBA{255, 255, 255, 255}
	lightFG        = color.NRGBA{26, 26, 26, 255}
	lightPrimary   = color.NRGBA{11, 61, 122, 255}   // white on it 10.7:1; its progress track 3.9:1
	lightSecondary = color.NRGBA{123, 147, 174, 255} // 3.2:1 against the page, text on it 5.5:1
	lightBorder    = color.NRGBA{89, 89, 89, 255}    // check boxes, fields: 7:1

	contrastBG     = color.NRGBA{0, 0, 0, 255}
	contrastFG     = color.NRGBA{255, 255, 255, 255}
	contrastAccent = color.NRGBA{255, 221, 0, 255}
)

func (t readingTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.r.Contrast {
		return t.contrastColor(n)
	}
	switch n {
	case theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return lightBG
	case theme.ColorNameForeground, theme.ColorNameForegroundOnWarning:
		return lightFG
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return lightPrimary
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess:
		return lightBG
	case theme.ColorNameButton, theme.ColorNameWarning:
		return lightSecondary
	case theme.ColorNameInputBorder, theme.ColorNameSeparator, theme.ColorNamePlaceHolder:
		return lightBorder
	case theme.ColorNameDisabled:
		return color.NRGBA{77, 77, 77, 255}
	case theme.ColorNameDisabledButton:
		return color.NRGBA{224, 224, 224, 255}
	case theme.ColorNameSuccess:
		return color.NRGBA{30, 123, 52, 255}
	case theme.ColorNameError:
		return color.NRGBA{179, 38, 30, 255}
	case theme.ColorNameFocus:
		// A light tint only: the ring shows the focus, and a strong fill
		// would hide the label (1.00:1 on blue buttons before).
		return color.NRGBA{0, 0, 0, 24}
	case ColorNameFocusRing:
		return color.NRGBA{0, 0, 0, 255}
	case ColorNameFocusRingInner:
		return lightBG
	}
	// The window is light whatever the desktop prefers: its colours are
	// measured on that.
	return t.base.Color(n, theme.VariantLight)
}

func (t readingTheme) contrastColor(n fyne.ThemeColorName) color.Color {
	switch n {
	case theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameOverlayBackground, theme.ColorNameMenuBackground,
		theme.ColorNameDisabledButton:
		return contrastBG
	case theme.ColorNameForeground, theme.ColorNameInputBorder, theme.ColorNameSeparator, theme.ColorNameSuccess,
		theme.ColorNameForegroundOnError:
		return contrastFG
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, ColorNameFocusRing:
		return contrastAccent
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnWarning, theme.ColorNameForegroundOnSuccess,
		ColorNameFocusRingInner:
		return contrastBG
	case theme.ColorNameButton:
		return color.NRGBA{40, 40, 40, 255}
	case theme.ColorNameWarning:
		// Secondary buttons: white with black text. A grey surface cannot
		// be 3:1 against black and carry white text at 7:1.
		return contrastFG
	case theme.ColorNameError:
		return color.NRGBA{255, 110, 110, 255}
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return color.NRGBA{200, 200, 200, 255}
	case theme.ColorNameFocus, theme.ColorNameHover:
		return color.NRGBA{128, 128, 128, 40}
	}
	return t.base.Color(n, theme.VariantDark)
}

// Sizes are larger than Fyne's: body text 18 px (Fyne's 14 is small at a
// metre from the screen for an elderly reader), and every button and
// check box at least 44 px high (WCAG 2.5.5) from its inner padding.
func (t readingTheme) Size(n fyne.ThemeSizeName) float32 {
	var s float32
	switch n {
	case theme.SizeNameText:
		s = 18
	case theme.SizeNameHeadingText:
		s = 30
	case theme.SizeNameSubHeadingText:
		s = 24
	case theme.SizeNameInlineIcon:
		s = 24
	case theme.SizeNameInnerPadding:
		s = 12
	case theme.SizeNamePadding:
		s = 6
	case theme.SizeNameInputBorder, theme.SizeNameSeparatorThickness:
		s = 2
	default:
		return t.base.Size(n)
	}
	if t.r.Easy {
		s *= 1.2
	}
	if t.r.Large {
		s *= 1.4
	}
	return s
}

func (t readingTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t readingTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }
