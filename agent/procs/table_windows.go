package procs

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// System is Windows' process table. It is listed, with each process's
// owner SID, so that the service can tell when a kiosk account is in use
// or has logged off; ending an account's processes (EndUser) is not done
// on Windows yet: the plan is to log the account off (WTSLogoffSession).
type System struct{}

var errUnsupported = errors.New("this version of Ardoise does not end an account's processes on Windows")

// List returns every process with its owner's SID; a process whose token
// cannot be read (a protected one) is listed without owner, so it belongs
// to no account.
func (System) List() ([]Proc, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	var out []Proc
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		p := Proc{PID: int(e.ProcessID), UIDs: [4]uint32{0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}}
		p.Owner, p.Start, p.Exe = processInfo(e.ProcessID)
		out = append(out, p)
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, err
	}
	return out, nil
}

// processInfo reads pid's owner SID, start time (100 ns since 1601) and
// program; what cannot be read is left empty.
func processInfo(pid uint32) (owner string, start uint64, exe string) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return "", 0, ""
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if windows.GetProcessTimes(h, &created, &exited, &kernel, &user) == nil {
		start = uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime)
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) == nil {
		exe = windows.UTF16ToString(buf[:n])
	}
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) == nil {
		if u, err := tok.GetTokenUser(); err == nil {
			owner = u.User.Sid.String()
		}
		tok.Close()
	}
	return owner, start, exe
}

// Open fails: ending processes is not done on Windows yet.
func (System) Open(pid int) (Handle, error) { return nil, errUnsupported }
