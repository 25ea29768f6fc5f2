package userdirs

import "testing"

// TestW5_RedirectedKnownFolder runs the Windows logic on Linux (fake input:
// the registry itself cannot be read here). The values are what a user can
// put in HKCU User Shell Folders; every refused one falls back to the
// default folder beneath the profile, with the reason W5 names.
func TestW5_RedirectedKnownFolder(t *testing.T) {
	const profile = `C:\Users\public`
	const dl = "{374DE290-123F-4565-9164-39C4925E467B}"
	for _, c := range []struct {
		value, rel, code, reason string
	}{
		{`%USERPROFILE%\Downloads`, "Downloads", "", ""},
		{`%userprofile%\Téléchargements\Scans`, "Téléchargements/Scans", "", ""},
		{`C:\Users\public\Downloads`, "Downloads", "", ""},
		{`c:/users/PUBLIC/Downloads\`, "Downloads", "", ""},
		{`C:\Users\public\OneDrive\.\Téléchargements`, "OneDrive/Téléchargements", "", ""},
		// The three W5 cases.
		{`C:\Windows\Temp`, "Downloads", CodeOutsideProfile, "hors du profil"},
		{`\\srv\partage`, "Downloads", CodeNetwork, "dossier réseau"},
		{`D:\`, "Downloads", CodeRemovable, "support amovible"},
		// Variants of them.
		{`//srv/partage/dl`, "Downloads", CodeNetwork, "dossier réseau"},
		{`\\?\UNC\srv\partage`, "Downloads", CodeNetwork, "dossier réseau"},
		{`\\?\C:\Users\public\Downloads`, "Downloads", CodeInvalid, "chemin invalide"},
		{`\\.\PhysicalDrive0`, "Downloads", CodeInvalid, "chemin invalide"},
		{`E:\Users\public\Downloads`, "Downloads", CodeRemovable, "support amovible"},
		{`%USERPROFILE%\..\other\Downloads`, "Downloads", CodeOutsideProfile, "hors du profil"},
		{`%USERPROFILE%\Downloads\..\..\..\Windows`, "Downloads", CodeOutsideProfile, "hors du profil"},
		{`C:\Users\publicity\Downloads`, "Downloads", CodeOutsideProfile, "hors du profil"},
		{`C:\Users`, "Downloads", CodeOutsideProfile, "hors du profil"},
		{`%USERPROFILE%`, "Downloads", CodeDisabled, reasons[CodeDisabled]},
		{`%USERPROFILE%\.`, "Downloads", CodeDisabled, reasons[CodeDisabled]},
		{`%TEMP%\x`, "Downloads", CodeInvalid, "chemin invalide"},
		{`Downloads`, "Downloads", CodeInvalid, "chemin invalide"},
		{`C:Downloads`, "Downloads", CodeInvalid, "chemin invalide"},
		{``, "Downloads", CodeEmpty, reasons[CodeEmpty]},
		{`%USERPROFILE%\Downloads:secret`, "Downloads", CodeInvalid, "chemin invalide"},
		{`%USERPROFILE%\Downloads.`, "Downloads", CodeInvalid, "chemin invalide"},
		{`%USERPROFILE%\...\x`, "Downloads", CodeInvalid, "chemin invalide"},
		{"%USERPROFILE%\\a\nb", "Downloads", CodeControlChar, reasons[CodeControlChar]},
		// U+212A KELVIN SIGN folds to "k" in Unicode, not in NTFS.
		{"C:\\Users\\publi\u212A\\Downloads", "Downloads", CodeOutsideProfile, "hors du profil"},
	} {
		got := windowsFolder(profile, map[string]string{dl: c.value}, Downloads)
		if got.rel != c.rel || got.code != c.code || got.reason != c.reason {
			t.Errorf("%q: got %q (%s, %q), want %q (%s, %q)", c.value, got.rel, got.code, got.reason, c.rel, c.code, c.reason)
		}
	}
}

func TestWindowsKnownFolderNames(t *testing.T) {
	const profile = `C:\Users\public`
	for _, c := range []struct {
		ph     string
		values map[string]string
		want   string
	}{
		{Documents, map[string]string{"Personal": `%USERPROFILE%\Mes documents`}, "Mes documents"},
		{Documents, map[string]string{"{FDD39AD0-238F-46AF-ADB4-6C85480369C7}": `%USERPROFILE%\Docs`}, "Docs"},
		// Explorer writes the legacy name; it wins over the GUID.
		{Desktop, map[string]string{"Desktop": `%USERPROFILE%\Bureau`, "{B4BFCC3A-DB2C-424C-B029-7FE99A87C641}": `D:\x`}, "Bureau"},
		{Pictures, map[string]string{"My Pictures": `%USERPROFILE%\Images`}, "Images"},
		{Pictures, nil, "Pictures"},
		{Downloads, map[string]string{"Personal": `%USERPROFILE%\Docs`}, "Downloads"},
	} {
		got := windowsFolder(profile, c.values, c.ph)
		if got.rel != c.want || got.code != "" {
			t.Errorf("%s %v: got %+v, want %q", c.ph, c.values, got, c.want)
		}
	}
	// A broken profile path refuses every value rather than guessing.
	if got := windowsFolder(`\\srv\profiles\public`, map[string]string{"Personal": `\\srv\profiles\public\Docs`}, Documents); got.code == "" {
		t.Errorf("network profile accepted: %+v", got)
	}
}
