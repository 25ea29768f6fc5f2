package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// CheckStateDir verifies that dir is a real folder owned by the agent's
// account (or by SYSTEM or the administrators, for the service), that no
// other account may write in it, and that every folder above it is owned
// by a built-in account or by the agent's own (threats.md S2, D10).
// Windows protects folders with ACLs rather than modes; ProgramData, for
// one, lets every user create files in a new folder by inheritance, so a
// state folder must have its own protected DACL (MakeStateDir).
func CheckStateDir(dir string) error {
	self, err := ownSID()
	if err != nil {
		return fmt.Errorf("state directory %s: cannot tell which account the agent runs as: %w", dir, err)
	}
	d, err := safefs.OpenRoot(dir, safefs.RootOptions{TrustedSIDs: []string{self}})
	if err != nil {
		return fmt.Errorf("state directory %s: %w: %w; it must be a real folder (no junction) whose parents only you, SYSTEM and the administrators own", dir, ErrUnsafeStateDir, err)
	}
	defer d.Close()
	trusted := func(sid string) bool {
		return strings.EqualFold(sid, self) || sid == sidSystem || sid == sidAdministrators
	}
	if owner := d.Info().Owner; !trusted(owner) {
		return fmt.Errorf("state directory %s is owned by %s, not by the agent's account %s: %w (remove it and let the agent create it again)", dir, owner, self, ErrUnsafeStateDir)
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(d.Fd()), windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("state directory %s: read who may write in it: %w", dir, err)
	}
	if who := writers(sd, trusted); len(who) > 0 {
		return fmt.Errorf("state directory %s lets %s write in it: %w (remove the folder, for example with rmdir /s, and start the agent again: it makes it private)", dir, strings.Join(who, ", "), ErrUnsafeStateDir)
	}
	return nil
}

const (
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
	sidCreatorOwner   = "S-1-3-0" // stands for whoever creates an entry: who could already write
	fileDeleteChild   = 0x40      // FILE_DELETE_CHILD
	// writeRights is every right that changes a folder or what is in it.
	writeRights = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.FILE_WRITE_EA | fileDeleteChild |
		windows.FILE_WRITE_ATTRIBUTES | windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER |
		windows.GENERIC_WRITE | windows.GENERIC_ALL | windows.MAXIMUM_ALLOWED
)

// writers lists the SIDs that sd's DACL allows to write, other than the
// trusted ones; a missing DACL lets everyone.
func writers(sd *windows.SECURITY_DESCRIPTOR, trusted func(string) bool) []string {
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return []string{"everyone (no access list)"}
	}
	var out []string
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if windows.GetAce(dacl, i, &ace) != nil {
			return []string{"an unreadable access list entry"}
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Mask&writeRights == 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart)).String()
		if !trusted(sid) && sid != sidCreatorOwner {
			out = append(out, sid)
		}
	}
	return out
}

// MakeStateDir creates the state folder dir if it is missing, with a
// protected DACL: full control to the agent's account, SYSTEM and the
// administrators, nothing to anyone else, inherited by what it holds. An
// existing folder is left as it is: CheckStateDir judges it.
func MakeStateDir(dir string) error {
	if _, err := os.Lstat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create the folder above the state folder %s: %w", dir, err)
	}
	self, err := ownSID()
	if err != nil {
		return fmt.Errorf("create the state folder %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;" + self + ")")
	if err != nil {
		return fmt.Errorf("create the state folder %s: %w", dir, err)
	}
	sa := &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	if err := windows.CreateDirectory(p, sa); err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return fmt.Errorf("create the state folder %s: %w", dir, err)
	}
	return nil
}

func ownSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}
