// Package assets holds the files Ardoise shows besides its text: the icon
// of the window and of the login entry.
package assets

import _ "embed"

// Icon is Ardoise's icon, a slate with a chalk tick (SVG).
//
//go:embed ardoise.svg
var Icon []byte
