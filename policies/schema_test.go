package policies

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// schema.json is generated from the Go types, their doc comments and the
// validator's tables (choices, shapes, spans, uniqueLists), so that an
// editor using it and "ardoise policy check" agree. What the schema cannot
// say (ranges of durations, rules between fields, system folders) only the
// Go validator checks.

const schemaPath = "schema.json"

// schemaExtra adds what the tables do not hold, by generic path: the
// root-path rules of checkRootPath as a pattern plus patterns it must not
// match ("not" stands in for look-ahead, which RE2 lacks), and the
// accounts that are never public. Rules between fields are in
// schemaRules; what no JSON Schema can say is listed in schemaParityExceptions
// (schema_parity_test.go).
func schemaExtra() map[string]obj {
	var ph []string
	for _, p := range placeholders {
		ph = append(ph, regexp.QuoteMeta(p))
	}
	var bases []string
	for _, b := range linuxBases {
		bases = append(bases, regexp.QuoteMeta(b[1:]))
	}
	const winSeg = `[^\\/:*?"<>|]+`
	rootPattern := `^((` + strings.Join(ph, "|") + `)(/[^/{}]+)*|/(` + strings.Join(bases, "|") + `)(/[^/]+)+|[A-Za-z]:((\\` + winSeg + `)+|(/` + winSeg + `)+))$`
	var sys []string
	for _, w := range windowsSystem {
		sys = append(sys, anyCase(w))
	}
	refused := []obj{
		{{"pattern", `[\x00-\x1f\x7f]`}},                    // control characters
		{{"pattern", `^[\\/][\\/]`}},                        // network paths
		{{"pattern", `(^|[\\/])\.\.([\\/]|$)`}},             // ".."
		{{"pattern", `^[/{].*/\.(/|$)`}},                    // "." (not plain)
		{{"pattern", `^[A-Za-z]:.*[\\/]\.([\\/]|$)`}},       // "." on Windows
		{{"pattern", `^[A-Za-z]:.*([. ]([\\/]|$)|[\\/] )`}}, // names Windows changes
		{{"pattern", `^[A-Za-z]:.*[\\/](` + anyCase("con") + `|` + anyCase("prn") + `|` + anyCase("aux") + `|` + anyCase("nul") + `|` + anyCase("com") + `[0-9¹²³]|` + anyCase("lpt") + `[0-9¹²³])(\.[^\\/]*)?([\\/]|$)`}}, // devices
		{{"pattern", `^[A-Za-z]:[\\/](` + strings.Join(sys, "|") + `)([\\/]|$)`}}, // system folders
		{{"pattern", `^[A-Za-z]:[\\/](` + anyCase("users") + `|` + anyCase("documents and settings") + `)$`}},
	}
	var sysAccounts []string
	for _, a := range systemAccounts {
		sysAccounts = append(sysAccounts, anyCase(a))
	}
	notSystem := obj{{"not", obj{{"pattern", `^(` + strings.Join(sysAccounts, "|") + `)$`}}}}
	label := obj{{"maxLength", maxLabel}, {"pattern", oneLineRe.String()}}
	return map[string]obj{
		"accounts.kiosk[]":            notSystem,
		"roots[].also_owned_by[]":     notSystem,
		"roots[].path":                {{"minLength", 1}, {"pattern", rootPattern}, {"not", obj{{"anyOf", refused}}}},
		"roots[].label":               label,
		"roots[].keep[]":              {{"minLength", 1}, {"pattern", `^[^/\\]+(/[^/\\]+)*/?$`}},
		"browsers.start_page":         {{"pattern", `^$|^https?://[^/?#\s]+`}},
		"browsers.search_engine.name": label,
		"browsers.search_engine.url":  {{"pattern", `^https://[^/?#\s]+.*\{searchTerms\}`}},
		"browsers.search_engine":      {{"dependentRequired", obj{{"name", []string{"url"}}, {"url", []string{"name"}}}}},
		"notice.text":                 {{"propertyNames", obj{{"enum", choices["notice.languages[]"].allowed}}}},
		"notice.text.*":               {{"maxLength", maxNotice}},
	}
}

// anyCase matches s whatever the case of its letters, without the "i"
// flag (JSON Schema patterns have none).
func anyCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
		if lo != up {
			b.WriteString("[" + lo + up + "]")
		} else {
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// schemaRules are the validator's rules between fields (rules in
// validate.go) that JSON Schema's if/then can say, at the top of the
// schema.
func schemaRules() []obj {
	prop := func(path string, s obj) obj {
		parts := strings.Split(path, ".")
		for i := len(parts) - 1; i >= 0; i-- {
			s = obj{{"properties", obj{{parts[i], s}}}, {"required", []string{parts[i]}}}
		}
		return s
	}
	isTrue := obj{{"const", true}}
	wholeHome := `^(\{home\}|/home/[^/]+|[A-Za-z]:[\\/](` + anyCase("users") + `|` + anyCase("documents and settings") + `)[\\/][^\\/]+)$`
	rules := []obj{
		// ruleDedicatedNeedsKiosk
		{{"if", prop("accounts.dedicated", isTrue)}, {"then", prop("accounts.kiosk", obj{{"minItems", 1}})}},
		// ruleEndProgramsNeedsDedicated
		{{"if", prop("accounts.end_programs", isTrue)}, {"then", prop("accounts.dedicated", isTrue)}},
		// ruleScopeAllNeedsDedicated, ruleWholeHome: a root that empties
		// a folder needs kiosk accounts nobody else uses.
		{{"if", prop("roots", obj{{"contains", obj{{"anyOf", []obj{
			prop("scope", obj{{"const", "all"}}),
			prop("path", obj{{"pattern", wholeHome}}),
		}}}}})}, {"then", prop("accounts.dedicated", isTrue)}},
		// ruleWholeHome: a whole home folder only with scope all.
		{{"properties", obj{{"roots", obj{{"items", obj{
			{"if", prop("path", obj{{"pattern", wholeHome}})}, {"then", prop("scope", obj{{"const", "all"}})},
		}}}}}}},
	}
	// ruleNoticeText: each text's language is offered (the default list
	// when notice.languages is not given).
	def := Default().Notice.Languages
	for _, l := range choices["notice.languages[]"].allowed {
		offered := prop("notice.languages", obj{{"contains", obj{{"const", l}}}})
		then := offered
		if slices.Contains(def, l) {
			then = obj{{"anyOf", []obj{offered, {{"not", prop("notice.languages", obj{})}}}}}
		}
		rules = append(rules, obj{{"if", prop("notice.text", obj{{"required", []string{l}}})}, {"then", then}})
	}
	return rules
}

// obj is a JSON object that keeps its keys in order, so that the schema
// lists fields in the order of the reference.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, x := range []any{e.k, e.v} {
			out, err := marshalPlain(x)
			if err != nil {
				return nil, err
			}
			b.Write(out)
			if j == 0 {
				b.WriteByte(':')
			}
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalPlain is json.Marshal without HTML escaping ("<" stays "<" in
// patterns).
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

var (
	requiredRe = regexp.MustCompile(`(^|\s)Required[.;]`)
	atLeastOne = regexp.MustCompile(`At least one`)
)

type schemaGen struct {
	docs  docs
	extra map[string]obj
}

func renderSchema(d docs) ([]byte, error) {
	g := schemaGen{docs: d, extra: schemaExtra()}
	s := obj{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", "https://ardoise.invalid/schema/policy-v1.json"},
		{"title", "Ardoise policy"},
		{"$comment", "Generated from policies/policy.go by: go test ./policies -run TestSchemaUpToDate -update. Do not edit. Reference: docs/policy.md; check a file with: ardoise policy check FILE"},
	}
	s = append(s, g.of(reflect.TypeFor[Policy](), "", d.types["Policy"])...)
	s = append(s, kv{"allOf", schemaRules()})
	var b bytes.Buffer
	raw, err := marshalPlain(s)
	if err != nil {
		return nil, err
	}
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// of returns the schema of a value of type t at the generic path, with doc
// as its description.
func (g schemaGen) of(t reflect.Type, path, doc string) obj {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var s obj
	if doc != "" {
		s = append(s, kv{"description", oneLine(doc)})
	}
	switch {
	case t == durationType:
		// The range is in the pattern (spanPattern): the schema refuses
		// the durations the Go validator refuses.
		sp := spans[path]
		str := obj{{"type", "string"}, {"pattern", spanPattern(sp.min, sp.max, sp.zeroOff)}}
		if sp.zeroOff || sp.min == 0 {
			s = append(s, kv{"anyOf", []obj{str, {{"const", 0}}}})
		} else {
			s = append(s, str...)
		}
	case t.Kind() == reflect.Struct:
		s = append(s, kv{"type", "object"}, kv{"additionalProperties", false})
		var props obj
		var required []string
		for i := 0; i < t.NumField(); i++ {
			key := yamlKey(t.Field(i))
			fdoc := g.docs.fields[t.Name()][key]
			props = append(props, kv{key, g.of(t.Field(i).Type, joinField(path, key), fdoc)})
			if requiredRe.MatchString(fdoc) {
				required = append(required, key)
			}
		}
		s = append(s, kv{"properties", props})
		if len(required) > 0 {
			s = append(s, kv{"required", required})
		}
	case t.Kind() == reflect.Slice:
		s = append(s, kv{"type", "array"})
		itemDoc := ""
		if elem(t).Kind() == reflect.Struct {
			itemDoc = g.docs.types[elem(t).Name()]
		}
		s = append(s, kv{"items", g.of(t.Elem(), path+"[]", itemDoc)})
		if atLeastOne.MatchString(oneLine(doc)) {
			s = append(s, kv{"minItems", 1})
		}
		if uniqueLists[path] {
			s = append(s, kv{"uniqueItems", true})
		}
	case t.Kind() == reflect.Map:
		s = append(s, kv{"type", "object"}, kv{"additionalProperties", g.of(t.Elem(), path+".*", "")})
	case t.Kind() == reflect.String:
		s = append(s, kv{"type", "string"})
		if c, ok := choices[path]; ok {
			allowed := c.allowed
			if inherited[path] {
				allowed = append([]string{""}, allowed...)
			}
			s = append(s, kv{"enum", allowed})
		}
		if sh, ok := shapes[path]; ok {
			p := sh.re.String()
			if sh.optional {
				p = `^$|` + p
			}
			s = append(s, kv{"pattern", p})
		}
	case t.Kind() == reflect.Bool:
		// yes, no, on, off: booleans for YAML 1.1 readers and for the
		// agent (parseBool), text for YAML 1.2 ones (js-yaml).
		s = append(s, kv{"anyOf", []obj{{{"type", "boolean"}}, {{"enum", []string{"yes", "Yes", "YES", "on", "On", "ON", "no", "No", "NO", "off", "Off", "OFF"}}}}})
	case t.Kind() == reflect.Int:
		s = append(s, kv{"type", "integer"}, kv{"const", CurrentVersion})
	}
	return append(s, g.extra[path]...)
}

// TestSchemaUpToDate keeps schema.json generated from the code.
func TestSchemaUpToDate(t *testing.T) {
	got, err := renderSchema(parseDocs(t))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("policies/schema.json is out of date with policies/policy.go and validate.go (%v); regenerate it with:\n  go test ./policies -run TestSchemaUpToDate -update", err)
	}
}

// TestSchemaMatchesGoTypes reads the committed schema.json and checks that
// every object in it has exactly the keys of the matching Go struct, so the
// two cannot drift even if the generator is wrong.
func TestSchemaMatchesGoTypes(t *testing.T) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, s map[string]any, typ reflect.Type)
	walk = func(path string, s map[string]any, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			next := "items"
			if typ.Kind() == reflect.Map {
				next = "additionalProperties"
			}
			if typ.Kind() != reflect.Pointer {
				sub, ok := s[next].(map[string]any)
				if !ok {
					t.Errorf("%s: schema has no %s for %s", path, next, typ)
					return
				}
				s = sub
			}
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == durationType {
			return
		}
		if s["type"] != "object" || s["additionalProperties"] != false {
			t.Errorf("%s: schema must be an object with additionalProperties: false", path)
		}
		props, _ := s["properties"].(map[string]any)
		var goKeys, schemaKeys []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			k := yamlKey(f)
			goKeys = append(goKeys, k)
			if sub, ok := props[k].(map[string]any); ok {
				if d, _ := sub["description"].(string); d == "" {
					t.Errorf("%s.%s: schema has no description", path, k)
				}
				walk(path+"."+k, sub, f.Type)
			}
		}
		for k := range props {
			schemaKeys = append(schemaKeys, k)
		}
		sort.Strings(goKeys)
		sort.Strings(schemaKeys)
		if !slices.Equal(goKeys, schemaKeys) {
			t.Errorf("%s: Go keys %v, schema keys %v", path, goKeys, schemaKeys)
		}
	}
	walk("policy", schema, reflect.TypeFor[Policy]())
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaPath, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlToJSONValue converts a YAML document to the values a JSON decoder
// would produce, so the JSON Schema can check it as an editor would.
func yamlToJSONValue(t testing.TB, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExamplesValidateWithGoAndSchema(t *testing.T) {
	schema := compileSchema(t)
	for _, f := range shippedPolicies(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f, data); err != nil {
			t.Errorf("Go validator rejects %s:\n%v", f, err)
		}
		if err := schema.Validate(yamlToJSONValue(t, data)); err != nil {
			t.Errorf("JSON Schema rejects %s:\n%v", f, err)
		}
	}
	// The effective policy printed by "policy show" validates too.
	for _, f := range shippedPolicies(t) {
		p, err := Load(f)
		if err != nil {
			continue // reported above
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(yamlToJSONValue(t, out)); err != nil {
			t.Errorf("JSON Schema rejects the printed form of %s:\n%v\n%s", f, err, out)
		}
	}
}

// TestSchemaCatchesMistakes makes sure the schema is not a rubber stamp:
// an editor using it flags the same basic mistakes as the Go validator.
func TestSchemaCatchesMistakes(t *testing.T) {
	schema := compileSchema(t)
	const ok = "version: 1\nroots: [{path: '{downloads}'}]\n"
	if err := schema.Validate(yamlToJSONValue(t, []byte(ok))); err != nil {
		t.Fatalf("schema rejects a minimal policy: %v", err)
	}
	for _, src := range []string{
		"version: 1\nroots: [{path: '{downloads}'}]\ncolour: blue\n",
		"version: 1\nroots: [{path: '{downloads}', colour: blue}]\n",
		"version: 1\nroots: [{path: '{downloads}', scope: everything}]\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {idle_timeout: 15 minutes}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {idle_timeout: -5m}\n",
		"version: 2\nroots: [{path: '{downloads}'}]\n",
		"roots: [{path: '{downloads}'}]\n",
		"version: 1\nroots: []\n",
		"version: 1\nroots: [{path: '{music}'}]\n",
		"version: 1\nroots: [{path: /etc/x}]\n",
		"version: 1\nroots: [{path: 'relative/x'}]\n",
		"version: 1\nroots: [{path: '{downloads}', keep: [/etc/passwd]}]\n",
		"version: 1\nroots: [{path: '{downloads}', also_owned_by: ['bad/name']}]\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {closing_times: [{time: '25:00'}]}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {closing_times: [{days: [mon]}]}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {accompanied: {staff_code_hash: secret}}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nbrowsers: {search_engine: {name: X, url: 'http://x/?q={searchTerms}'}}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nbrowsers: {search_engine: {url: 'https://x/?q={searchTerms}'}}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nbrowsers: {start_page: 'ftp://x'}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\ntraces: [trash, trash]\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nnotice: {languages: [klingon]}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nnotice: {languages: []}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nnotice: {text: {xx: hello}}\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nlogging: {level: verbose}\n",
	} {
		if err := schema.Validate(yamlToJSONValue(t, []byte(src))); err == nil {
			t.Errorf("schema accepts an invalid policy:\n%s", src)
		}
		if _, err := Parse("mistake.yaml", []byte(src)); err == nil {
			t.Errorf("Go validator accepts an invalid policy:\n%s", src)
		}
	}
}
