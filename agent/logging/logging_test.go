package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

const secret = "Attestation CAF Dupont.pdf"

func TestPersonalDataRedactedAtInfo(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		log := New(&b, slog.LevelInfo, format)
		log.Info("removed", Personal("file", secret), "count", 1)
		log.Warn("refused", slog.Group("root", Personal("path", "/home/dupont/Téléchargements")))
		out := b.String()
		if strings.Contains(out, "Dupont") || strings.Contains(out, "dupont") || strings.Count(out, Redacted) != 2 {
			t.Errorf("%s: personal data at info: %s", format, out)
		}
		if !strings.Contains(out, "count") {
			t.Errorf("%s: other attributes lost: %s", format, out)
		}
	}
}

func TestPersonalDataShownAtDebug(t *testing.T) {
	var b bytes.Buffer
	New(&b, slog.LevelDebug, "json").Debug("removed", Personal("file", secret))
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["file"] != secret || rec["msg"] != "removed" || rec["level"] != "DEBUG" {
		t.Errorf("got %v", rec)
	}
}

// TestI8_LogInjection: at debug, names are shown escaped, one record per
// line, with no raw newline, escape sequence or bidirectional override, and
// the exact name can be read back.
func TestI8_LogInjection(t *testing.T) {
	names := []string{"x\n2026-11-24 ardoise: nettoyage terminé", "\x1b[2J", "facture\u202Efdp.exe", `"quoted"`}
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		log := New(&b, slog.LevelDebug, format)
		for _, n := range names {
			log.Debug("removed", Personal("file", n))
		}
		log.Info("message with a name: x\n2026-11-24 ardoise: nettoyage terminé \x1b[2J")
		out := b.String()
		if got := strings.Count(out, "\n"); got != len(names)+1 {
			t.Errorf("%s: %d lines for %d records: %q", format, got, len(names)+1, out)
		}
		if strings.ContainsAny(out, "\x1b\u202e\r") {
			t.Errorf("%s: a raw control character reached the log: %q", format, out)
		}
		if format != "json" {
			continue
		}
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[:len(names)] {
			var rec map[string]string
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			got, err := strconv.Unquote(rec["file"])
			if err != nil || got != names[i] {
				t.Errorf("file %q logged as %q, which reads back as %q (%v)", names[i], rec["file"], got, err)
			}
		}
	}
}

func TestPlainNamesStayReadable(t *testing.T) {
	var b bytes.Buffer
	New(&b, slog.LevelDebug, "text").Debug("removed", Personal("file", "scan_001.pdf"))
	if !strings.Contains(b.String(), "file=scan_001.pdf") {
		t.Errorf("got %q", b.String())
	}
}

// TestRedactionFollowsTheLevel: with a LevelVar, raising the level hides
// names again, including those bound with With while it was debug.
func TestRedactionFollowsTheLevel(t *testing.T) {
	var lv slog.LevelVar
	lv.Set(slog.LevelDebug)
	var b bytes.Buffer
	log := New(&b, &lv, "text").With(Personal("user", "dupont"))
	log.Warn("a")
	if !strings.Contains(b.String(), "user=dupont") {
		t.Fatalf("at debug: %q", b.String())
	}
	b.Reset()
	lv.Set(slog.LevelInfo)
	log.Warn("b", Personal("file", secret))
	if strings.Contains(b.String(), "dupont") || strings.Contains(b.String(), "Dupont") {
		t.Errorf("at info after debug: %q", b.String())
	}
}

// TestWithAndGroups: bound attributes and groups keep slog's structure.
func TestWithAndGroups(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var b bytes.Buffer
		log := New(&b, level, "json").With("session", "s1", Personal("user", "dupont")).WithGroup("root").With("label", "Téléchargements")
		log.Warn("removed", Personal("file", "a.pdf"), slog.Group("sub", Personal("name", "b.pdf")))
		var rec struct {
			Session, User string
			Root          struct {
				Label, File string
				Sub         struct{ Name string }
			}
		}
		if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		want := []string{"s1", "dupont", "Téléchargements", "a.pdf", "b.pdf"}
		if level > slog.LevelDebug {
			want = []string{"s1", Redacted, "Téléchargements", Redacted, Redacted}
		}
		got := []string{rec.Session, rec.User, rec.Root.Label, rec.Root.File, rec.Root.Sub.Name}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %v, want %v in %s", level, got, want, b.String())
		}
	}
}

type account struct{ name string }

func (a account) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", "kiosk"), Personal("name", a.name))
}

// TestLogValuerHoldingPersonalData: a value that resolves to a group with a
// personal attribute is redacted too.
func TestLogValuerHoldingPersonalData(t *testing.T) {
	var b bytes.Buffer
	New(&b, slog.LevelInfo, "text").Info("start", "account", account{"dupont"})
	if strings.Contains(b.String(), "dupont") || !strings.Contains(b.String(), "account.kind=kiosk") {
		t.Errorf("got %q", b.String())
	}
}

// TestUnwrappedHandlerStillRedacts: if someone builds a logger without
// Redact, a personal value is hidden, not shown.
func TestUnwrappedHandlerStillRedacts(t *testing.T) {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})).Debug("m", Personal("file", secret))
	if strings.Contains(b.String(), "Dupont") || !strings.Contains(b.String(), Redacted) {
		t.Errorf("got %q", b.String())
	}
}

// TestJoin: each destination is redacted by its own level.
func TestJoin(t *testing.T) {
	var info, debug bytes.Buffer
	log := Join(NewHandler(&info, slog.LevelInfo, "text"), NewHandler(&debug, slog.LevelDebug, "json"))
	log.Info("removed", Personal("file", secret))
	log.Debug("detail")
	if strings.Contains(info.String(), "Dupont") || strings.Contains(info.String(), "detail") {
		t.Errorf("info destination: %q", info.String())
	}
	if !strings.Contains(debug.String(), secret) || !strings.Contains(debug.String(), "detail") {
		t.Errorf("debug destination: %q", debug.String())
	}
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		t.Error("the joined logger drops debug records one destination wants")
	}
}

func TestParseLevel(t *testing.T) {
	for s, want := range map[string]slog.Level{"debug": slog.LevelDebug, "": slog.LevelInfo, "info": slog.LevelInfo, "WARN": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := ParseLevel(s); err != nil || got != want {
			t.Errorf("%q: %v %v", s, got, err)
		}
	}
	if _, err := ParseLevel("verbose"); err == nil || !strings.Contains(err.Error(), "allowed") {
		t.Errorf("verbose: %v", err)
	}
}
