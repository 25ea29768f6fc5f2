package browsers

import (
	"strings"

	"github.com/ardoise-fr/ardoise/policies"
)

// Settings are the managed settings the policy asks for, whatever the
// browser.
type Settings struct {
	// ForcePrivate makes private browsing the only mode, and has the
	// browser forget what a session leaves even so (history, site data,
	// download prompts that keep files in hidden names).
	ForcePrivate bool
	// ForbidPasswords stops the browser from saving passwords or form
	// data, and from signing in to an account or syncing.
	ForbidPasswords bool
	// SearchName and SearchURL are the default search engine; empty for
	// the browser's own.
	SearchName, SearchURL string
}

// SettingsFrom reads the browsers part of a policy (defaults applied).
func SettingsFrom(b policies.Browsers) Settings {
	s := Settings{ForcePrivate: b.ForcePrivate == nil || *b.ForcePrivate, ForbidPasswords: b.ForbidPasswordSaving == nil || *b.ForbidPasswordSaving}
	s.SearchName, s.SearchURL = b.SearchEngine.Name, b.SearchEngine.URL
	return s
}

// ManagedPolicy returns the settings for browser b, as the JSON object
// its policy file holds (for Firefox, the object under "policies"). The
// Windows registry and macOS forms are built from the same object.
func ManagedPolicy(b Browser, s Settings) map[string]any {
	if b.Family == MozillaFamily {
		return firefoxPolicy(s)
	}
	return chromiumPolicy(b.ID, s)
}

// chromiumPolicy uses Chromium's policy names; Edge renames a few.
func chromiumPolicy(id ID, s Settings) map[string]any {
	p := map[string]any{
		// No process left running once the windows are closed, and no
		// "make me your default browser" question for the public.
		"BackgroundModeEnabled":        false,
		"DefaultBrowserSettingEnabled": false,
		"MetricsReportingEnabled":      false,
		"PromotionsEnabled":            false,
	}
	if s.ForcePrivate {
		p["IncognitoModeAvailability"] = 2
		p["BrowserGuestModeEnabled"] = false
		p["BrowserAddPersonEnabled"] = false
		p["SavingBrowserHistoryDisabled"] = true
		// The Save As dialog keeps a whole download in a hidden
		// temporary name (libraries.md §2): always save straight away.
		p["PromptForDownloadLocation"] = false
		p["ClearBrowsingDataOnExitList"] = []any{"browsing_history", "download_history", "cookies_and_other_site_data",
			"cached_images_and_files", "password_signin", "autofill", "site_settings", "hosted_app_data"}
	}
	if s.ForbidPasswords {
		p["PasswordManagerEnabled"] = false
		p["BrowserSignin"] = 0
		p["SyncDisabled"] = true
		p["AutofillAddressEnabled"] = false
		p["AutofillCreditCardEnabled"] = false
		p["ImportSavedPasswords"] = false
	}
	if s.SearchURL != "" {
		p["DefaultSearchProviderEnabled"] = true
		p["DefaultSearchProviderName"] = s.SearchName
		p["DefaultSearchProviderKeyword"] = keyword(s.SearchName)
		p["DefaultSearchProviderSearchURL"] = s.SearchURL
	}
	if id == Edge {
		// Edge's own names for the same settings.
		rename(p, "IncognitoModeAvailability", "InPrivateModeAvailability")
		rename(p, "BrowserAddPersonEnabled", "BrowserAddProfileEnabled")
		if _, ok := p["ClearBrowsingDataOnExitList"]; ok {
			delete(p, "ClearBrowsingDataOnExitList")
			p["ClearBrowsingDataOnExit"] = true
		}
	}
	return p
}

func firefoxPolicy(s Settings) map[string]any {
	p := map[string]any{
		"DisableTelemetry":        true,
		"DisableFirefoxStudies":   true,
		"DisableProfileImport":    true,
		"DisableProfileRefresh":   true,
		"DontCheckDefaultBrowser": true,
	}
	if s.ForcePrivate {
		p["PrivateBrowsingModeAvailability"] = 2
		p["SanitizeOnShutdown"] = true
		p["DisableFormHistory"] = true
		p["PromptForDownloadLocation"] = false
	}
	if s.ForbidPasswords {
		p["PasswordManagerEnabled"] = false
		p["OfferToSaveLogins"] = false
		p["DisableFirefoxAccounts"] = true
		p["AutofillAddressEnabled"] = false
		p["AutofillCreditCardEnabled"] = false
	}
	if s.SearchURL != "" {
		p["SearchEngines"] = map[string]any{
			"Add": []any{map[string]any{
				"Name": s.SearchName, "URLTemplate": s.SearchURL, "Method": "GET", "Alias": "@" + keyword(s.SearchName),
			}},
			"Default":        s.SearchName,
			"DefaultPrivate": s.SearchName,
		}
	}
	return p
}

func rename(p map[string]any, from, to string) {
	if v, ok := p[from]; ok {
		delete(p, from)
		p[to] = v
	}
}

// keyword is a search engine's short name: its name in lower case letters
// and digits ("Qwant" → "qwant").
func keyword(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "recherche"
	}
	return b.String()
}
