package main

import "golang.org/x/sys/windows"

// privileged reports whether the agent may run as the system service: as
// LocalSystem (the service account) or from an elevated administrator's
// console.
func privileged() bool {
	tok := windows.GetCurrentProcessToken()
	if u, err := tok.GetTokenUser(); err == nil && u.User.Sid.String() == "S-1-5-18" {
		return true
	}
	return tok.IsElevated()
}

const needPrivilege = "--system needs the service account or an administrator's elevated console: the system service cleans other accounts' folders"
