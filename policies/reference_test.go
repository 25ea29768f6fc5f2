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
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/policy.md from the field docs in policy.go")

const referencePath = "../docs/policy.md"

// TestPolicyReference keeps docs/policy.md generated from the doc comments
// of policy.go, so the reference sysadmins read cannot drift from the code.
func TestPolicyReference(t *testing.T) {
	got := renderReference(t)
	if *update {
		if err := os.WriteFile(referencePath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(referencePath)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("docs/policy.md is out of date with policies/policy.go; regenerate it with:\n  go test ./policies -run TestPolicyReference -update")
	}
}

func renderReference(t *testing.T) []byte {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "policy.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]string{} // type → yaml key → doc
	typeDocs := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		gd, ok := n.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			return true
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			typeDocs[ts.Name.Name] = gd.Doc.Text()
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]string{}
			for _, fld := range st.Fields.List {
				tag := reflect.StructTag(strings.Trim(fld.Tag.Value, "`"))
				key, _, _ := strings.Cut(tag.Get("yaml"), ",")
				fields[key] = fld.Doc.Text()
			}
			docs[ts.Name.Name] = fields
		}
		return false
	})

	var b bytes.Buffer
	b.WriteString("# Policy reference\n\n")
	b.WriteString("<!-- Generated from policies/policy.go by: go test ./policies -run TestPolicyReference -update. Do not edit. -->\n\n")
	b.WriteString("An Ardoise policy is one YAML file. Check it with `ardoise policy check FILE`; print the\n")
	b.WriteString("effective policy, defaults included, with `ardoise policy show --policy FILE`. Unknown keys are\n")
	b.WriteString("errors. Examples: [policies/examples/](../policies/examples/); JSON Schema for editors:\n")
	b.WriteString("[policies/schema.json](../policies/schema.json); built-in default:\n")
	b.WriteString("[policies/default.yaml](../policies/default.yaml).\n\n")
	b.WriteString("Durations are written like `90s`, `15m`, `2h`.\n")
	var walk func(typ reflect.Type, prefix string, depth int)
	walk = func(typ reflect.Type, prefix string, depth int) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < typ.NumField(); i++ {
			fld := typ.Field(i)
			key := yamlKey(fld)
			full := prefix + key
			fmt.Fprintf(&b, "\n%s `%s`\n\n", strings.Repeat("#", min(depth, 4)), full)
			fmt.Fprintf(&b, "Type: %s.\n\n", typeName(fld.Type))
			b.WriteString(markdown(docs[typ.Name()][key]))
			sub := fld.Type
			for sub.Kind() == reflect.Pointer {
				sub = sub.Elem()
			}
			if sub.Kind() == reflect.Slice {
				walk(sub, full+"[].", depth+1)
			} else {
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
