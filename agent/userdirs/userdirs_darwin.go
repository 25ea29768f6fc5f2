package userdirs

import "os/user"

func accountFromOS(u *user.User) (User, error) { return numericAccount(u) }

// tempLocation is /private/tmp: /tmp is a symbolic link to it on macOS,
// and the opener refuses links. $TMPDIR (a per-user folder under
// /var/folders) comes from the environment, which belongs to the user (T3).
func tempLocation(User) (base, anchor, rel string, err error) {
	return BaseTemp, "/private/tmp", ".", nil
}

// userFolder on macOS is the fixed English name: the Finder shows
// "Téléchargements" for ~/Downloads, but the folder on disk keeps its
// name, and there is no per-user setting to read.
func userFolder(_ User, _ Source, ph string) (hint, error) {
	return hint{rel: defaultNames[ph]}, nil
}
