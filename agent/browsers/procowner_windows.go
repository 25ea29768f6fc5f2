package browsers

import (
	"context"
	"strings"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/windows"
)

// runBy reports whether p runs as one of o's SIDs, read from the
// process's token: Windows accounts have no uid.
func runBy(_ context.Context, p *process.Process, o account) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.Pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return false
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return false
	}
	sid := u.User.Sid.String()
	for _, s := range o.sids {
		if strings.EqualFold(s, sid) {
			return true
		}
	}
	return false
}

// sameExe compares program paths as Windows does: without case.
func sameExe(a, b string) bool { return strings.EqualFold(a, b) }
