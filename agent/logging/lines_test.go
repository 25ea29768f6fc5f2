package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestJournalLines(t *testing.T) {
	var buf bytes.Buffer
	log := Join(Lines(slog.LevelInfo, "text", false, JournalPrefix(&buf)))
	log.Info("session ended", "removed", 3, Personal("file", "Attestation CAF.pdf"))
	log.With("session", "s1").Warn("folder not watched")
	log.Error("wipe failed")
	log.Debug("not shown")
	want := "<6>level=INFO msg=\"session ended\" removed=3 file=[redacted]\n" +
		"<4>level=WARN msg=\"folder not watched\" session=s1\n" +
		"<3>level=ERROR msg=\"wipe failed\"\n"
	if buf.String() != want {
		t.Errorf("journal lines:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestLinesKeepTimeWhenAsked(t *testing.T) {
	var got []string
	h := Lines(slog.LevelDebug, "json", true, func(l slog.Level, line []byte) error {
		got = append(got, fmt.Sprintf("%d %s", Priority(l), line))
		return nil
	})
	slog.New(h).Debug("x")
	if len(got) != 1 || !strings.HasPrefix(got[0], `7 {"time":`) || strings.HasSuffix(got[0], "\n") {
		t.Errorf("got %q", got)
	}
}
