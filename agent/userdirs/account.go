package userdirs

import (
	"fmt"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
)

// Lookup returns the account uid from the password database, with the
// system-mode Source: hints are read from the account's own home folder,
// never from the environment, which the user controls. With CGO_ENABLED=0,
// os/user reads /etc/passwd; accounts only known to NSS (LDAP, sssd) are
// then not found, and the error says so.
func Lookup(uid uint32) (User, Source, error) {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return User{}, Source{}, fmt.Errorf("look up uid %d in the password database: %w", uid, err)
	}
	return systemAccount(u)
}

// LookupSID returns the Windows account whose SID is sid, with the
// system-mode Source, like [Lookup]: on Windows an account is its SID,
// and the uid of a Windows peer means nothing.
func LookupSID(sid string) (User, Source, error) {
	if runtime.GOOS != "windows" {
		return User{}, Source{}, fmt.Errorf("look up SID %s: accounts are SIDs on Windows only", sid)
	}
	u, err := user.LookupId(sid)
	if err != nil {
		return User{}, Source{}, fmt.Errorf("look up the account %s: %w", sid, err)
	}
	return systemAccount(u)
}

// LookupName returns the account called name from the password database,
// with the system-mode Source, like [Lookup].
func LookupName(name string) (User, Source, error) {
	if runtime.GOOS == "windows" {
		// The account's SID first (LookupAccountName), then the account
		// by SID, as for a peer: os/user's Lookup also asks NetUserGetInfo
		// for a display name Ardoise does not need.
		sid, err := accountSID(name)
		if err != nil {
			return User{}, Source{}, fmt.Errorf("look up the account %q: %w", name, err)
		}
		return LookupSID(sid)
	}
	u, err := user.Lookup(name)
	if err != nil {
		return User{}, Source{}, fmt.Errorf("look up account %q in the password database: %w", name, err)
	}
	return systemAccount(u)
}

// Current returns the user running this program, for the agent in the
// foreground: the home folder comes from $HOME and the configuration folder
// from $XDG_CONFIG_HOME (default $HOME/.config), as desktop programs do, so
// that a scratch home can be used in tests. getenv is os.Getenv outside
// tests. A relative $HOME or $XDG_CONFIG_HOME is ignored, as the XDG base
// directory specification says.
func Current(getenv func(string) string) (User, Source, error) {
	u, err := user.Current()
	if err != nil {
		return User{}, Source{}, fmt.Errorf("find out who is running Ardoise: %w", err)
	}
	usr, err := accountFromOS(u)
	if err != nil {
		return User{}, Source{}, err
	}
	if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
		usr.Home = filepath.Clean(h)
	}
	cfg := getenv("XDG_CONFIG_HOME")
	if cfg == "" || !filepath.IsAbs(cfg) {
		cfg = filepath.Join(usr.Home, ".config")
	}
	return usr, Source{Mode: Foreground, ConfigDir: filepath.Clean(cfg)}, nil
}

func systemAccount(u *user.User) (User, Source, error) {
	usr, err := accountFromOS(u)
	if err != nil {
		return User{}, Source{}, err
	}
	return usr, Source{Mode: System, ConfigDir: filepath.Join(usr.Home, ".config")}, nil
}

// numericAccount converts an os/user account with numeric ids (every OS
// but Windows).
func numericAccount(u *user.User) (User, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return User{}, fmt.Errorf("account %q has no numeric uid/gid (%q, %q)", u.Username, u.Uid, u.Gid)
	}
	if !filepath.IsAbs(u.HomeDir) {
		return User{}, fmt.Errorf("account %q has no absolute home folder in the password database (%q)", u.Username, u.HomeDir)
	}
	return User{UID: uint32(uid), GID: uint32(gid), Name: u.Username, Home: filepath.Clean(u.HomeDir)}, nil
}
