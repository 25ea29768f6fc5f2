// Package usbkey lets the window copy a document to the person's own USB
// key before the end of the session erases it. It runs in the window, as
// the person: it can only read what they can read, and write where they
// can write. It finds keys where the desktop mounts them for the user
// (/media/USER/…, /run/media/USER/…), on the file systems keys use.
package usbkey

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Key is a mounted removable drive.
type Key struct {
	// Path is where it is mounted.
	Path string
	// Label is its name as the desktop shows it (the mount point's last
	// folder: "CLE_MARIE").
	Label string
}

// keyTypes are the file systems USB keys and memory cards come with.
var keyTypes = map[string]bool{"vfat": true, "exfat": true, "ntfs": true, "ntfs3": true, "fuseblk": true, "msdos": true, "udf": true}

// Find returns the keys mounted for user, read from the mount table.
func Find(user string) ([]Key, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parse(data, user), nil
}

func parse(mountinfo []byte, user string) []Key {
	var keys []Key
	prefixes := []string{"/media/" + user + "/", "/run/media/" + user + "/"}
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+1 >= len(f) || !keyTypes[f[sep+1]] {
			continue
		}
		point := unescape(f[4])
		for _, p := range prefixes {
			if strings.HasPrefix(point, p) && !strings.Contains(strings.TrimPrefix(point, p), "/") {
				keys = append(keys, Key{Path: point, Label: filepath.Base(point)})
			}
		}
	}
	return keys
}

// unescape decodes the mount table's octal escapes ("\040" is a space).
// The agent has its own (agent/safefs): the window shares nothing with the
// privileged side but the wire types.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ErrNotAFile means the document is not a plain file any more (a link or
// a folder took its name): nothing is copied.
var ErrNotAFile = errors.New("is not a plain file")

// Copy copies the file at src to the top of the key, under its own name,
// or "name (2).ext" and so on when the key already has one: nothing on the
// key is ever replaced. A link at src is not followed. It returns the
// path written.
func Copy(src string, key Key) (string, error) {
	in, err := os.OpenFile(src, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return "", fmt.Errorf("open the document: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", ErrNotAFile
	}
	name := filepath.Base(src)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for n := 1; n < 1000; n++ {
		dst := filepath.Join(key.Path, name)
		if n > 1 {
			dst = filepath.Join(key.Path, fmt.Sprintf("%s (%d)%s", stem, n, ext))
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|createFlags, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("write on the key: %w", err)
		}
		_, err = io.Copy(out, in)
		if err == nil {
			err = out.Sync() // the person may pull the key out at once
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
			return "", fmt.Errorf("write on the key (is it full?): %w", err)
		}
		syncDir(key.Path)
		return dst, nil
	}
	return "", errors.New("too many documents of this name on the key")
}

// syncDir writes the key's folder to the key, so that the new name is
// there too when the window says the key can be taken out (on a FAT key
// the file's entry lives in its folder). Best effort: some systems
// cannot sync a folder, and the file itself is synced already.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
