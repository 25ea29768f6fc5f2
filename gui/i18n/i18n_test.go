package i18n

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
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

// TestPluralsInEveryLanguage: for every language and every text that
// depends on a count, the form chosen for 0, 1, 2, 5, 21 and 1 000 is the
// one the language's rule (CLDR) asks, the catalogue has that very form
// (no silent fall back from "few" to "other"), and the number is written
// as the language groups its digits.
func TestPluralsInEveryLanguage(t *testing.T) {
	rules := map[string][]string{ // forms for 0, 1, 2, 5, 21, 1000
		"fr":      {"one", "one", "other", "other", "other", "other"},
		"fr-falc": {"one", "one", "other", "other", "other", "other"},
		"en":      {"other", "one", "other", "other", "other", "other"},
		"es":      {"other", "one", "other", "other", "other", "other"},
		"de":      {"other", "one", "other", "other", "other", "other"},
		"it":      {"other", "one", "other", "other", "other", "other"},
		"pt":      {"other", "one", "other", "other", "other", "other"},
		"uk":      {"other", "one", "few", "other", "one", "other"},
	}
	thousand := map[string]string{"fr": "1\u00a0000", "fr-falc": "1\u00a0000", "en": "1,000", "es": "1000", "de": "1.000", "it": "1.000", "pt": "1000", "uk": "1\u00a0000"}
	fr, _ := load(Default)
	var keys []string
	for k := range fr {
		if strings.HasSuffix(k, ".other") {
			keys = append(keys, strings.TrimSuffix(k, ".other"))
		}
	}
	if len(keys) == 0 {
		t.Fatal("no plural text in French")
	}
	for _, code := range Order {
		want, ok := rules[code]
		if !ok {
			t.Errorf("%s: no plural rule in this test", code)
			continue
		}
		c, err := New(code)
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range []int{0, 1, 2, 5, 21, 1000} {
			if got := c.plural(n); got != want[i] {
				t.Errorf("%s: %d is %q, want %q", code, n, got, want[i])
			}
			for _, k := range keys {
				form := k + "." + want[i]
				if _, ok := c.msgs[form]; !ok {
					t.Errorf("%s: no %s for %d", code, form, n)
					continue
				}
				num := strconv.Itoa(n)
				if n == 1000 {
					num = thousand[code]
				}
				// "Ce document sera effacé :" may leave the number out for
				// one document, not for 21 in Ukrainian.
				bare := want[i] == "one" && n <= 1
				if got := c.N(k, n); got != c.T(form, "count", num) || !bare && !strings.Contains(got, num) {
					t.Errorf("%s: N(%s, %d) = %q, want the form %s with %q", code, k, n, got, form, num)
				}
			}
		}
	}
}

// TestNumbersAndTimes: "40 001" in French, never "40001"; times as
// people read them ("20 h 44").
func TestNumbersAndTimes(t *testing.T) {
	fr, _ := New("fr")
	en, _ := New("en")
	de, _ := New("de")
	at := time.Date(2026, 12, 3, 20, 4, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{fr.Num(40001), "40\u00a0001"},
		{fr.Num(999), "999"},
		{fr.Num(1234567), "1\u00a0234\u00a0567"},
		{en.Num(40001), "40,001"},
		{de.Num(40001), "40.001"},
		{fr.N("done.count", 40001), "40\u00a0001 documents effacés."},
		{fr.Time(at), "20 h 04"},
		{en.Time(at), "20:04"},
		{de.Time(at), "20:04 Uhr"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestNameOf: each language's own name, as its catalogue says it.
func TestNameOf(t *testing.T) {
	for _, code := range Order {
		c, err := New(code)
		if err != nil {
			t.Fatal(err)
		}
		if got := NameOf(code); got == "" || got != c.Name() {
			t.Errorf("%s: NameOf %q, catalogue %q", code, got, c.Name())
		}
	}
	if NameOf("ar") != "" {
		t.Error("a name for a language without texts")
	}
}
