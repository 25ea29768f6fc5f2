//go:build !linux && !windows && !darwin

package browsers

// known is empty where Ardoise does not run.
var known []Browser
