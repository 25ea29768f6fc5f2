// Package browsers looks after the programs the public uses to go on the
// Internet: which ones are installed, the managed settings that make private
// browsing the only mode and stop them from keeping passwords, how to open
// one in private mode, how to close a user's browsers at the end of a
// session, and which profile data to clear afterwards so that no account
// stays logged in even when private mode was bypassed.
//
// Managed settings are files or registry keys the browsers read at start
// and the user cannot change: Chromium, Chrome and Edge read every JSON file
// of a "managed" folder (Ardoise writes its own file there), Firefox reads
// one policies.json (Ardoise merges its settings into the organisation's
// and keeps what it found, to put it back on removal). Windows and macOS
// take registry values and configuration profiles; this package produces
// their exact content, and the installer delivers it.
package browsers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
)

// ID names a browser as the policy does.
type ID string

// The browsers Ardoise knows, as the policy names them.
const (
	Firefox  ID = "firefox"
	Chromium ID = "chromium"
	Chrome   ID = "chrome"
	Edge     ID = "edge"
)

// IDs lists every known browser, in the order reports use.
var IDs = []ID{Firefox, Chromium, Chrome, Edge}

// Family tells which settings format a browser takes.
type Family int

const (
	// MozillaFamily reads policies.json.
	MozillaFamily Family = iota + 1
	// ChromiumFamily reads managed JSON files (Linux), registry values
	// (Windows) or managed preferences (macOS) with Chromium's names.
	ChromiumFamily
)

// Browser is what Ardoise knows about one browser on this operating
// system.
type Browser struct {
	ID ID
	// Name is the product name, for logs and the window.
	Name   string
	Family Family
	// PrivateFlag opens a private window from the command line.
	PrivateFlag string
	// Launchers are the commands that start the browser, first found
	// first used (Linux; elsewhere the first executable).
	Launchers []string
	// Executables are the installed programs' usual paths; processes are
	// recognised by them, since a browser's helper processes have other
	// names than the browser (threats.md, libraries.md §4).
	Executables []string
	// PolicyFile is where the managed settings go (Linux; "" elsewhere).
	PolicyFile string
	// ProfileRoots are the folders, relative to the home folder and
	// "/"-separated, that hold the profiles (configuration and cache).
	ProfileRoots []string
	// Registry is the Windows policy key under HKEY_LOCAL_MACHINE.
	Registry string
	// MacDomain is the macOS managed preferences domain.
	MacDomain string
}

// managedHomes are where each browser's managed settings live on Windows
// (a key under HKEY_LOCAL_MACHINE) and macOS (a managed-preferences
// domain). They are the same whatever system produces them, so that
// "ardoise browsers show windows" works from Linux too.
var managedHomes = map[ID]struct{ registry, macDomain string }{
	Firefox:  {`SOFTWARE\Policies\Mozilla\Firefox`, "org.mozilla.firefox"},
	Chromium: {`SOFTWARE\Policies\Chromium`, "org.chromium.Chromium"},
	Chrome:   {`SOFTWARE\Policies\Google\Chrome`, "com.google.Chrome"},
	Edge:     {`SOFTWARE\Policies\Microsoft\Edge`, "com.microsoft.Edge"},
}

func init() {
	for i := range known {
		h := managedHomes[known[i].ID]
		known[i].Registry, known[i].MacDomain = h.registry, h.macDomain
	}
}

// Lookup returns the browser id names on this operating system.
func Lookup(id ID) (Browser, error) {
	for _, b := range known {
		if b.ID == id {
			return b, nil
		}
	}
	return Browser{}, fmt.Errorf("unknown browser %q (known: firefox, chromium, chrome, edge)", id)
}

// Select returns the browsers named, in the order of IDs, skipping
// unknown names (the policy validator has refused them already).
func Select(names []string) []Browser {
	var out []Browser
	for _, b := range known {
		if slices.Contains(names, string(b.ID)) {
			out = append(out, b)
		}
	}
	return out
}

// Installed returns the browsers whose program is on this computer.
func Installed() []Browser {
	var out []Browser
	for _, b := range known {
		if _, err := b.program(); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// ErrNotInstalled means none of a browser's programs is on this computer.
var ErrNotInstalled = errors.New("is not installed on this computer")

func (b Browser) program() (string, error) {
	for _, p := range append(slices.Clone(b.Launchers), b.Executables...) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %w", b.Name, ErrNotInstalled)
}

// PrivateCommand returns the command that opens b in a private window, on
// startPage when it is not empty. The caller runs it as the session's user,
// never as root, in that user's graphical session.
func PrivateCommand(ctx context.Context, b Browser, startPage string) (*exec.Cmd, error) {
	prog, err := b.program()
	if err != nil {
		return nil, err
	}
	args := []string{b.PrivateFlag}
	if startPage != "" {
		args = append(args, startPage)
	}
	return exec.CommandContext(ctx, prog, args...), nil
}

// StartPrivate opens b in a private window on startPage ("" for the
// browser's own) as the calling process's user, and does not wait for it
// to end.
func StartPrivate(b Browser, startPage string) error {
	cmd, err := PrivateCommand(context.Background(), b, startPage)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
