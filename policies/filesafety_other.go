//go:build !linux

package policies

// CheckFileSafety accepts any policy file on this operating system. On
// Windows the installer sets the ACL of %ProgramData%\Ardoise (SYSTEM and
// Administrators: full control; Users: read) and the service checks that
// folder, not each file; on macOS the file lives in a root-owned folder.
func CheckFileSafety(path string) error { return nil }
