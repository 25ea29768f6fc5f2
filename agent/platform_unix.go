//go:build !windows

package agent

func systemStateDir() string { return "/var/lib/ardoise" }

// localDomain is the computer's own account domain: Windows only.
func localDomain() string { return "" }
