package screens

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/ardoise-fr/ardoise/agent/ipc"
	"github.com/ardoise-fr/ardoise/gui/i18n"
)

// Folders of a session as the agent gives them (Status.Roots).
var (
	dlEncrypted   = ipc.RootStatus{Label: "Téléchargements", State: "watching", Protection: ipc.ProtectionEncrypted}
	scanEncrypted = ipc.RootStatus{Label: "Numérisations", State: "watching", Protection: ipc.ProtectionEncrypted}
	// A file system without support: the folder falls back to deletion.
	scanDeleted = ipc.RootStatus{Label: "Numérisations", State: "watching", Protection: ipc.ProtectionDeleted, ProtectionCode: ipc.NotEncryptedFileSystem}
	// Refused: nothing of the session's is erased there.
	usbRefused = ipc.RootStatus{Label: "Clé USB", State: "refused", Code: "removable", Reason: "clé USB"}
)

func keyReport(destroyed bool, folders ...string) ipc.WipeReport {
	r := ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 3, Dirs: 1}, Key: &ipc.KeyReport{Folders: folders, Destroyed: destroyed}}
	if !destroyed {
		r.Key.Code, r.Key.Holders, r.Key.Reason = "files_busy", 1, "un programme tient encore un fichier ouvert"
	}
	return r
}

// TestEndPromise: the stronger words only when the key is destroyed and
// every watched folder was encrypted with it; "effacé" for a plain
// deletion, a fallback, a key not destroyed, or folders not known.
func TestEndPromise(t *testing.T) {
	plain := ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 3}}
	for _, c := range []struct {
		name   string
		r      ipc.WipeReport
		roots  []ipc.RootStatus
		want   Promise
		broken []string
	}{
		{"no key: plain deletion", plain, []ipc.RootStatus{dlEncrypted}, Erased, nil},
		{"key destroyed, every folder encrypted", keyReport(true, "Téléchargements", "Numérisations"), []ipc.RootStatus{dlEncrypted, scanEncrypted}, Unreadable, nil},
		{"a refused folder does not count", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted, usbRefused}, Unreadable, nil},
		{"one folder fell back to deletion", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted, scanDeleted}, Erased, nil},
		{"the report does not name an encrypted folder", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted, scanEncrypted}, Erased, nil},
		{"a watched folder says nothing of its protection (older agent)", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted, {Label: "Numérisations", State: "watching"}}, Erased, nil},
		{"folders not known", keyReport(true, "Téléchargements"), nil, Erased, nil},
		{"no watched folder", keyReport(true, "Téléchargements"), []ipc.RootStatus{usbRefused}, Erased, nil},
		{"key not destroyed", keyReport(false, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, KeyKept, nil},
		{"key not destroyed, folders not known", keyReport(false, "Téléchargements"), nil, KeyKept, nil},
		{"unencrypted swap on this computer", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, Erased, []string{"swap"}},
		{"hibernation possible", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, Erased, []string{"hibernation"}},
		{"key not destroyed, swap", keyReport(false, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, KeyKept, []string{"swap"}},
	} {
		if got := EndPromise(c.r, Protection{Roots: c.roots, Broken: c.broken}); got != c.want {
			t.Errorf("%s: EndPromise = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEndWordsFollowThePromise: in every language, the final screen says
// that nobody will ever read the documents again only when EndPromise is
// Unreadable, and the plain "erased" text otherwise; the aidant's
// checklist says the key is destroyed, or that it is not and to ask the
// staff.
func TestEndWordsFollowThePromise(t *testing.T) {
	test.NewTempApp(t)
	for _, lang := range i18n.Order {
		c := catalog(t, lang)
		strong, plain := c.T("done.body_unreadable"), c.T("done.body")
		if strong == plain {
			t.Fatalf("%s: the strong and the plain texts are the same", lang)
		}
		for _, tc := range []struct {
			name   string
			r      ipc.WipeReport
			roots  []ipc.RootStatus
			want   string
			broken []string
		}{
			{"plain", ipc.WipeReport{Verified: true, Removed: ipc.Removed{Files: 3}}, []ipc.RootStatus{dlEncrypted}, plain, nil},
			{"encrypted, key destroyed", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, strong, nil},
			{"fallback", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted, scanDeleted}, plain, nil},
			{"key kept", keyReport(false, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, plain, nil},
			{"swap", keyReport(true, "Téléchargements"), []ipc.RootStatus{dlEncrypted}, plain, []string{"swap"}},
		} {
			texts := screenText(t, DoneWithKey(c, tc.r, Protection{Roots: tc.roots, Broken: tc.broken}, false))
			if !strings.Contains(texts, tc.want) {
				t.Errorf("%s, %s: the final screen lacks %q:\n%s", lang, tc.name, tc.want, texts)
			}
			if tc.want == plain && strings.Contains(texts, strong) {
				t.Errorf("%s, %s: the final screen promises more than was done:\n%s", lang, tc.name, texts)
			}
			check := tc.r
			check.Checklist = checklistReport(true).Checklist
			texts = screenText(t, Checklist(c, check, Protection{Roots: tc.roots, Broken: tc.broken}))
			destroyed, kept := strings.Contains(texts, c.T("check.key.destroyed")), strings.Contains(texts, c.T("check.key.kept"))
			switch tc.name {
			case "encrypted, key destroyed":
				if !destroyed || kept {
					t.Errorf("%s: the checklist does not say the key is destroyed:\n%s", lang, texts)
				}
			case "key kept":
				if destroyed || !kept {
					t.Errorf("%s: the checklist does not say the key could not be destroyed:\n%s", lang, texts)
				}
			default:
				if destroyed || kept {
					t.Errorf("%s, %s: the checklist speaks of a key:\n%s", lang, tc.name, texts)
				}
			}
		}
	}
}

// TestNoticePromisesOnlyForEncryptedFolders: the notice's stronger
// sentence names the encrypted folders when some fell back to deletion,
// speaks of all the documents when every watched folder is encrypted,
// and is not there when none is.
func TestNoticePromisesOnlyForEncryptedFolders(t *testing.T) {
	test.NewTempApp(t)
	nop := func() {}
	for _, lang := range i18n.Order {
		c := catalog(t, lang)
		all := c.T("notice.unreadable_all")
		some := c.T("notice.unreadable_some", "folders", "Téléchargements")
		for _, tc := range []struct {
			name      string
			roots     []ipc.RootStatus
			want, not []string
			broken    []string
		}{
			{"none encrypted", []ipc.RootStatus{{Label: "Téléchargements", State: "watching", Protection: ipc.ProtectionDeleted, ProtectionCode: ipc.NotEncryptedFileSystem}, scanDeleted}, nil, []string{all, some}, nil},
			{"not known", nil, nil, []string{all, some}, nil},
			{"every watched folder", []ipc.RootStatus{dlEncrypted, usbRefused}, []string{all}, []string{some}, nil},
			{"one of two", []ipc.RootStatus{dlEncrypted, scanDeleted}, []string{some}, []string{all, "Numérisations"}, nil},
			{"hibernation possible", []ipc.RootStatus{dlEncrypted, usbRefused}, nil, []string{all, some}, []string{"hibernation"}},
		} {
			texts := screenText(t, NoticeWith(c, []string{"fr", "en"}, "", false, Protection{Roots: tc.roots, Broken: tc.broken}, nil, func(string) {}, nop, nil, true))
			for _, w := range tc.want {
				if !strings.Contains(texts, w) {
					t.Errorf("%s, %s: the notice lacks %q:\n%s", lang, tc.name, w, texts)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(texts, w) {
					t.Errorf("%s, %s: the notice says %q:\n%s", lang, tc.name, w, texts)
				}
			}
		}
		if !strings.Contains(screenText(t, Notice(c, []string{"fr"}, "", false, nil, func(string) {}, nop, nil, true)), c.T("notice.erased")) {
			t.Errorf("%s: the notice no longer says what is erased", lang)
		}
	}
}

// TestPromiseGolden: the final screen in French when the session's key
// was destroyed, against the same session on a file system without
// encryption (it falls back to deletion): the second draws exactly the
// plain deletion's screen (done_fr), not a word more.
func TestPromiseGolden(t *testing.T) {
	test.NewTempApp(t)
	c := catalog(t, "fr")
	render(t, "done_unreadable_fr", DoneWithKey(c, keyReport(true, "Téléchargements", "Numérisations"), Protection{Roots: []ipc.RootStatus{dlEncrypted, scanEncrypted}}, false))
	render(t, "done_fr", DoneWithKey(c, keyReport(true, "Téléchargements"), Protection{Roots: []ipc.RootStatus{dlEncrypted, scanDeleted}}, false))
	render(t, "notice_unreadable_some_fr", NoticeWith(c, []string{"fr", "en"}, "", false, Protection{Roots: []ipc.RootStatus{dlEncrypted, scanDeleted}}, nil, func(string) {}, func() {}, nil, true))
}

// screenText is every label's text of obj drawn in a window, on one
// line: the easy-to-read texts are cut one sentence per label.
func screenText(t *testing.T, obj fyne.CanvasObject) string {
	t.Helper()
	w := test.NewTempWindow(t, obj)
	w.Resize(screenSize)
	return strings.ReplaceAll(allText(w.Canvas().Content()), "\n", " ")
}
