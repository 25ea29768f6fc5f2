package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

const goldenSep = "\n----------\n"

// TestInvalidPolicies runs every golden file in testdata/invalid: the policy,
// a separator line, then the exact errors expected.
func TestInvalidPolicies(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d invalid policies; the checker must be tested on at least 20 kinds of mistakes", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			policy, want, ok := strings.Cut(string(src), goldenSep)
			if !ok {
				// An empty policy has nothing before the separator.
				policy, want, ok = strings.Cut(string(src), strings.TrimPrefix(goldenSep, "\n"))
			}
			if !ok {
				t.Fatalf("%s has no %q line", f, strings.TrimSpace(goldenSep))
			}
			_, err = Parse(filepath.Base(f), []byte(policy))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse accepted an invalid policy (err=%v)", err)
			}
			if got := ve.Error(); got != strings.TrimRight(want, "\n") {
				t.Errorf("errors differ.\ngot:\n%s\nwant:\n%s", got, want)
			}
			for _, p := range ve.Problems {
				if p.Line < 1 {
					t.Errorf("problem without a line: %+v", p)
				}
			}
		})
	}
}

func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("examples/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("want the three example policies, found %v (%v)", files, err)
	}
	return append(files, "default.yaml")
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlToJSONValue converts a YAML document to the values a JSON decoder
// would produce, so the JSON Schema can check it.
func yamlToJSONValue(t *testing.T, data []byte) any {
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
	for _, f := range examples(t) {
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
}

// TestSchemaCatchesMistakes makes sure the schema is not a rubber stamp:
// an editor using it must flag the same basic mistakes.
func TestSchemaCatchesMistakes(t *testing.T) {
	schema := compileSchema(t)
	for _, src := range []string{
		"version: 1\nroots: [{path: '{downloads}'}]\ncolour: blue\n",
		"version: 1\nroots: [{path: '{downloads}', scope: everything}]\n",
		"version: 1\nroots: [{path: '{downloads}'}]\nsession: {idle_timeout: 15 minutes}\n",
		"version: 2\nroots: [{path: '{downloads}'}]\n",
		"version: 1\nroots: []\n",
	} {
		if err := schema.Validate(yamlToJSONValue(t, []byte(src))); err == nil {
			t.Errorf("schema accepts an invalid policy:\n%s", src)
		}
	}
}

// TestSchemaMatchesGoTypes keeps schema.json and the Go types from drifting:
// every object in the schema has exactly the keys of the matching struct.
func TestSchemaMatchesGoTypes(t *testing.T) {
	raw, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, s map[string]any, typ reflect.Type)
	walk = func(path string, s map[string]any, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
			if items, ok := s["items"].(map[string]any); ok {
				s = items
			}
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		props, _ := s["properties"].(map[string]any)
		if s["additionalProperties"] != false {
			t.Errorf("%s: schema must set additionalProperties: false", path)
		}
		var goKeys, schemaKeys []string
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			k := yamlKey(f)
			goKeys = append(goKeys, k)
			if sub, ok := props[k].(map[string]any); ok {
				walk(path+"."+k, sub, f.Type)
				if _, ok := sub["description"]; !ok {
					t.Errorf("%s.%s: schema has no description", path, k)
				}
			}
		}
		for k := range props {
			schemaKeys = append(schemaKeys, k)
		}
		sort.Strings(goKeys)
		sort.Strings(schemaKeys)
		if !reflect.DeepEqual(goKeys, schemaKeys) {
			t.Errorf("%s: Go keys %v, schema keys %v", path, goKeys, schemaKeys)
		}
	}
	walk("policy", schema, reflect.TypeFor[Policy]())
}

// TestDefaultIsSafeAnywhere checks the promise of the built-in policy: it
// only ever erases what a session created, in the user's usual folders.
func TestDefaultIsSafeAnywhere(t *testing.T) {
	p := Default()
	if len(p.Roots) == 0 {
		t.Fatal("the default policy watches nothing")
	}
	for _, r := range p.Roots {
		if r.Scope != "session" {
			t.Errorf("default root %s has scope %q; the default must keep what existed before", r.Path, r.Scope)
		}
		if r.Path == "{home}" || strings.HasPrefix(r.Path, "{temp}") || strings.HasPrefix(r.Path, "/") {
			t.Errorf("default root %s is not one of the user's usual folders", r.Path)
		}
	}
	if !*p.Browsers.ForcePrivate || !*p.Browsers.ForbidPasswordSaving {
		t.Error("the default policy must force private browsing and forbid saved passwords")
	}
}

func TestDefaultsAreFilled(t *testing.T) {
	p, err := Parse("min.yaml", []byte("version: 1\nroots:\n  - path: \"{downloads}\"\n  - path: /srv/scans/a\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := p.Roots[0]
	if r.Scope != "session" || r.Kind != "downloads" || r.Label != "Téléchargements" {
		t.Errorf("root defaults: %+v", r)
	}
	if p.Roots[1].Kind != "files" || p.Roots[1].Label != "a" {
		t.Errorf("absolute root defaults: %+v", p.Roots[1])
	}
	if p.Session.IdleTimeout.D().Minutes() != 15 || p.Session.EndOnAgentStop == nil || !*p.Session.EndOnAgentStop {
		t.Errorf("session defaults: %+v", p.Session)
	}
	if p.Browsers.Launch != "firefox" || p.Browsers.SearchEngine.Name != "Qwant" {
		t.Errorf("browser defaults: %+v", p.Browsers)
	}
	// idle_timeout: 0 is a choice (no idle end), not a missing value.
	p, err = Parse("noidle.yaml", []byte("version: 1\nroots: [{path: '{downloads}'}]\nsession: {idle_timeout: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Session.IdleTimeout != 0 {
		t.Errorf("idle_timeout: 0 became %s", p.Session.IdleTimeout)
	}
}

func TestShowRoundTrip(t *testing.T) {
	for _, f := range examples(t) {
		p, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse("shown-"+filepath.Base(f), out)
		if err != nil {
			t.Fatalf("the printed form of %s does not validate: %v\n%s", f, err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: printing and reading back changed the policy:\n%+v\n%+v", f, p, q)
		}
	}
}

func TestLoadRefusesHugeFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(f, bytes.Repeat([]byte("# comment\n"), MaxSize/10+10), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(f)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Load of a huge file: %v", err)
	}
}

// FuzzParse feeds the loader arbitrary input. It must never panic, and a
// policy it accepts must print and read back to the same policy.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("examples/*.yaml")
	invalid, _ := filepath.Glob("testdata/invalid/*.yaml")
	for _, s := range append(append(seeds, "default.yaml"), invalid...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		policy, _, _ := strings.Cut(string(data), goldenSep)
		f.Add([]byte(policy))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error is not a ValidationError with problems: %v", err)
			}
			return
		}
		out, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("accepted policy does not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the policy:\n%s", out)
		}
	})
}
