package userdirs

import (
	"errors"
	"fmt"
	"os/user"
	"path/filepath"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const (
	// profileListKey (HKLM) maps a SID to its profile folder. Only
	// administrators can change it.
	profileListKey = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`
	// shellFoldersKey (under HKEY_USERS\<SID>, the user's HKCU) holds the
	// user's own folder settings: hints.
	shellFoldersKey = `Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders`
)

// accountFromOS takes the SID from os/user and the profile folder from
// HKLM ProfileList, never from the user's environment (%USERPROFILE%).
func accountFromOS(u *user.User) (User, error) {
	home, err := profileDir(u.Uid)
	if err != nil {
		return User{}, err
	}
	return User{Name: u.Username, Home: home, SID: u.Uid}, nil
}

// profileDir reads ProfileImagePath for sid. It is REG_EXPAND_SZ
// ("%SystemDrive%\Users\x"): it is expanded with the agent's environment,
// the service's, which the user does not control.
func profileDir(sid string) (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileListKey+`\`+sid, registry.QUERY_VALUE)
	if err != nil {
		return "", fmt.Errorf("read the profile folder of %s from HKLM ProfileList: %w", sid, err)
	}
	defer k.Close()
	v, err := boundedString(k, "ProfileImagePath")
	if err != nil {
		return "", fmt.Errorf("read the profile folder of %s from HKLM ProfileList: %w", sid, err)
	}
	p, err := registry.ExpandString(v)
	if err != nil {
		return "", fmt.Errorf("expand the profile folder %q of %s: %w", v, sid, err)
	}
	if !isDrivePath(p) {
		return "", fmt.Errorf("the profile folder of %s is %q, not a folder on a local drive; Ardoise does not clean roaming or network profiles", sid, p)
	}
	return filepath.Clean(p), nil
}

// tempLocation is the user's own temporary folder beneath the profile,
// resolved from the profile, not from %TEMP% (the user's environment), and
// never C:\Windows\Temp, which is shared with the system (W5).
func tempLocation(u User) (base, anchor, rel string, err error) {
	return BaseHome, u.Home, "AppData/Local/Temp", nil
}

// userFolder reads the user's shell-folder values from HKEY_USERS\<SID>
// and checks them with windowsFolder. The hive is only loaded while the
// user is logged on; otherwise the default names are used and the log says
// why.
func userFolder(u User, _ Source, ph string) (hint, error) {
	def := defaultNames[ph]
	if u.SID == "" {
		return hint{}, fmt.Errorf("account %q has no SID; look it up with LookupName or Current", u.Name)
	}
	k, err := registry.OpenKey(registry.USERS, u.SID+`\`+shellFoldersKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return hint{rel: def}, nil
	}
	if err != nil {
		return refused(def, CodeUnreadable), nil
	}
	defer k.Close()
	values := map[string]string{}
	for _, name := range knownFolderValues[ph] {
		v, err := boundedString(k, name)
		switch {
		case errors.Is(err, registry.ErrNotExist):
			continue
		case err != nil:
			return refused(def, CodeInvalid), nil
		}
		values[name] = v
	}
	return windowsFolder(u.Home, values, ph), nil
}

// boundedString reads a REG_SZ or REG_EXPAND_SZ value as stored (not
// expanded), refusing one larger than maxRegistryValue: the user writes
// these values.
func boundedString(k registry.Key, name string) (string, error) {
	n, typ, err := k.GetValue(name, nil)
	if err != nil {
		return "", err
	}
	if typ != registry.SZ && typ != registry.EXPAND_SZ {
		return "", fmt.Errorf("value %s has registry type %d, not a string", name, typ)
	}
	if n > 2*maxRegistryValue {
		return "", fmt.Errorf("value %s is %d bytes long", name, n)
	}
	v, _, err := k.GetStringValue(name)
	return v, err
}

// accountSID is the SID of the account called name (LookupAccountName).
func accountSID(name string) (string, error) {
	sid, _, _, err := windows.LookupSID("", name)
	if err != nil {
		return "", err
	}
	return sid.String(), nil
}
