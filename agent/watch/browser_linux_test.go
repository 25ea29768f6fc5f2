package watch

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// downloadSize is the size of the file the browsers downloaded in
// libraries.md §2.
const downloadSize = 2000000

// writeChunks appends size bytes to the open file in 64 KiB writes, the way
// a browser writes a download as it arrives.
func writeChunks(t *testing.T, f *os.File, size int) {
	t.Helper()
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for size > 0 {
		n := min(size, len(chunk))
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
		size -= n
	}
}

// checkOneDownload: the session holds one entry, the final name with the
// final size; the object behind it was reported Created once.
func checkOneDownload(t *testing.T, w *Watcher, rec *recorder, final string) {
	t.Helper()
	awaitSnapshot(t, w, "the final name with its size", func(s Snapshot) bool {
		return s.Count == 1 && s.Entries[0].RelPath == final && s.Entries[0].Info.Size == downloadSize
	})
	e := w.Snapshot().Entries[0]
	created := 0
	for _, ev := range rec.all() {
		if ev.Kind == Created && ev.Info.Identity == e.Info.Identity { // Btime included: inode numbers are reused
			created++
		}
	}
	if created != 1 {
		t.Errorf("the downloaded file was reported created %d times, want once: %+v", created, rec.all())
	}
}

// TestFirefoxDownloadSequence replays what Firefox ESR does (libraries.md
// §2): a random temporary name created and removed, then <random>.pdf.part
// written while an empty final name waits, then the .part renamed over it.
func TestFirefoxDownloadSequence(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.Debounce = 20 * time.Millisecond })
	p := func(n string) string { return filepath.Join(root, n) }
	mustWrite(t, p("hrf5kJJc.pdf"), nil)
	os.Remove(p("hrf5kJJc.pdf"))
	part, err := os.Create(p("hrf5kJJc.pdf.part"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, p("scan.pdf"), nil)
	writeChunks(t, part, downloadSize)
	part.Close()
	os.Rename(p("hrf5kJJc.pdf.part"), p("scan.pdf"))
	os.Chmod(p("scan.pdf"), 0o644)
	checkOneDownload(t, w, rec, "scan.pdf")
}

// TestChromiumDownloadSequence replays what Chromium does: a hidden mkstemp
// file renamed to "Unconfirmed N.crdownload", written, an empty final name
// created, then the .crdownload renamed over it.
func TestChromiumDownloadSequence(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.Debounce = 20 * time.Millisecond })
	p := func(n string) string { return filepath.Join(root, n) }
	mustWrite(t, p(".org.chromium.Chromium.SdnMYW"), nil)
	os.Rename(p(".org.chromium.Chromium.SdnMYW"), p("Unconfirmed 474026.crdownload"))
	os.Chmod(p("Unconfirmed 474026.crdownload"), 0o600)
	f, err := os.OpenFile(p("Unconfirmed 474026.crdownload"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, f, downloadSize)
	f.Close()
	mustWrite(t, p("scan.pdf"), nil)
	os.Rename(p("Unconfirmed 474026.crdownload"), p("scan.pdf"))
	os.Chmod(p("scan.pdf"), 0o644)
	checkOneDownload(t, w, rec, "scan.pdf")
}

// TestChromiumUnansweredDialog: with Debian's defaults Chromium writes the
// whole download into a hidden file while a Save-As dialog waits; if it is
// never answered, the hidden file is a session entry like any other.
func TestChromiumUnansweredDialog(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.Debounce = 20 * time.Millisecond })
	f, err := os.Create(filepath.Join(root, ".org.chromium.Chromium.a1B2c3"))
	if err != nil {
		t.Fatal(err)
	}
	writeChunks(t, f, downloadSize)
	f.Close()
	checkOneDownload(t, w, rec, ".org.chromium.Chromium.a1B2c3")
}

// TestDebounceReportsFinalSize: a file written after it was reported gets
// an Updated event with its final size once writes stop.
func TestDebounceReportsFinalSize(t *testing.T) {
	root := t.TempDir()
	w, rec := start(t, root, func(c *Config) { c.Debounce = 20 * time.Millisecond })
	f, err := os.Create(filepath.Join(root, "growing.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	waitFor(t, "growing.pdf created", func() bool { return rec.createdPaths()["growing.pdf"] == 1 })
	writeChunks(t, f, downloadSize)
	waitFor(t, "an update with the final size", func() bool {
		evs := rec.all()
		last := evs[len(evs)-1]
		return last.Kind == Updated && last.Info.Size == downloadSize
	})
	if s := w.Snapshot(); s.Entries[0].Info.Size != downloadSize || s.Entries[0].Kind != Updated {
		t.Errorf("snapshot %+v", s.Entries)
	}
}
