//go:build !windows

package main

import "github.com/ardoise-fr/ardoise/installer"

// systemRegistry is nil: only Windows has a registry.
func systemRegistry() installer.Registry { return nil }
