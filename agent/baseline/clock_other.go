//go:build !linux

package baseline

import "time"

// fsNow returns a time no later than the stamp of any entry created after
// the call; a second of margin covers coarse file system clocks.
func fsNow() int64 { return time.Now().Add(-time.Second).UnixNano() }
