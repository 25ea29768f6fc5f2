//go:build !linux

package safefs

import "github.com/ardoise-fr/ardoise/agent/cryptoerase"

// FrozenWithoutKey is false outside Linux: per-session folder encryption
// exists on Linux only (package cryptoerase), so no folder is ever frozen
// by a removed key here.
func (d *Dir) FrozenWithoutKey(cryptoerase.ID) bool { return false }
