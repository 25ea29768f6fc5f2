//go:build unix

package browsers

import (
	"os"
	"syscall"
)

// owner is a file's owner, kept to put an organisation's file back as it
// was.
type owner struct {
	UID int `json:"uid"`
	GID int `json:"gid"`
}

func ownerOf(fi os.FileInfo) *owner {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return &owner{UID: int(st.Uid), GID: int(st.Gid)}
	}
	return nil
}

// apply gives the open file f to o; nil means the file is Ardoise's own
// (root's). As before, a failure leaves it root's: readable all the same.
func (o *owner) apply(f *os.File) {
	if o != nil {
		f.Chown(o.UID, o.GID)
	}
}
