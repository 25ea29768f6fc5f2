package endsteps

import (
	"context"
	"errors"

	"github.com/ardoise-fr/ardoise/agent/browsers"
	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/ardoise-fr/ardoise/agent/wipe"
)

// browsersStep closes the session user's browsers the policy names, then
// has the wipe clear their profiles in the user's home.
type browsersStep struct {
	nop
	closed   browsers.Closed
	closeErr error
	plan     *browsers.Profiles
	home     *safefs.Dir
	homeErr  error
}

// Stop closes the browsers. Root is never such a user: a foreground agent
// started by root (tests, trials) leaves root's browsers alone and says so.
func (b *browsersStep) Stop(ctx context.Context, s *Session) {
	b.closed, b.closeErr = browsers.Closed{}, nil
	bs := browsers.Select(s.Policy.Browsers.Close)
	if len(bs) == 0 {
		return
	}
	if s.User.SID == "" && s.User.UID == 0 {
		s.Log.Info("browsers not closed: the session belongs to root, whose programs Ardoise never stops")
		return
	}
	c, err := browsers.CloseUserBrowsers(ctx, s.User.UID, s.User.SID, bs, browsers.DefaultGrace)
	if err != nil {
		s.Log.Warn("browsers could not all be closed; their profiles are cleared anyway", "err", err)
	}
	if len(c.Browsers) > 0 {
		s.Log.Info("browsers closed", "browsers", c.Browsers, "asked", c.Graceful, "forced", c.Killed)
	}
	b.closed, b.closeErr = c, err
}

// Clean lists the profiles' data for the wipe.
func (b *browsersStep) Clean(_ context.Context, s *Session) wipe.Extra {
	b.plan, b.home, b.homeErr = nil, nil, nil
	bs := browsers.Select(s.Policy.Browsers.Close)
	if len(bs) == 0 {
		return wipe.Extra{}
	}
	b.home, b.homeErr = safefs.OpenRoot(s.User.Home, trustFor(s.User))
	if b.homeErr != nil {
		return wipe.Extra{}
	}
	b.plan = browsers.PlanProfiles(b.home, s.User.UID, s.User.SID, bs)
	return wipe.Extra{Names: b.plan.Extra()}
}

// Finish builds the report's part on browsers.
func (b *browsersStep) Finish(_ context.Context, s *Session, done wipe.ExtraResult, rep *ipc.WipeReport) {
	c := b.closed
	br := ipc.BrowserReport{Closed: []string{}, Processes: c.Graceful + c.Killed, Forced: c.Killed}
	for _, id := range c.Browsers {
		br.Closed = append(br.Closed, string(id))
	}
	var errs []error
	if b.closeErr != nil {
		errs = append(errs, b.closeErr)
	}
	if b.homeErr != nil {
		errs = append(errs, b.homeErr)
	}
	if b.plan != nil {
		cl := b.plan.Cleaned(done.Names)
		b.plan.Close()
		b.home.Close()
		b.plan, b.home = nil, nil
		br.Profiles, br.Erased, br.Pending, br.Refused = cl.Profiles, cl.Removed, cl.Pending, len(cl.Refused)
		for _, r := range cl.Refused {
			s.Log.Warn("a browser profile was not cleared", "browser", string(r.Browser), "code", r.Code, "why", r.Reason)
		}
		if cl.Pending > 0 {
			s.Log.Warn("some browser data could not be erased; it is tried again at the next session end", "pending", cl.Pending)
		}
	}
	if err := errors.Join(errs...); err != nil {
		br.Error = err.Error()
	}
	rep.Browsers = br
	if br.Profiles > 0 {
		rep.Traces = append(rep.Traces, "browser_data")
	}
}
