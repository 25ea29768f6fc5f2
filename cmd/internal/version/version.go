// Package version is Ardoise's one version number. It lives in the VERSION
// file next to this one: installer/build reads it for the packages and links
// it into the programs, and every other build embeds it, so that a package,
// its programs and a developer's build never disagree on what they are.
package version

import (
	_ "embed"
	"runtime/debug"
	"strings"
)

//go:embed VERSION
var file string

// release is set by installer/build at link time
// (-ldflags "-X github.com/ardoise-fr/ardoise/cmd/internal/version.release=X.Y.Z"),
// to the version of the packages it builds.
var release = ""

// File is the content of the VERSION file: the version of the next
// packages.
func File() string { return strings.TrimSpace(file) }

// String is the version a program reports: the packages' version in a
// build made by installer/build; otherwise VERSION marked as a development
// build, with the commit when Go recorded one ("0.1.0+dev.1a2b3c4.dirty"),
// so that a test build is never mistaken for the release.
func String() string {
	if release != "" {
		return release
	}
	v := File() + "+dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev string
		var dirty bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 7 {
			rev = rev[:7]
		}
		if rev != "" {
			v += "." + rev
		}
		if dirty {
			v += ".dirty"
		}
	}
	return v
}
