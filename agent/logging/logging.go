// Package logging sets up the agent's structured logs (log/slog) and keeps
// personal data out of them (threats.md T10, I8; brief rule 7).
//
// File names, web addresses and the public's account names are attached
// with [Personal]. The handler wrapper [Redact] replaces them with
// "[redacted]" unless the wrapped handler is enabled at debug level, and
// shows them escaped otherwise, so that a name holding a newline or an
// escape sequence cannot forge a log line or attack the admin's terminal.
// Redaction lives in the handler, not at call sites, so it cannot be
// forgotten; and a Personal value reaching a handler that is not wrapped
// still prints as "[redacted]".
//
// Several destinations (standard error now, the system log later) are
// combined with [Join]; each is redacted according to its own level.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Redacted is what a personal value becomes below debug level.
const Redacted = "[redacted]"

// personal marks a value as personal data. Its LogValue redacts: only the
// Redact wrapper, which sees the value before it is resolved, can show it.
type personal struct{ v string }

func (personal) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Personal returns an attribute holding personal data: a file name, a web
// address, the account name of a member of the public, or an error message
// that holds one of those.
func Personal(key, value string) slog.Attr {
	return slog.Any(key, personal{value})
}

// ParseLevel maps the policy's level names (debug, info, warn, error; empty
// is info) to slog levels.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q; allowed: debug, info, warn, error", s)
}

// NewHandler returns a handler writing one text or JSON line per record to
// w, at level and above, with slog's standard keys (time, level, msg). It
// does not redact: pass it to [Join], or use [New].
func NewHandler(w io.Writer, level slog.Leveler, format string) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// New returns a logger writing text or JSON lines ("json"; anything else is
// text) to w at level, with personal data redacted unless level is debug. A
// *slog.LevelVar may be passed to change the level later; redaction follows
// it record by record.
func New(w io.Writer, level slog.Leveler, format string) *slog.Logger {
	return slog.New(Redact(NewHandler(w, level, format)))
}

// Join returns a logger sending every record to each handler that is
// enabled for it, each wrapped with [Redact], so that a debug-level system
// log may show names while standard error at info does not.
func Join(handlers ...slog.Handler) *slog.Logger {
	hs := make([]slog.Handler, len(handlers))
	for i, h := range handlers {
		hs[i] = Redact(h)
	}
	if len(hs) == 1 {
		return slog.New(hs[0])
	}
	return slog.New(slog.NewMultiHandler(hs...))
}

// Redact wraps h so that [Personal] attributes are replaced by Redacted
// unless h is enabled at debug level when the record is handled, and are
// escaped when shown. Messages and other string values are escaped too.
//
// Attributes and groups bound with With and WithGroup are kept by the
// wrapper and applied at each record, rather than handed to h once: a
// personal value bound while the level was debug must not be shown after
// the level is raised.
func Redact(h slog.Handler) slog.Handler {
	if r, ok := h.(*redactor); ok {
		return r
	}
	return &redactor{h: h}
}

type redactor struct {
	h slog.Handler
	// bound holds what With and WithGroup added, in order: a group name
	// opens a group around everything after it.
	bound []boundItem
}

type boundItem struct {
	group string // a WithGroup, when attrs is nil
	attrs []slog.Attr
}

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	show := r.h.Enabled(ctx, slog.LevelDebug)
	attrs := make([]slog.Attr, 0, rec.NumAttrs())
	rec.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, clean(a, show))
		return true
	})
	for i := len(r.bound) - 1; i >= 0; i-- {
		b := r.bound[i]
		if b.attrs == nil {
			attrs = []slog.Attr{{Key: b.group, Value: slog.GroupValue(attrs...)}}
			continue
		}
		pre := make([]slog.Attr, 0, len(b.attrs)+len(attrs))
		for _, a := range b.attrs {
			pre = append(pre, clean(a, show))
		}
		attrs = append(pre, attrs...)
	}
	out := slog.NewRecord(rec.Time, rec.Level, escape(rec.Message), rec.PC)
	out.AddAttrs(attrs...)
	return r.h.Handle(ctx, out)
}

func (r *redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return r
	}
	return &redactor{h: r.h, bound: append(r.bound[:len(r.bound):len(r.bound)], boundItem{attrs: attrs})}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	if name == "" {
		return r
	}
	return &redactor{h: r.h, bound: append(r.bound[:len(r.bound):len(r.bound)], boundItem{group: name})}
}

// clean redacts or escapes a personal value, escapes strings, and walks
// into groups, including those a LogValuer returns.
func clean(a slog.Attr, show bool) slog.Attr {
	if p, ok := a.Value.Any().(personal); ok {
		if !show {
			return slog.String(a.Key, Redacted)
		}
		return slog.String(a.Key, escape(p.v))
	}
	a.Value = a.Value.Resolve()
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, escape(a.Value.String()))
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = clean(ga, show)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	}
	return a
}

// escape returns s as strconv.Quote writes it (with \n, \x1b, \u202e for
// anything not printable) when it holds such a character, a quote or a
// backslash, and s itself otherwise. A value that starts with a double
// quote is therefore always an escaped one, and strconv.Unquote gives back
// the exact bytes.
func escape(s string) string {
	q := strconv.Quote(s)
	if len(q) == len(s)+2 && q[1:len(q)-1] == s {
		return s
	}
	return q
}
