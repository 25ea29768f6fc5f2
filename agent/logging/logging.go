// Package logging sets up the agent's structured logs (log/slog) and keeps
// personal data out of them: file names, web addresses and the public's
// account names are attached with Personal, and the handler replaces them
// with "[redacted]" unless the log level is debug, where they appear escaped
// so that a name holding a newline or an escape sequence cannot forge a log
// line or attack the admin's terminal (threats.md T10, I8).
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// personal marks a value as personal data.
type personal struct{ v string }

// Personal returns an attribute holding personal data.
func Personal(key, value string) slog.Attr {
	return slog.Any(key, personal{value})
}

// ParseLevel maps the policy's level names to slog levels.
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

// New returns a logger writing text or JSON lines to w at level.
func New(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(Redacting(h, level <= slog.LevelDebug))
}

// Redacting wraps h so that Personal attributes are redacted unless show is
// true, and escaped when shown. Any handler (a system log one later) can be
// wrapped the same way.
func Redacting(h slog.Handler, show bool) slog.Handler { return &redactor{h: h, show: show} }

type redactor struct {
	h    slog.Handler
	show bool
}

func (r *redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, escape(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.clean(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactor) clean(a slog.Attr) slog.Attr {
	switch v := a.Value.Any().(type) {
	case personal:
		if !r.show {
			return slog.String(a.Key, "[redacted]")
		}
		return slog.String(a.Key, escape(v.v))
	}
	if a.Value.Kind() == slog.KindGroup {
		attrs := a.Value.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = r.clean(g)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

// escape quotes a string only when it holds something unprintable.
func escape(s string) string {
	q := strconv.QuoteToGraphic(s)
	if q[1:len(q)-1] == s {
		return s
	}
	return q
}

func (r *redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	cl := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		cl[i] = r.clean(a)
	}
	return &redactor{h: r.h.WithAttrs(cl), show: r.show}
}

func (r *redactor) WithGroup(name string) slog.Handler {
	return &redactor{h: r.h.WithGroup(name), show: r.show}
}
