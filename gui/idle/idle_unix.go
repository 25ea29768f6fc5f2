//go:build unix && !darwin

package idle

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/screensaver"
	"github.com/jezek/xgb/xproto"
)

// Source asks the X server through the MIT-SCREEN-SAVER extension, which
// every X server (Xorg, Xvfb, XWayland for X programs) has. The protocol
// is spoken in Go: no C library is needed.
type Source struct {
	mu   sync.Mutex
	conn *xgb.Conn
	root xproto.Window
}

// New connects to $DISPLAY.
func New() (*Source, error) {
	if os.Getenv("DISPLAY") == "" {
		return nil, ErrUnsupported
	}
	// xgb logs to standard error by itself; the window logs what matters.
	xgb.Logger = log.New(io.Discard, "", 0)
	c, err := xgb.NewConn()
	if err != nil {
		return nil, fmt.Errorf("connect to the X server: %w", err)
	}
	if err := screensaver.Init(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return &Source{conn: c, root: xproto.Setup(c).DefaultScreen(c).Root}, nil
}

// Idle returns the time since the last keyboard or mouse input.
func (x *Source) Idle() (time.Duration, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, err := screensaver.QueryInfo(x.conn, xproto.Drawable(x.root)).Reply()
	if err != nil {
		return 0, fmt.Errorf("ask the X server for idle time: %w", err)
	}
	return time.Duration(r.MsSinceUserInput) * time.Millisecond, nil
}

// Close ends the connection.
func (x *Source) Close() { x.conn.Close() }
