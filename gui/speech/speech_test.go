package speech

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// TestEspeakReadsEveryLanguage: with the real espeak-ng, the text of each
// language of the window becomes sound in that language's voice (a
// non-empty WAV file); a voice name espeak-ng does not know fails here.
func TestEspeakReadsEveryLanguage(t *testing.T) {
	p, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Skip("espeak-ng is not installed (apt-get install espeak-ng)")
	}
	v := &Voice{engine: "espeak-ng", path: p}
	dir := t.TempDir()
	for _, lang := range i18n.Order {
		c, err := i18n.New(lang)
		if err != nil {
			t.Fatal(err)
		}
		wav := filepath.Join(dir, lang+".wav")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = v.WriteWAV(ctx, lang, c.T("notice.title")+". "+c.T("notice.ok"), wav)
		cancel()
		if err != nil {
			t.Errorf("%s: %v", lang, err)
			continue
		}
		// 44 bytes is a WAV header with no sound.
		if st, err := os.Stat(wav); err != nil || st.Size() <= 1000 {
			t.Errorf("%s: no sound written (%v)", lang, err)
		}
	}
}
