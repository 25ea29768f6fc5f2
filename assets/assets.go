// Package assets holds the files Ardoise shows besides its text: the icon
// of the window and of the login entry, and the pictures beside each idea
// of the easy-to-read notice (LICENCE.md says whose they are).
package assets

import _ "embed"

// Icon is Ardoise's icon, a slate with a chalk tick (SVG).
//
//go:embed ardoise.svg
var Icon []byte

// Pictures of the easy-to-read (FALC) texts, one per idea, as the
// European easy-to-read rules ask: a shield for what the computer does
// not keep, a bin for what it erases, a key for a password, a USB key, a
// padlock for the accounts it closes, a screen with a tick for a computer
// ready for the next person, a clock for the time, the front desk for
// the staff, a warning sign for what could not be done.
var (
	//go:embed shield.svg
	Shield []byte
	//go:embed bin.svg
	Bin []byte
	//go:embed key.svg
	Key []byte
	//go:embed usbkey.svg
	USBKey []byte
	//go:embed lock.svg
	Lock []byte
	//go:embed ready.svg
	Ready []byte
	//go:embed clock.svg
	Clock []byte
	//go:embed desk.svg
	Desk []byte
	//go:embed warning.svg
	Warning []byte
)
