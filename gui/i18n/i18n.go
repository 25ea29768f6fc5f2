// Package i18n holds every word the window shows, in each language the
// public can choose with one tap, and the small rules around them (plural
// forms, file sizes). Fyne's own lang package follows the system locale and
// cannot switch while the window runs, which a person choosing their
// language on a shared computer needs; so the window uses this catalogue.
//
// The texts live in locales/<code>.json, one flat object per language; a
// test checks that every language has every key French has, and no other.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed locales/*.json
var files embed.FS

// Default is the language the window opens in.
const Default = "fr"

// Order is the order of the language buttons: French first, then its
// easy-to-read form, then the others.
var Order = []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}

// Catalog is the texts of one language, with French behind it for a
// missing text.
type Catalog struct {
	code     string
	msgs     map[string]string
	fallback map[string]string
}

func load(code string) (map[string]string, error) {
	data, err := files.ReadFile("locales/" + code + ".json")
	if err != nil {
		return nil, fmt.Errorf("no texts for language %q (available: %s)", code, strings.Join(Order, ", "))
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("locales/%s.json: %w", code, err)
	}
	return m, nil
}

// New returns the catalogue of language code ("fr", "fr-falc", "en", …).
func New(code string) (*Catalog, error) {
	fr, err := load(Default)
	if err != nil {
		return nil, err
	}
	m, err := load(code)
	if err != nil {
		return nil, err
	}
	return &Catalog{code: code, msgs: m, fallback: fr}, nil
}

// Supported keeps, of the languages a policy offers, those the window
// has texts for and can draw, in the policy's order; French when none is.
// (Arabic is refused for now: Fyne does not shape right-to-left text.)
func Supported(offered []string) []string {
	var out []string
	for _, c := range offered {
		if slices.Contains(Order, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = []string{Default}
	}
	return out
}

var (
	namesOnce sync.Once
	names     map[string]string
)

// NameOf returns the own name of language code ("Français", "English"),
// "" for a language without texts. The language bar names every language
// each time the notice is drawn: the names are read once, and no
// catalogue is kept for a language nobody chose (each one parsed is
// about 30 kB of the window's memory).
func NameOf(code string) string {
	namesOnce.Do(func() {
		names = map[string]string{}
		for _, c := range Order {
			if m, err := load(c); err == nil {
				names[c] = m["lang.name"]
			}
		}
	})
	return names[code]
}

// Code returns the catalogue's language code.
func (c *Catalog) Code() string { return c.code }

// Name returns the language's own name ("Français", "English").
func (c *Catalog) Name() string { return c.T("lang.name") }

// T returns the text for key with each {name} replaced by its value;
// args are name, value pairs. A missing text falls back to French, then
// to the key itself (which a test forbids).
func (c *Catalog) T(key string, args ...string) string {
	s, ok := c.msgs[key]
	if !ok {
		if s, ok = c.fallback[key]; !ok {
			s = key
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+args[i]+"}", args[i+1])
	}
	return s
}

// N is T for a text that depends on a count: it picks key.one, key.few
// or key.other by the language's rule, and sets {count}.
func (c *Catalog) N(key string, n int, args ...string) string {
	args = append(args, "count", c.Num(n))
	form := c.plural(n)
	for _, f := range []string{form, "other"} {
		if _, ok := c.msgs[key+"."+f]; ok {
			return c.T(key+"."+f, args...)
		}
	}
	return c.T(key+".other", args...)
}

// plural returns the CLDR plural category of n in the catalogue's
// language: French counts 0 and 1 as singular, English and most others
// only 1 (the catalogue's Portuguese is Portugal's, whose rule is
// English's, not Brazil's); Ukrainian has one, few and many (here
// "other").
func (c *Catalog) plural(n int) string {
	switch c.code {
	case "fr", "fr-falc":
		if n < 2 {
			return "one"
		}
	case "uk":
		switch {
		case n%10 == 1 && n%100 != 11:
			return "one"
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
			return "few"
		}
	default:
		if n == 1 {
			return "one"
		}
	}
	return "other"
}

// Num writes a whole number as the language groups its digits: "40 001"
// in French (a no-break space, so that it never breaks over two lines),
// "40,001" in English, "40.001" in German. Spanish and Portuguese leave
// four-digit numbers whole ("1000"), as their rules say.
func (c *Catalog) Num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u00a0"
	minDigits := 4
	switch c.code {
	case "en":
		sep = ","
	case "de", "it":
		sep = "."
	case "es":
		sep, minDigits = ".", 5
	case "pt":
		minDigits = 5
	}
	if len(s) >= minDigits {
		var b strings.Builder
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Time says a time of day as people read it in the language: "20 h 44"
// in French, "20:44" in English.
func (c *Catalog) Time(t time.Time) string {
	return c.T("time.format", "h", strconv.Itoa(t.Hour()), "m", fmt.Sprintf("%02d", t.Minute()))
}

// Size says a file size in the language's units, rounded as people say
// it: "220 Ko", "1,5 Mo" in French, "1.5 MB" in English.
func (c *Catalog) Size(bytes int64) string {
	const k = 1000
	var v float64
	var key string
	switch {
	case bytes < k:
		return c.T("size.b", "n", strconv.FormatInt(bytes, 10))
	case bytes < k*k:
		v, key = float64(bytes)/k, "size.kb"
	case bytes < k*k*k:
		v, key = float64(bytes)/(k*k), "size.mb"
	default:
		v, key = float64(bytes)/(k*k*k), "size.gb"
	}
	num := strconv.FormatFloat(v, 'f', 0, 64)
	if v < 10 {
		num = strconv.FormatFloat(v, 'f', 1, 64)
		num = strings.TrimSuffix(num, ".0")
	}
	if c.code != "en" {
		num = strings.ReplaceAll(num, ".", ",")
	}
	return c.T(key, "n", num)
}
