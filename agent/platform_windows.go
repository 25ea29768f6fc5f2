package agent

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
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

// localDomain is the domain of the computer's own accounts (its NetBIOS
// name: PC-BIBLI for PC-BIBLI\lecteur).
func localDomain() string {
	n, err := windows.ComputerName()
	if err != nil {
		return ""
	}
	return n
}
