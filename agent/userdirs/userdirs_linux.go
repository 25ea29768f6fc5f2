package userdirs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ardoise-fr/ardoise/agent/safefs"
)

func accountFromOS(u *user.User) (User, error) { return numericAccount(u) }

// tempLocation is /tmp, not $TMPDIR: the environment belongs to the user
// (T3), and $TMPDIR=/ or =$HOME/.. would name anything. /tmp is shared, so
// the wipe's owner rule (only entries owned by the session user) is what
// keeps other users' files there safe.
func tempLocation(User) (base, anchor, rel string, err error) {
	return BaseTemp, "/tmp", ".", nil
}

// userFolder reads the user's XDG setting for ph from user-dirs.dirs.
func userFolder(u User, src Source, ph string) (hint, error) {
	def := defaultNames[ph]
	data, code := readUserDirs(u, src)
	if code != "" {
		return refused(def, code), nil
	}
	return xdgFolder(u.Home, data, xdgKeys[ph], def), nil
}

// readUserDirs returns the content of user-dirs.dirs, "" when there is
// none, or a refusal code. The file and the folders above it belong to the
// user, so it is opened the way roots are: from "/" (or the home folder)
// one component at a time without following links, refusing a mount point
// on the way, and the file itself with O_NOFOLLOW|O_NONBLOCK and only if it
// is a regular file. A link to /etc/shadow, a FIFO (which would block a
// plain open forever) or a FUSE mount of the user's are all refused.
func readUserDirs(u User, src Source) (string, string) {
	cfg := src.ConfigDir
	if cfg == "" || !path.IsAbs(cfg) {
		return "", ""
	}
	cfg = path.Clean(cfg)
	opts := safefs.RootOptions{TrustedUIDs: []uint32{u.UID}}
	var dir *safefs.Dir
	var err error
	if rel, ok := strings.CutPrefix(cfg, u.Home+"/"); ok && u.Home != "/" {
		home, herr := safefs.OpenRoot(u.Home, opts)
		if herr != nil {
			return "", openCode(herr)
		}
		defer home.Close()
		// Do not even stat a mount point under the home folder: a FUSE
		// server the user runs can make that hang (threats.md M3).
		if mps, merr := home.MountPoints(); merr == nil {
			for mp := range mps {
				if mp == rel || strings.HasPrefix(rel, mp+"/") || mp == rel+"/user-dirs.dirs" {
					return "", CodeOtherMount
				}
			}
		}
		dir, err = home.OpenBeneath(rel, opts)
	} else {
		dir, err = safefs.OpenRoot(cfg, opts)
	}
	if err != nil {
		return "", openCode(err)
	}
	defer dir.Close()
	fd, err := unix.Openat(dir.Fd(), "user-dirs.dirs", unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return "", openCode(err)
	}
	f := os.NewFile(uintptr(fd), path.Join(cfg, "user-dirs.dirs"))
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return "", CodeUnreadable
	}
	if st.Size > maxUserDirsFile {
		return "", CodeTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUserDirsFile+1))
	switch {
	case err != nil:
		return "", CodeUnreadable
	case len(data) > maxUserDirsFile:
		return "", CodeTooLarge // it grew after the fstat
	}
	return string(data), ""
}

// openCode maps an open failure: a missing file or folder means "no
// setting", anything else refuses the user's settings.
func openCode(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ""
	case errors.Is(err, safefs.ErrOtherMount):
		return CodeOtherMount
	}
	return CodeUnreadable
}
