//go:build !linux

package watch

import (
	"errors"
	"fmt"
	"runtime"
)

// As of 2026-11, watches are added through directory handles
// (safefs.Dir.WatchPath, /proc/self/fd/N) on Linux only. fsnotify itself
// runs on Windows (ReadDirectoryChangesW) and macOS (kqueue), but adding a
// watch by path there would follow links and junctions (threats.md P7, W1),
// so the watcher refuses to start; the wipe's rescan still finds
// everything.
func checkPlatform() error {
	return fmt.Errorf("watching folders through directory handles is unsupported on %s; the end-of-session rescan finds everything: %w", runtime.GOOS, errors.ErrUnsupported)
}

func fdBudget() int { return 1 << 30 }

func isLimitErr(err error) bool { return false }
