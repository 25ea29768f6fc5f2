package policies

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// update rewrites the generated files (docs/policy.md, schema.json) and the
// expected errors of testdata/invalid from the code. Review the diff.
var update = flag.Bool("update", false, "rewrite docs/policy.md, schema.json and testdata/invalid expectations from the code")

const referencePath = "../docs/policy.md"

// docs are the doc comments of policy.go: types[T] is the doc of type T,
// fields[T][key] the doc of T's field whose YAML key is key.
type docs struct {
	types  map[string]string
	fields map[string]map[string]string
}

// parseDocs reads the doc comments of policy.go with go/ast.
func parseDocs(t *testing.T) docs {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "policy.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	d := docs{types: map[string]string{}, fields: map[string]map[string]string{}}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			d.types[ts.Name.Name] = gd.Doc.Text()
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]string{}
			for _, fld := range st.Fields.List {
				if fld.Tag == nil {
					t.Fatalf("policy.go: field %s of %s has no yaml tag", fld.Names[0].Name, ts.Name.Name)
				}
				tag := reflect.StructTag(strings.Trim(fld.Tag.Value, "`"))
				key, _, _ := strings.Cut(tag.Get("yaml"), ",")
				if fld.Doc.Text() == "" {
					t.Errorf("policy.go: field %s.%s has no doc comment; the policy reference is made from them", ts.Name.Name, fld.Names[0].Name)
				}
				fields[key] = fld.Doc.Text()
			}
			d.fields[ts.Name.Name] = fields
		}
	}
	return d
}

// oneLine joins a doc comment's lines for a JSON Schema description.
func oneLine(doc string) string { return strings.Join(strings.Fields(doc), " ") }

// elem strips pointers, slices and maps down to the element type.
func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

// TestPolicyReference keeps docs/policy.md generated from the doc comments
// of policy.go, so the reference sysadmins read cannot drift from the code.
func TestPolicyReference(t *testing.T) {
	got := renderReference(parseDocs(t))
	if *update {
		if err := os.WriteFile(referencePath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(referencePath)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("docs/policy.md is out of date with policies/policy.go (%v); regenerate it with:\n  go test ./policies -run TestPolicyReference -update", err)
	}
}

func renderReference(d docs) []byte {
	var b bytes.Buffer
	b.WriteString("# Policy reference\n\n")
	b.WriteString("<!-- Generated from policies/policy.go by: go test ./policies -run TestPolicyReference -update. Do not edit. -->\n\n")
	b.WriteString("An Ardoise policy is one YAML file. Check it with `ardoise policy check FILE`; print the\n")
	b.WriteString("effective policy, defaults included, with `ardoise policy show --policy FILE`. Unknown keys are\n")
	b.WriteString("errors, and every problem is reported at once as `FILE:LINE: FIELD: what is wrong`.\n")
	b.WriteString("`policy check` also checks the file as the system service does (owned by root, writable by\n")
	b.WriteString("nobody else; `--content-only` for a draft), and `policy check --on-this-machine FILE`, as root on\n")
	b.WriteString("one PC, says per kiosk account and folder what a session start would do there (see admin.md).\n")
	b.WriteString("Examples: [policies/examples/](../policies/examples/); built-in default:\n")
	b.WriteString("[policies/default.yaml](../policies/default.yaml).\n\n")
	b.WriteString("Durations are whole hours, minutes and seconds in that order: `90s`, `15m`, `2h`, `1h30m`\n")
	b.WriteString("(after the first part, minutes and seconds are below 60), or `0` where it turns a feature off.\n")
	b.WriteString("YAML anchors, aliases and tags are not allowed, and a file may not be larger than 1 MiB.\n\n")
	b.WriteString("A policy means the same to every YAML reader: a value that YAML 1.1 readers such as PyYAML\n")
	b.WriteString("(which Ansible uses) read as something else than text must be quoted where text is expected,\n")
	b.WriteString("such as `time: \"18:00\"` (unquoted, `18:00` is the number 1080 for them) or `label: \"2024\"`;\n")
	b.WriteString("`yes`, `no`, `on` and `off` are accepted as `true` and `false`, and `version: 1.0` as `1`.\n\n")
	b.WriteString("## JSON Schema\n\n")
	b.WriteString("[policies/schema.json](../policies/schema.json) (installed as `/usr/share/ardoise/schema.json`)\n")
	b.WriteString("is generated from the validator's own tables and rules (allowed values, patterns, the ranges of\n")
	b.WriteString("durations, the rules between fields that JSON Schema's `if`/`then` can say), for editors and\n")
	b.WriteString("for checks on a control machine (`python3-jsonschema`, `ajv`). A test checks every policy of the\n")
	b.WriteString("test corpus with Debian's python3-jsonschema through PyYAML and fails if it disagrees with\n")
	b.WriteString("`ardoise policy check`. A YAML 1.2 reader (js-yaml, which ajv-cli uses) reads an unquoted\n")
	b.WriteString("`18:00` as text, so the schema then accepts what the agent refuses: quote times of day.\n")
	b.WriteString("What only `ardoise policy check` knows:\n\n")
	b.WriteString("- the YAML text itself: anchors and aliases, a key given twice (PyYAML keeps the last one), tags;\n")
	b.WriteString("- relations between values in two places: a folder listed twice in `roots` (also as `C:\\Scans`\n")
	b.WriteString("  and `c:/scans`), `idle_warning` shorter than `idle_timeout`, `accounts.kiosk_below_uid_min`\n")
	b.WriteString("  naming only kiosk accounts;\n")
	b.WriteString("- who may change the file (owner, mode, folders), and with `--on-this-machine` the computer's\n")
	b.WriteString("  accounts and folders: whether each kiosk account exists and is not a system account, and\n")
	b.WriteString("  whether each root can be watched (a link, absent, a USB key, read-only for the service).\n")
	var walk func(typ reflect.Type, prefix string, depth int)
	walk = func(typ reflect.Type, prefix string, depth int) {
		for i := 0; i < typ.NumField(); i++ {
			fld := typ.Field(i)
			key := yamlKey(fld)
			full := prefix + key
			fmt.Fprintf(&b, "\n%s `%s`\n\n", strings.Repeat("#", min(depth, 4)), full)
			fmt.Fprintf(&b, "Type: %s.\n\n", typeName(fld.Type))
			b.WriteString(markdown(d.fields[typ.Name()][key]))
			sub := fld.Type
			for sub.Kind() == reflect.Pointer {
				sub = sub.Elem()
			}
			if sub.Kind() == reflect.Slice && elem(sub).Kind() == reflect.Struct {
				walk(elem(sub), full+"[].", depth+1)
			} else if sub.Kind() == reflect.Struct {
				walk(sub, full+".", depth+1)
			}
		}
	}
	walk(reflect.TypeFor[Policy](), "", 2)
	return b.Bytes()
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Pointer:
		return typeName(t.Elem())
	case t.Kind() == reflect.Slice:
		return "list of " + typeName(t.Elem())
	case t.Kind() == reflect.Map:
		return "mapping of text to " + typeName(t.Elem())
	case t.Kind() == reflect.Struct:
		return "mapping"
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Int:
		return "whole number"
	}
	return t.String()
}

func markdown(doc string) string {
	var p comment.Parser
	var pr comment.Printer
	return string(pr.Markdown(p.Parse(doc)))
}

// fieldDoc returns the doc comment of the field at a generic path
// ("roots[].scope", "browsers.close[]").
func fieldDoc(t *testing.T, d docs, generic string) string {
	t.Helper()
	typ := reflect.TypeFor[Policy]()
	doc := ""
	for _, part := range strings.Split(strings.ReplaceAll(generic, "[]", ""), ".") {
		typ = elem(typ)
		f, ok := fieldByKey(typ, part)
		if !ok {
			t.Fatalf("%s: no field %q in %s", generic, part, typ)
		}
		doc = d.fields[typ.Name()][part]
		typ = f.Type
	}
	return doc
}

func fieldByKey(typ reflect.Type, key string) (reflect.StructField, bool) {
	if typ.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := 0; i < typ.NumField(); i++ {
		if yamlKey(typ.Field(i)) == key {
			return typ.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// TestDocsNameWhatIsAllowed keeps the prose of policy.go (and so the
// reference) in step with the validator's tables: every allowed value and
// every duration bound appears in the field's doc comment.
func TestDocsNameWhatIsAllowed(t *testing.T) {
	d := parseDocs(t)
	for g, c := range choices {
		doc := fieldDoc(t, d, g)
		for _, a := range c.allowed {
			if !regexp.MustCompile(`(^|[\s,:])` + regexp.QuoteMeta(a) + `([\s,.(]|$)`).MatchString(doc) {
				t.Errorf("%s: the doc comment does not name the allowed value %q:\n%s", g, a, doc)
			}
		}
	}
	for g, sp := range spans {
		doc := fieldDoc(t, d, g)
		for _, bound := range []time.Duration{sp.min, sp.max} {
			if bound != 0 && !strings.Contains(doc, shortDuration(bound)) {
				t.Errorf("%s: the doc comment does not give the bound %s:\n%s", g, shortDuration(bound), doc)
			}
		}
		if sp.zeroOff != strings.Contains(oneLine(doc), "0 disables it") {
			t.Errorf("%s: the doc comment and the validator disagree on whether 0 turns it off:\n%s", g, doc)
		}
	}
}
