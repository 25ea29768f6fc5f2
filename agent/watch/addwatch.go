package watch

import "github.com/fsnotify/fsnotify"

// addWatch is the only place a watch is added. path is always the
// /proc/self/fd/N link of a directory opened through safefs, never a path a
// user can change (fsnotify follows links; threats.md P7). The L7 guard in
// agent/wipe allows exactly this file.
func addWatch(w *fsnotify.Watcher, path string) error { return w.Add(path) }
