package agent

import (
	"os"
	"path/filepath"
)

// systemStateDir is %ProgramData%\Ardoise\state, where the installer puts
// it: ProgramData is writable by administrators and SYSTEM only.
func systemStateDir() string {
	pd := os.Getenv("ProgramData")
	if !filepath.IsAbs(pd) {
		pd = `C:\ProgramData`
	}
	return filepath.Join(pd, "Ardoise", "state")
}
