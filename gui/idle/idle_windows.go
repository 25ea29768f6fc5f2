package idle

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

var (
	user32           = syscall.NewLazyDLL("user32.dll")
	kernel32         = syscall.NewLazyDLL("kernel32.dll")
	getLastInputInfo = user32.NewProc("GetLastInputInfo")
	getTickCount     = kernel32.NewProc("GetTickCount")
)

// Source, on Windows, asks
// GetLastInputInfo, which covers the caller's own desktop session. Not
// run here (README, "what is not tested").
type Source struct{}

// New returns the Windows source of idle time.
func New() (*Source, error) { return &Source{}, nil }

// Idle returns the time since the last keyboard or mouse input.
func (*Source) Idle() (time.Duration, error) {
	var info struct {
		size uint32
		time uint32
	}
	info.size = uint32(unsafe.Sizeof(info))
	if r, _, err := getLastInputInfo.Call(uintptr(unsafe.Pointer(&info))); r == 0 {
		return 0, fmt.Errorf("GetLastInputInfo: %w", err)
	}
	now, _, _ := getTickCount.Call()
	return time.Duration(uint32(now)-info.time) * time.Millisecond, nil
}

// Close does nothing.
func (*Source) Close() {}
