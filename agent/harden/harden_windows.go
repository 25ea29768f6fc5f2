package harden

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

const (
	processRedirectionTrustPolicy = 16  // PROCESS_MITIGATION_POLICY enum
	enforceRedirectionTrust       = 0x1 // PROCESS_MITIGATION_REDIRECTION_TRUST_POLICY.EnforceRedirectionTrust
)

var (
	kernel32                       = windows.NewLazySystemDLL("kernel32.dll")
	procSetProcessMitigationPolicy = kernel32.NewProc("SetProcessMitigationPolicy")
	procGetProcessMitigationPolicy = kernel32.NewProc("GetProcessMitigationPolicy")
	procAdjustTokenPrivileges      = windows.NewLazySystemDLL("advapi32.dll").NewProc("AdjustTokenPrivileges")
)

func apply() []Step {
	return []Step{
		// RedirectionGuard: the process no longer follows junctions made by
		// users who are not administrators, wherever a path is still used
		// (W13). It exists from Windows 10 22H2 and Windows 11.
		{Name: "redirection guard", Err: enableRedirectionGuard()},
		// With these privileges enabled, safefs's FILE_OPEN_FOR_BACKUP_INTENT
		// opens can delete a session file whose DACL denies the service
		// (W9).
		{Name: "backup and restore privileges", Err: enablePrivileges("SeBackupPrivilege", "SeRestorePrivilege")},
	}
}

func enableRedirectionGuard() error {
	if err := procSetProcessMitigationPolicy.Find(); err != nil {
		return fmt.Errorf("this Windows is too old for process mitigation policies: %w", err)
	}
	flags := uint32(enforceRedirectionTrust)
	r, _, err := procSetProcessMitigationPolicy.Call(processRedirectionTrustPolicy, uintptr(unsafe.Pointer(&flags)), unsafe.Sizeof(flags))
	if r == 0 {
		return fmt.Errorf("SetProcessMitigationPolicy(RedirectionTrust) (needs Windows 10 22H2 or Windows 11): %w", err)
	}
	return nil
}

// RedirectionGuardEnforced reads back whether this process refuses
// junctions made by non-administrators (W13).
func RedirectionGuardEnforced() (bool, error) {
	if err := procGetProcessMitigationPolicy.Find(); err != nil {
		return false, err
	}
	var flags uint32
	r, _, err := procGetProcessMitigationPolicy.Call(uintptr(windows.CurrentProcess()), processRedirectionTrustPolicy, uintptr(unsafe.Pointer(&flags)), unsafe.Sizeof(flags))
	if r == 0 {
		return false, fmt.Errorf("GetProcessMitigationPolicy(RedirectionTrust): %w", err)
	}
	return flags&enforceRedirectionTrust != 0, nil
}

func enablePrivileges(names ...string) error {
	var tok windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &tok); err != nil {
		return fmt.Errorf("open the service's token: %w", err)
	}
	defer tok.Close()
	var errs []error
	for _, n := range names {
		var luid windows.LUID
		if err := windows.LookupPrivilegeValue(nil, windows.StringToUTF16Ptr(n), &luid); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		tp := windows.Tokenprivileges{PrivilegeCount: 1}
		tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
		// AdjustTokenPrivileges succeeds with ERROR_NOT_ALL_ASSIGNED when
		// the account lacks the privilege: that is a failure here.
		if err := adjust(tok, &tp); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// adjust enables tp's privilege. AdjustTokenPrivileges succeeds with
// ERROR_NOT_ALL_ASSIGNED as its last error when the account lacks the
// privilege; Call reads that error at once, on the same thread.
func adjust(tok windows.Token, tp *windows.Tokenprivileges) error {
	r, _, err := procAdjustTokenPrivileges.Call(uintptr(tok), 0, uintptr(unsafe.Pointer(tp)), 0, 0, 0)
	if r == 0 {
		return err
	}
	if errors.Is(err, windows.ERROR_NOT_ALL_ASSIGNED) {
		return errors.New("the account does not hold it (run the service as LocalSystem)")
	}
	return nil
}
