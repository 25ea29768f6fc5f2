//go:build !(unix && !darwin) && !windows

package idle

import "time"

// Source is not available on this system in this version (macOS would use
// IOKit's HIDIdleTime).
type Source struct{}

// New fails here.
func New() (*Source, error) { return nil, ErrUnsupported }

// Idle fails here.
func (*Source) Idle() (time.Duration, error) { return 0, ErrUnsupported }

// Close does nothing.
func (*Source) Close() {}
