package policies

import (
	_ "embed"
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the text of the built-in policy.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default returns the built-in policy: safe on any machine (only what a
// session creates in the user's usual folders is erased). It panics if the
// embedded file is invalid, which a test prevents.
func Default() *Policy {
	p, err := Parse("default.yaml", defaultYAML)
	if err != nil {
		panic(fmt.Sprintf("policies: the built-in policy is invalid: %v", err))
	}
	return p
}

var (
	defaultTraces    = []string{"trash", "recent_files", "thumbnails"}
	defaultLanguages = []string{"fr", "fr-falc", "en", "es", "de", "it", "pt", "uk"}
	defaultClose     = []string{"firefox", "chromium", "chrome", "edge"}
)

func boolPtr(b bool) *bool { return &b }

// applyDefaults fills what the file left out with the documented defaults.
// present reports whether the file gave a field a value, so that a written
// 0 is kept (idle_timeout: 0 turns the idle end off; idle_warning: 0 is then
// reported as out of range rather than silently replaced). Text fields
// written empty ("") take their default like missing ones.
func applyDefaults(p *Policy, present func(field string) bool) {
	for i := range p.Roots {
		r := &p.Roots[i]
		if r.Scope == "" {
			r.Scope = "session"
		}
		if r.Protection == "" {
			r.Protection = "encrypt"
		}
		if r.Kind == "" {
			r.Kind = "files"
			if strings.HasPrefix(r.Path, "{downloads}") {
				r.Kind = "downloads"
			}
		}
		if r.Label == "" {
			r.Label = defaultLabel(r.Path)
		}
	}
	s := &p.Session
	if s.IdleTimeout == 0 && !present("session.idle_timeout") {
		s.IdleTimeout = Duration(15 * time.Minute)
	}
	if s.IdleWarning == 0 && !present("session.idle_warning") {
		s.IdleWarning = Duration(60 * time.Second)
	}
	if s.WarnBefore == 0 && !present("session.warn_before") {
		s.WarnBefore = Duration(5 * time.Minute)
	}
	if s.EndOnAgentStop == nil {
		s.EndOnAgentStop = boolPtr(true)
	}
	if s.Accompanied.ReportRetention == 0 && !present("session.accompanied.report_retention") {
		s.Accompanied.ReportRetention = Duration(8760 * time.Hour)
	}
	b := &p.Browsers
	if b.Launch == "" {
		b.Launch = "firefox"
	}
	if b.Close == nil {
		b.Close = append([]string(nil), defaultClose...)
	}
	if b.ForcePrivate == nil {
		b.ForcePrivate = boolPtr(true)
	}
	if b.ForbidPasswordSaving == nil {
		b.ForbidPasswordSaving = boolPtr(true)
	}
	if b.SearchEngine.URL == "" && b.SearchEngine.Name == "" {
		b.SearchEngine = SearchEngine{Name: "Qwant", URL: "https://www.qwant.com/?q={searchTerms}"}
	}
	if p.Traces == nil {
		p.Traces = append([]string(nil), defaultTraces...)
	}
	if p.Notice.Languages == nil {
		p.Notice.Languages = append([]string(nil), defaultLanguages...)
	}
	if p.Notice.Mode == "" {
		p.Notice.Mode = "extend"
	}
	if p.Logging.Level == "" {
		p.Logging.Level = "info"
	}
	if p.Logging.Format == "" {
		p.Logging.Format = "text"
	}
	emptyNotNil(reflect.ValueOf(p).Elem())
}

// emptyNotNil turns nil lists and maps into empty ones, so that a policy
// printed by "policy show" and read back is the same value.
func emptyNotNil(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			emptyNotNil(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			emptyNotNil(v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		for i := 0; i < v.Len(); i++ {
			emptyNotNil(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	}
}

// defaultLabel names a root in plain French words for the window.
func defaultLabel(p string) string {
	labels := map[string]string{
		"{home}":      "Dossier personnel",
		"{downloads}": "Téléchargements",
		"{desktop}":   "Bureau",
		"{documents}": "Documents",
		"{pictures}":  "Images",
		"{temp}":      "Fichiers temporaires",
	}
	if l, ok := labels[p]; ok {
		return l
	}
	p = strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// MarshalYAML writes a duration the way it is read: "15m0s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// YAML prints the policy, defaults included, in the file format.
func (p *Policy) YAML() ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(p); err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	quoteForEveryReader(&doc)
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	return []byte(b.String()), nil
}

// quoteForEveryReader quotes the text values that the decoder would refuse
// unquoted ("=", "18:00", "2024"…: not text for YAML 1.1 readers), so that
// what "policy show" prints reads back.
func quoteForEveryReader(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && notTextFor11(n) != "" {
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		quoteForEveryReader(c)
	}
}
