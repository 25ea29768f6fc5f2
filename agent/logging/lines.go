package logging

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// Sink receives one formatted line (without its newline) and its level:
// the journal's priority prefix, syslog's severities and the Windows Event
// Log's types all come from the level.
type Sink func(level slog.Level, line []byte) error

// Lines returns a handler that formats each record as one text or JSON
// line and hands it to sink. Without time, the record's time is left out:
// journald and syslog stamp lines themselves.
func Lines(level slog.Leveler, format string, withTime bool, sink Sink) slog.Handler {
	l := &lineHandler{mu: new(sync.Mutex), buf: new(bytes.Buffer), sink: sink}
	opts := &slog.HandlerOptions{Level: level}
	if !withTime {
		opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
	}
	if format == "json" {
		l.h = slog.NewJSONHandler(l.buf, opts)
	} else {
		l.h = slog.NewTextHandler(l.buf, opts)
	}
	return l
}

type lineHandler struct {
	mu   *sync.Mutex // guards buf, shared with handlers derived by With
	buf  *bytes.Buffer
	h    slog.Handler // writes into buf
	sink Sink
}

func (l *lineHandler) Enabled(ctx context.Context, lv slog.Level) bool { return l.h.Enabled(ctx, lv) }

func (l *lineHandler) Handle(ctx context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
	if err := l.h.Handle(ctx, r); err != nil {
		return err
	}
	return l.sink(r.Level, bytes.TrimSuffix(l.buf.Bytes(), []byte("\n")))
}

func (l *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &lineHandler{mu: l.mu, buf: l.buf, h: l.h.WithAttrs(attrs), sink: l.sink}
}

func (l *lineHandler) WithGroup(name string) slog.Handler {
	return &lineHandler{mu: l.mu, buf: l.buf, h: l.h.WithGroup(name), sink: l.sink}
}

// Priority is the syslog severity of a level: 3 error, 4 warning,
// 6 informational, 7 debug.
func Priority(level slog.Level) int {
	switch {
	case level >= slog.LevelError:
		return 3
	case level >= slog.LevelWarn:
		return 4
	case level >= slog.LevelInfo:
		return 6
	}
	return 7
}

// JournalPrefix returns a sink writing each line to w with the "<N>"
// priority prefix that journald reads on a service's standard error, so
// that "journalctl -p warning" finds the agent's warnings.
func JournalPrefix(w interface{ Write([]byte) (int, error) }) Sink {
	var mu sync.Mutex
	return func(level slog.Level, line []byte) error {
		mu.Lock()
		defer mu.Unlock()
		b := make([]byte, 0, len(line)+4)
		b = append(b, '<', byte('0'+Priority(level)), '>')
		b = append(b, line...)
		b = append(b, '\n')
		_, err := w.Write(b)
		return err
	}
}
