package watch

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ardoise-fr/ardoise/agent/safefs"
	"github.com/fsnotify/fsnotify"
)

// Name is a name to wait for in a folder: a root of the policy that did not
// exist when the session started, in the folder that would hold it.
type Name struct {
	// Dir is the folder that would hold the name, opened through safefs;
	// the caller keeps it open until Close returns, and closes it.
	Dir *safefs.Dir
	// Name is the entry's name in Dir, one component.
	Name string
	// Key is given back to OnAppear.
	Key int
}

// Names waits for names to appear in folders. It is a hint like the
// watcher: it only says "look at this name now"; the caller opens and
// checks what is there, and the end of the session wipes the name whatever
// was seen (agent/wipe, Root.Name).
type Names struct {
	fsw  *fsnotify.Watcher
	done chan struct{}
	once sync.Once
}

// WatchNames adds one watch per folder of names, through the folder's
// handle (never a path a user can change, threats.md P7), then calls
// onAppear for every key once, so that a name made before its watch
// existed is not missed, and again whenever an entry is created or moved in
// under that name, or the kernel queue overflowed. onAppear runs on the
// goroutine of the Names, one call at a time, and must not call Close.
func WatchNames(names []Name, onAppear func(key int)) (*Names, error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("wait for a folder to appear: %w (each watcher is one inotify instance; see fs.inotify.max_user_instances)", err)
	}
	byPath := map[string]map[string][]int{} // watch path → name → keys
	for _, n := range names {
		p := n.Dir.WatchPath()
		if byPath[p] == nil {
			if err := addWatch(fsw, p); err != nil {
				fsw.Close()
				return nil, fmt.Errorf("wait for a folder to appear in %s: %w", n.Dir.Name(), err)
			}
			byPath[p] = map[string][]int{}
		}
		byPath[p][n.Name] = append(byPath[p][n.Name], n.Key)
	}
	w := &Names{fsw: fsw, done: make(chan struct{})}
	all := func() {
		for _, n := range names {
			onAppear(n.Key)
		}
	}
	go func() {
		defer close(w.done)
		all()
		for {
			select {
			case ev, ok := <-fsw.Events:
				if !ok {
					return
				}
				if !ev.Has(fsnotify.Create) {
					continue
				}
				i := strings.LastIndexByte(ev.Name, '/')
				if i <= 0 {
					continue
				}
				for _, k := range byPath[ev.Name[:i]][ev.Name[i+1:]] {
					onAppear(k)
				}
			case err, ok := <-fsw.Errors:
				if !ok {
					return
				}
				if errors.Is(err, fsnotify.ErrEventOverflow) {
					all()
				}
			}
		}
	}()
	return w, nil
}

// Close stops waiting. Once it returns nil, no onAppear call runs; it waits
// a bounded time for one that is running (a stat stuck on a file system
// that does not answer, threats.md M3, must not block the end).
func (w *Names) Close() error {
	var err error
	w.once.Do(func() { err = w.fsw.Close() })
	select {
	case <-w.done:
		return err
	case <-time.After(closeWait):
		return errors.New("the watch for folders to appear did not stop in time (a folder may be on a file system that does not answer)")
	}
}
