package userdirs

import "testing"

// TestW5_RedirectedKnownFolder runs the Windows logic here, with the values
// a user can put in HKCU User Shell Folders.
func TestW5_RedirectedKnownFolder(t *testing.T) {
	const profile = `C:\Users\public`
	dl := "{374DE290-123F-4565-9164-39C4925E467B}"
	for _, c := range []struct {
		value, rel, refused string
	}{
		{`%USERPROFILE%\Downloads`, "Downloads", ""},
		{`%userprofile%\Téléchargements\Scans`, "Téléchargements/Scans", ""},
		{`C:\Users\public\Downloads`, "Downloads", ""},
		{`C:\Windows\Temp`, "Downloads", "hors du profil"},
		{`\\srv\partage`, "Downloads", "dossier réseau"},
		{`D:\`, "Downloads", "support amovible ou autre disque"},
		{`%USERPROFILE%\..\other\Downloads`, "Downloads", "hors du profil"},
		{`%USERPROFILE%`, "Downloads", "hors du profil"},
		{`%TEMP%\x`, "Downloads", "chemin invalide"},
		{`C:\Users\publicity\Downloads`, "Downloads", "hors du profil"},
	} {
		rel, refused := ResolveWindowsFolder(profile, map[string]string{dl: c.value}, "{downloads}")
		if rel != c.rel || refused != c.refused {
			t.Errorf("%s: got %q (%q), want %q (%q)", c.value, rel, refused, c.rel, c.refused)
		}
	}
	// Legacy value names, and defaults when nothing is set.
	if rel, _ := ResolveWindowsFolder(profile, map[string]string{"Personal": `%USERPROFILE%\Mes documents`}, "{documents}"); rel != "Mes documents" {
		t.Errorf("legacy Personal value: %q", rel)
	}
	if rel, r := ResolveWindowsFolder(profile, nil, "{pictures}"); rel != "Pictures" || r != "" {
		t.Errorf("default: %q %q", rel, r)
	}
}
