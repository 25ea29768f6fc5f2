//go:build !unix

package usbkey

// On Windows keys are drive letters, which Find does not list yet; the
// checks after opening (a plain file) still apply.
const (
	openFlags   = 0
	createFlags = 0
)
