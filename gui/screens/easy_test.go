package screens

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/ardoise-fr/ardoise/agent/ipc"
)

// TestEasyToReadOneSentencePerLineWithPictures: in easy-to-read French
// every line of the notice and of the end list's texts is one sentence,
// and the sentences that say the main ideas have their picture beside
// them: the shield for what the computer does not keep, the bin for what
// it erases, the key for a password, the USB key for the key, and on the
// end screens the padlock, the ready screen, the clock, the front desk
// and the warning sign. Every picture is shown by some sentence.
func TestEasyToReadOneSentencePerLineWithPictures(t *testing.T) {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(Reading{Easy: true}.Theme())
	c := catalog(t, Easy)
	nop := func() {}
	screens := []fyne.CanvasObject{
		Notice(c, []string{"fr", Easy}, "", false, nil, func(string) {}, nop, nil, true),
		NoticeWith(c, []string{"fr", Easy}, "", false, Protection{Roots: []ipc.RootStatus{{Label: "Téléchargements", State: "watching", Protection: ipc.ProtectionEncrypted}}}, nil, func(string) {}, nop, nil, true),
		DoneWithKey(c, ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 2}, Key: &ipc.KeyReport{Folders: []string{"Téléchargements"}, Destroyed: true}},
			Protection{Roots: []ipc.RootStatus{{Label: "Téléchargements", State: "watching", Protection: ipc.ProtectionEncrypted}}}, false),
		Preview(c, preview(2), &Keeper{Key: "Clé de Marie", Keep: func(ipc.PreviewItem) error { return nil }}, nop, nop),
		// The end screens: each count and each reason is an idea too.
		DoneWithKey(c, ipc.WipeReport{Verified: true, Reason: ipc.ReasonIdle, Removed: ipc.Removed{Files: 3}}, Protection{}, true),
		DoneWithKey(c, ipc.WipeReport{Verified: true, Reason: ipc.ReasonClosingTime}, Protection{}, false),
		Done(c, ipc.WipeReport{Verified: false, Removed: ipc.Removed{Files: 2}, PendingCount: 1}),
		Warning(c, ipc.ReasonMaxDuration, time.Date(2026, 12, 4, 20, 44, 0, 0, time.Local), nop),
	}
	seen := map[fyne.Resource]bool{}
	for _, s := range screens {
		w := test.NewTempWindow(t, s)
		w.Resize(librarySizes[0])
		walk(w.Canvas().Content(), func(o fyne.CanvasObject) {
			row, ok := o.(*fyne.Container)
			if !ok || len(row.Objects) != 2 {
				return
			}
			label, ok := row.Objects[0].(*widget.Label)
			if !ok {
				return
			}
			var pic fyne.Resource
			walk(row.Objects[1], func(o fyne.CanvasObject) {
				if img, ok := o.(*canvas.Image); ok {
					pic = img.Resource
				}
			})
			if n := len(sentences(label.Text)); n != 1 {
				t.Errorf("%d sentences on one line: %q", n, label.Text)
			}
			if want := pictureFor(label.Text); pic != want {
				t.Errorf("%q has picture %v, want %v", label.Text, pic, want)
			}
			seen[pic] = true
		})
	}
	for _, p := range pictures {
		if !seen[p] {
			t.Errorf("no sentence shows %s", p.Name())
		}
	}
	// The other languages keep their paragraphs.
	if _, ok := idea(catalog(t, "fr"), c.T("notice.kept")).(*widget.Label); !ok {
		t.Error("French is cut into sentences too")
	}
}

// TestEasyToReadTextsFollowTheRules: the easy-to-read texts write no word
// in capitals only (acronyms a person knows as such aside) and numbers in
// figures, as the European easy-to-read rules ask.
func TestEasyToReadTextsFollowTheRules(t *testing.T) {
	b, err := os.ReadFile("../i18n/locales/fr-falc.json")
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(b, &texts); err != nil {
		t.Fatal(err)
	}
	acronyms := map[string]bool{"CAF": true, "USB": true}
	caps := regexp.MustCompile(`\b[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ]{2,}\b`)
	number := regexp.MustCompile(`(?i)\b(deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|quinze|vingt|trente|quarante|cinquante|soixante|cent|mille)s?\b`)
	for k, v := range texts {
		for _, w := range caps.FindAllString(v, -1) {
			if !acronyms[w] {
				t.Errorf("%s: %q in capitals", k, w)
			}
		}
		if w := number.FindString(v); w != "" {
			t.Errorf("%s: %q in words, not in figures", k, w)
		}
	}
}

func TestSentences(t *testing.T) {
	got := sentences("L'ordinateur garde l'heure. La loi le demande. Par exemple : les impôts, la CAF. « Vous » aussi !")
	want := []string{"L'ordinateur garde l'heure.", "La loi le demande.", "Par exemple : les impôts, la CAF.", "« Vous » aussi !"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sentences = %q", got)
	}
}

// pictures are all the easy-to-read pictures: each one must be shown by
// some sentence.
var pictures = []fyne.Resource{picShield, picBin, picKey, picUSB, picLock, picReady, picClock, picDesk, picWarn}

// TestEasyToReadPictureOfEachIdea: the picture a person sees beside the
// sentences that matter most, the end screens' above all: a document
// that is not erased shows the warning sign, never the bin.
func TestEasyToReadPictureOfEachIdea(t *testing.T) {
	for sentence, want := range map[string]fyne.Resource{
		"3 documents sont effacés.":                                      picBin,
		"1 document n'est pas effacé.":                                   picWarn,
		"2 documents ne sont pas effacés.":                               picWarn,
		"Dites-le à l'accueil avant de partir.":                          picDesk,
		"N'oubliez pas votre clé USB.":                                   picUSB,
		"Vos comptes sont fermés.":                                       picLock,
		"L'ordinateur est prêt pour la personne suivante.":               picReady,
		"Le lieu ferme.":                                                 picClock,
		"Votre temps est fini.":                                          picClock,
		"Personne n'a touché l'ordinateur pendant un moment.":            picClock,
		"Attention : ne gardez jamais un mot de passe sur l'ordinateur.": picKey,
		"Il ne garde pas ce que vous écrivez.":                           picShield,
		"Alors votre session est finie.":                                 nil,
	} {
		if got := pictureFor(sentence); got != want {
			t.Errorf("%q: picture %v, want %v", sentence, got, want)
		}
	}
}
