//go:build !windows

package agent

func systemStateDir() string { return "/var/lib/ardoise" }
