package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// TestEveryLanguageHasEveryText: each language has each French key (its
// plural forms may differ) with the same placeholders, and nothing else.
func TestEveryLanguageHasEveryText(t *testing.T) {
	fr, err := load(Default)
	if err != nil {
		t.Fatal(err)
	}
	base := func(k string) string {
		for _, f := range []string{".one", ".few", ".other"} {
			if strings.HasSuffix(k, f) {
				return strings.TrimSuffix(k, f) + ".*"
			}
		}
		return k
	}
	want := map[string]string{}
	for k, v := range fr {
		want[base(k)] = strings.Join(placeholder.FindAllString(v, -1), " ")
	}
	for _, code := range Order {
		m, err := load(code)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for k, v := range m {
			b := base(k)
			got[b] = true
			ph, ok := want[b]
			if !ok {
				t.Errorf("%s: %s is not a French key", code, k)
				continue
			}
			have := placeholder.FindAllString(v, -1)
			for _, p := range strings.Fields(ph) {
				if !slices.Contains(have, p) && p != "{count}" {
					t.Errorf("%s: %s lacks %s: %q", code, k, p, v)
				}
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", code, k)
			}
		}
		for k := range want {
			if !got[k] {
				t.Errorf("%s: no text for %s", code, k)
			}
		}
		if _, ok := m["preview.intro.other"]; !ok {
			t.Errorf("%s: plural texts need an .other form", code)
		}
	}
}

func TestPluralsAndSizes(t *testing.T) {
	fr, _ := New("fr")
	en, _ := New("en")
	uk, _ := New("uk")
	for _, c := range []struct {
		got, want string
	}{
		{fr.N("done.count", 0), "0 document effacé."},
		{fr.N("done.count", 1), "1 document effacé."},
		{fr.N("done.count", 2), "2 documents effacés."},
		{en.N("done.count", 0), "0 documents erased."},
		{en.N("done.count", 1), "1 document erased."},
		{uk.N("done.count", 1), "Видалено 1 документ."},
		{uk.N("done.count", 3), "Видалено 3 документи."},
		{uk.N("done.count", 11), "Видалено 11 документів."},
		{uk.N("done.count", 22), "Видалено 22 документи."},
		{fr.Size(512), "512 octets"},
		{fr.Size(220_000), "220 Ko"},
		{fr.Size(1_500_000), "1,5 Mo"},
		{en.Size(1_500_000), "1.5 MB"},
		{fr.Size(3_000_000_000), "3 Go"},
		{fr.T("preview.item", "name", "Attestation CAF.pdf", "kind", fr.T("kind.downloaded"), "folder", "Téléchargements", "size", fr.Size(220_000)),
			"Attestation CAF.pdf — téléchargé — dans Téléchargements — 220 Ko"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if _, err := New("xx"); err == nil {
		t.Error("an unknown language was accepted")
	}
	if got := Supported([]string{"ar", "en", "fr", "en"}); !slices.Equal(got, []string{"en", "fr"}) {
		t.Errorf("Supported = %v", got)
	}
	if got := Supported([]string{"ar"}); !slices.Equal(got, []string{"fr"}) {
		t.Errorf("Supported(ar) = %v", got)
	}
}
