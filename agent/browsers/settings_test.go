package browsers

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ardoise-fr/ardoise/policies"
)

func defaults() Settings { return SettingsFrom(policies.Default().Browsers) }

func TestDefaultPolicyForcesPrivateEverywhere(t *testing.T) {
	s := defaults()
	if !s.ForcePrivate || !s.ForbidPasswords || s.SearchName != "Qwant" {
		t.Fatalf("default settings %+v", s)
	}
	for _, c := range []struct {
		id   ID
		want map[string]any
	}{
		{Firefox, map[string]any{"PrivateBrowsingModeAvailability": 2, "PasswordManagerEnabled": false, "OfferToSaveLogins": false, "DisableFirefoxAccounts": true, "SanitizeOnShutdown": true, "PromptForDownloadLocation": false}},
		{Chromium, map[string]any{"IncognitoModeAvailability": 2, "PasswordManagerEnabled": false, "BrowserSignin": 0, "SyncDisabled": true, "PromptForDownloadLocation": false, "DefaultSearchProviderName": "Qwant"}},
		{Chrome, map[string]any{"IncognitoModeAvailability": 2, "BrowserGuestModeEnabled": false}},
		{Edge, map[string]any{"InPrivateModeAvailability": 2, "BrowserAddProfileEnabled": false, "ClearBrowsingDataOnExit": true}},
	} {
		b, err := Lookup(c.id)
		if err != nil {
			t.Fatal(err)
		}
		p := ManagedPolicy(b, s)
		for k, v := range c.want {
			if p[k] != v {
				t.Errorf("%s: %s = %v, want %v", c.id, k, p[k], v)
			}
		}
		if c.id == Edge {
			if _, ok := p["IncognitoModeAvailability"]; ok {
				t.Error("Edge got Chromium's name for InPrivate")
			}
		}
	}
	fx, _ := Lookup(Firefox)
	se := ManagedPolicy(fx, s)["SearchEngines"].(map[string]any)
	if se["Default"] != "Qwant" || se["DefaultPrivate"] != "Qwant" {
		t.Errorf("Firefox search engines %v", se)
	}
}

func TestSettingsOff(t *testing.T) {
	off := false
	s := SettingsFrom(policies.Browsers{ForcePrivate: &off, ForbidPasswordSaving: &off})
	ch, _ := Lookup(Chromium)
	p := ManagedPolicy(ch, s)
	for _, k := range []string{"IncognitoModeAvailability", "PasswordManagerEnabled", "DefaultSearchProviderName"} {
		if _, ok := p[k]; ok {
			t.Errorf("%s set although the policy does not ask for it", k)
		}
	}
}

func TestPolicyJSONShapes(t *testing.T) {
	s := defaults()
	for _, b := range known {
		var v map[string]any
		if err := json.Unmarshal(PolicyJSON(b, s), &v); err != nil {
			t.Fatalf("%s: %v", b.ID, err)
		}
		_, wrapped := v["policies"]
		if wrapped != (b.Family == MozillaFamily) {
			t.Errorf("%s: policies wrapper %v", b.ID, wrapped)
		}
	}
}

func TestRegistryFile(t *testing.T) {
	reg := RegistryFile(Select([]string{"chrome", "edge", "firefox"}), defaults())
	for _, want := range []string{
		"Windows Registry Editor Version 5.00\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome]\r\n",
		"\"IncognitoModeAvailability\"=dword:00000002\r\n",
		"\"PasswordManagerEnabled\"=dword:00000000\r\n",
		"\"DefaultSearchProviderSearchURL\"=\"https://www.qwant.com/?q={searchTerms}\"\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\ClearBrowsingDataOnExitList]\r\n\"1\"=\"browsing_history\"\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge]\r\n",
		"\"InPrivateModeAvailability\"=dword:00000002\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox]\r\n",
		"\"PrivateBrowsingModeAvailability\"=dword:00000002\r\n",
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox\\SearchEngines\\Add\\1]\r\n",
		"\"URLTemplate\"=\"https://www.qwant.com/?q={searchTerms}\"\r\n",
	} {
		if !strings.Contains(reg, want) {
			t.Errorf("registry file lacks %q", want)
		}
	}
	if strings.Contains(strings.ReplaceAll(reg, "\r\n", ""), "\n") {
		t.Error("a line ends without CR LF")
	}
	if strings.Contains(reg, "[-") {
		t.Error("the registry file deletes a key: the organisation's values would go with it")
	}
	undo := RegistryRemovalFile(Select([]string{"firefox", "chrome"}), defaults())
	for _, want := range []string{
		"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome]\r\n",
		"\"IncognitoModeAvailability\"=-\r\n",
		"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\ClearBrowsingDataOnExitList]\r\n",
		"[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox\\SearchEngines]\r\n",
	} {
		if !strings.Contains(undo, want) {
			t.Errorf("removal file lacks %q\n%s", want, undo)
		}
	}
	if strings.Contains(undo, "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome]") {
		t.Error("the removal file deletes the whole Chrome key")
	}
	if got := regQuote(`C:\a "b"`); got != `"C:\\a \"b\""` {
		t.Errorf("regQuote = %s", got)
	}
}

func TestPlistIsWellFormed(t *testing.T) {
	s := defaults()
	s.SearchName = `Moteur <&> "x"`
	for _, b := range known {
		p := Plist(b, s)
		dec := xml.NewDecoder(strings.NewReader(p))
		dec.Strict = true
		keys := 0
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", b.ID, err, p)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "key" {
				keys++
			}
		}
		if keys < 5 {
			t.Errorf("%s: only %d keys", b.ID, keys)
		}
		if (b.Family == MozillaFamily) != strings.Contains(p, "<key>EnterprisePoliciesEnabled</key>\n\t<true/>") {
			t.Errorf("%s: EnterprisePoliciesEnabled wrong\n%s", b.ID, p)
		}
	}
}

func scratch(t *testing.T) Options {
	base := t.TempDir()
	return Options{Root: filepath.Join(base, "sys"), StateDir: filepath.Join(base, "state")}
}

func readJSON(t *testing.T, p string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApplyRemoveRoundTrip(t *testing.T) {
	opt := scratch(t)
	bs := Select([]string{"firefox", "chromium"})
	changes, err := Apply(bs, defaults(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Action != "create" || changes[1].Action != "create" {
		t.Fatalf("changes %+v", changes)
	}
	fx := readJSON(t, filepath.Join(opt.Root, "etc/firefox/policies/policies.json"))
	if fx["policies"].(map[string]any)["PrivateBrowsingModeAvailability"] != 2.0 {
		t.Errorf("firefox file %v", fx)
	}
	again, err := Apply(bs, defaults(), opt)
	if err != nil || again[0].Action != "unchanged" || again[1].Action != "unchanged" {
		t.Errorf("second apply: %+v %v", again, err)
	}
	removed, err := Remove(opt)
	if err != nil || len(removed) != 2 || removed[0].Action != "delete" {
		t.Fatalf("remove: %+v %v", removed, err)
	}
	if _, err := os.Stat(filepath.Join(opt.Root, "etc")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folders Apply created are still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(opt.StateDir, ManifestName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("manifest left after everything was removed: %v", err)
	}
}

// TestApplyMergesTheOrganisationsFirefoxFile: their settings stay, ours
// are added or win, and Remove puts their file back byte for byte.
func TestApplyMergesTheOrganisationsFirefoxFile(t *testing.T) {
	opt := scratch(t)
	theirs := []byte(`{"policies": {"Homepage": {"URL": "https://mediatheque.example"}, "PasswordManagerEnabled": true}}` + "\n")
	p := filepath.Join(opt.Root, "etc/firefox/policies/policies.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, theirs, 0o644)

	changes, err := Apply(Select([]string{"firefox"}), defaults(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if changes[0].Action != "merge" || len(changes[0].Conflicts) != 1 || changes[0].Conflicts[0] != "PasswordManagerEnabled" {
		t.Errorf("change %+v", changes[0])
	}
	pol := readJSON(t, p)["policies"].(map[string]any)
	if pol["Homepage"] == nil || pol["PasswordManagerEnabled"] != false || pol["PrivateBrowsingModeAvailability"] != 2.0 {
		t.Errorf("merged policies %v", pol)
	}
	if _, err := Remove(opt); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != string(theirs) {
		t.Errorf("their file was not put back:\n%s", got)
	}
}

func TestApplyNeverClobbers(t *testing.T) {
	opt := scratch(t)
	// A file named like ours that Ardoise did not write.
	p := filepath.Join(opt.Root, "etc/chromium/policies/managed/ardoise.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(`{"HomepageLocation": "x"}`), 0o644)
	if _, err := Apply(Select([]string{"chromium"}), defaults(), opt); err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Errorf("foreign ardoise.json: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != `{"HomepageLocation": "x"}` {
		t.Error("foreign file changed")
	}

	// A file we wrote and an admin edited since: left alone by Apply and
	// Remove alike.
	opt = scratch(t)
	bs := Select([]string{"firefox"})
	if _, err := Apply(bs, defaults(), opt); err != nil {
		t.Fatal(err)
	}
	fx := filepath.Join(opt.Root, "etc/firefox/policies/policies.json")
	os.WriteFile(fx, []byte(`{"policies": {}}`), 0o644)
	if _, err := Apply(bs, defaults(), opt); !errors.Is(err, ErrChangedByOthers) {
		t.Errorf("apply over an edited file: %v", err)
	}
	ch, err := Remove(opt)
	if err != nil || ch[0].Action != "keep" {
		t.Errorf("remove of an edited file: %+v %v", ch, err)
	}
	if b, _ := os.ReadFile(fx); string(b) != `{"policies": {}}` {
		t.Error("edited file changed")
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	opt := scratch(t)
	opt.DryRun = true
	ch, err := Apply(Select([]string{"firefox", "chrome", "edge"}), defaults(), opt)
	if err != nil || len(ch) != 3 {
		t.Fatalf("%+v %v", ch, err)
	}
	if _, err := os.Stat(opt.Root); !errors.Is(err, os.ErrNotExist) {
		t.Error("dry run created files")
	}
}

// TestOrganisationsManagedFilesSurvive: the organisation's own files in the
// managed folders are never touched by Apply, and after Remove everything
// is byte for byte as before, Firefox's merged file included.
func TestOrganisationsManagedFilesSurvive(t *testing.T) {
	opt := scratch(t)
	files := map[string]string{
		"etc/chromium/policies/managed/bibliotheque.json": `{"HomepageLocation": "https://mediatheque.example", "IncognitoModeAvailability": 0}`,
		"etc/chromium/policies/recommended/reco.json":     `{"ShowHomeButton": true}`,
		"etc/firefox/policies/policies.json":              "{\n  \"policies\": {\"DisplayBookmarksToolbar\": true}\n}\n",
	}
	for rel, content := range files {
		p := filepath.Join(opt.Root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o640)
	}
	before := fstreeLike(t, opt.Root)
	if _, err := Apply(Select([]string{"firefox", "chromium"}), defaults(), opt); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(opt.Root, "etc/chromium/policies/managed/bibliotheque.json")); string(b) != files["etc/chromium/policies/managed/bibliotheque.json"] {
		t.Error("apply changed the organisation's Chromium file")
	}
	if _, err := Remove(opt); err != nil {
		t.Fatal(err)
	}
	if after := fstreeLike(t, opt.Root); after != before {
		t.Errorf("after apply and remove:\n%s\nbefore:\n%s", after, before)
	}
}

// fstreeLike lists every entry under root with its mode and content.
func fstreeLike(t *testing.T, root string) string {
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		content := ""
		if fi.Mode().IsRegular() {
			c, _ := os.ReadFile(p)
			content = string(c)
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%s %v %q\n", rel, fi.Mode(), content)
		return nil
	})
	return b.String()
}

// TestWixIncludeMatchesRegistryFile checks that the MSI writes the same
// registry values as the .reg file, as well-formed XML.
func TestWixIncludeMatchesRegistryFile(t *testing.T) {
	bs := Select([]string{"firefox", "chromium", "chrome", "edge"})
	var doc struct {
		Keys []struct {
			Key    string `xml:"Key,attr"`
			Values []struct {
				Name  string `xml:"Name,attr"`
				Value string `xml:"Value,attr"`
			} `xml:"RegistryValue"`
		} `xml:"DirectoryRef>Component>RegistryKey"`
	}
	if err := xml.Unmarshal([]byte(WixInclude(bs, defaults())), &doc); err != nil {
		t.Fatalf("the WiX include is not well-formed: %v", err)
	}
	wix := map[string]string{}
	for _, k := range doc.Keys {
		for _, v := range k.Values {
			wix[k.Key+`\`+v.Name] = v.Value
		}
	}
	reg := map[string]bool{}
	key := ""
	for _, line := range strings.Split(RegistryFile(bs, defaults()), "\r\n") {
		switch {
		case strings.HasPrefix(line, `[HKEY_LOCAL_MACHINE\`):
			key = strings.TrimSuffix(strings.TrimPrefix(line, `[HKEY_LOCAL_MACHINE\`), "]")
		case strings.HasPrefix(line, `"`):
			name, _ := strconv.Unquote(line[:strings.Index(line, `"=`)+1])
			reg[key+`\`+name] = true
			if _, ok := wix[key+`\`+name]; !ok {
				t.Errorf("the MSI lacks %s\\%s", key, name)
			}
		}
	}
	if len(wix) != len(reg) {
		t.Errorf("the MSI sets %d values, the .reg file %d", len(wix), len(reg))
	}
	if got := wix[`SOFTWARE\Policies\Mozilla\Firefox\SearchEngines\Add\1\URLTemplate`]; got != `https://www.qwant.com/?q=[\{]searchTerms}` {
		t.Errorf("URLTemplate = %q: a brace must be escaped for the installer", got)
	}
}
