package endsteps

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// endLinger undoes "loginctl enable-linger" and stops the account's
// service manager, so that no user unit keeps running (or starts again at
// boot) for the next person (threats.md P-4). Only where systemd runs.
func endLinger(ctx context.Context, s *Session) {
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"loginctl", "disable-linger", "--", s.User.Name},
		{"systemctl", "stop", "--no-block", fmt.Sprintf("user@%d.service", s.User.UID)},
	} {
		if out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput(); err != nil {
			s.Log.Warn("could not undo the kiosk account's background services", "command", strings.Join(args, " "), "err", err, "output", strings.TrimSpace(string(out)))
		}
	}
}
