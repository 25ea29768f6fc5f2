//go:build !windows && !linux

package browsers

import (
	"context"
	"slices"

	"github.com/shirou/gopsutil/v4/process"
)

// runBy reports whether p runs as one of o's uids (its real uid).
func runBy(ctx context.Context, p *process.Process, o account) bool {
	uids, err := p.UidsWithContext(ctx)
	return err == nil && len(uids) > 0 && slices.Contains(o.uids, uids[0])
}

func sameExe(a, b string) bool { return a == b }
