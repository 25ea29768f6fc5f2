package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestPersonalDataRedactedAtInfo(t *testing.T) {
	var b bytes.Buffer
	log := New(&b, slog.LevelInfo, "text")
	log.Info("removed", Personal("file", "Attestation CAF Dupont.pdf"), "count", 1)
	if strings.Contains(b.String(), "Dupont") || !strings.Contains(b.String(), "[redacted]") {
		t.Errorf("personal data at info: %s", b.String())
	}
}

// TestI8_LogInjection: at debug, names are shown escaped, one record per
// line, no raw newline or escape sequence.
func TestI8_LogInjection(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		log := New(&b, slog.LevelDebug, format)
		log.Debug("removed", Personal("file", "x\n2026-11-24 ardoise: nettoyage terminé"), Personal("other", "\x1b[2J"))
		out := b.String()
		if strings.Count(out, "\n") != 1 || strings.Contains(out, "\x1b") {
			t.Errorf("%s: a name forged a line or kept an escape sequence: %q", format, out)
		}
		if !strings.Contains(out, "nettoyage") {
			t.Errorf("%s: the name is not shown at debug: %q", format, out)
		}
	}
}
