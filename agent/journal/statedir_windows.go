package journal

import (
	"fmt"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

// CheckStateDir verifies that dir is a real folder owned by the agent's
// account (or by SYSTEM or the administrators, for the service), and that
// every folder above it is owned by a built-in account or by the agent's
// own (threats.md S2, D10). Windows protects folders with ACLs rather than
// modes: the profile's AppData and ProgramData give other users nothing to
// write, and the owner is who could change that.
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
	switch owner := d.Info().Owner; {
	case strings.EqualFold(owner, self), owner == "S-1-5-18", owner == "S-1-5-32-544":
		return nil
	default:
		return fmt.Errorf("state directory %s is owned by %s, not by the agent's account %s: %w (remove it and let the agent create it again)", dir, owner, self, ErrUnsafeStateDir)
	}
}

func ownSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}
