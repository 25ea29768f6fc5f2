package endsteps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// emptyXBEL is a recently-used list with nothing in it.
const emptyXBEL = `<?xml version="1.0" encoding="UTF-8"?>
<xbel version="1.0"
      xmlns:bookmark="http://www.freedesktop.org/standards/desktop-bookmarks"
      xmlns:mime="http://www.freedesktop.org/standards/shared-mime-info"
>
</xbel>
`

// recentStep empties the desktop's list of recently used files if the
// session changed or created it. The old file is not written into: the
// wipe replaces it with an empty one (wipe.Rewrite), only if it is still
// the file judged here.
type recentStep struct {
	nop
	rel   string       // the list's path beneath the home, "" when not asked
	at    *safefs.Info // the list at the start, nil if absent
	share *safefs.Dir  // the list's folder, while the wipe rewrites it
	err   error        // why the list could not be judged
}

func (r *recentStep) Open(s *Session, home *safefs.Dir, homeErr error) []Root {
	r.rel, r.at = openRecent(s, home, homeErr)
	return nil
}

func (r *recentStep) Clean(_ context.Context, s *Session) wipe.Extra {
	r.share, r.err = nil, nil
	if r.rel == "" {
		return wipe.Extra{}
	}
	w, err := r.judge(s)
	if err != nil || w == nil {
		r.err = err
		return wipe.Extra{}
	}
	r.share = w.Dir
	return wipe.Extra{Rewrites: []wipe.Rewrite{*w}}
}

// judge says whether the list is the session's to empty.
func (r *recentStep) judge(s *Session) (*wipe.Rewrite, error) {
	trust := trustFor(s.User)
	home, err := safefs.OpenRoot(s.User.Home, trust)
	if err != nil {
		return nil, err
	}
	defer home.Close()
	share, err := home.OpenBeneath(path.Dir(r.rel), trust)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	name := path.Base(r.rel)
	in, err := share.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = nil
	case err != nil:
	case r.at != nil && r.at.Identity == in.Identity && r.at.Ctime == in.Ctime:
		// untouched during the session
	case in.UID != s.User.UID:
		err = fmt.Errorf("%s belongs to another account; left alone", r.rel)
	default:
		return &wipe.Rewrite{Dir: share, Name: name, Judged: in.Identity, Data: []byte(emptyXBEL), Perm: 0o600, UID: s.User.UID, GID: s.User.GID}, nil
	}
	share.Close()
	return nil, err
}

func (r *recentStep) Finish(_ context.Context, s *Session, done wipe.ExtraResult, rep *ipc.WipeReport) {
	if r.share != nil {
		r.share.Close()
		r.share = nil
	}
	err := r.err
	cleared := len(done.Rewrites) > 0
	if cleared {
		err = done.Rewrites[0]
	}
	switch {
	case errors.Is(err, safefs.ErrChanged) || errors.Is(err, safefs.ErrNotRegular):
		// Another file took the list's name between the check and the
		// rewrite (R1): it was left untouched, and the list not cleared.
		s.Log.Error("the list of recent files was not cleared: another file took its name while the agent cleared it, and was left untouched; someone is racing the agent", "err", err)
	case cleared && errors.Is(err, fs.ErrNotExist):
		// The wipe of a root erased it meanwhile (a home wiped in
		// scope "all"): nothing is left to clear.
	case err != nil:
		s.Log.Warn("could not clear the list of recent files", "err", err)
	case cleared:
		rep.Traces = append(rep.Traces, "recent_files")
	}
}
