package ipc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// constants returns the string constants of file whose name starts with
// prefix, by name, as the source declares them.
func constants(t *testing.T, file, prefix string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !strings.HasPrefix(n.Name, prefix) || !ok || lit.Kind != token.STRING {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				out[n.Name] = v
			}
		}
	}
	return out
}

// TestErrorCodesListsEveryCode keeps ErrorCodes the whole list: the status
// table and the window's texts are tested against it, so a Code constant
// left out of it would reach the wire unchecked.
func TestErrorCodesListsEveryCode(t *testing.T) {
	consts := constants(t, "errors.go", "Code")
	if len(consts) < 20 {
		t.Fatalf("found %d Code constants in errors.go; the parse is wrong", len(consts))
	}
	codes := ErrorCodes()
	for name, v := range consts {
		if !slices.Contains(codes, v) {
			t.Errorf("%s (%q) is not in ErrorCodes", name, v)
		}
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("ErrorCodes lists %q twice", c)
		}
		seen[c] = true
	}
	if len(codes) != len(consts) {
		t.Errorf("ErrorCodes has %d codes, errors.go declares %d Code constants", len(codes), len(consts))
	}
}

// TestStatesListsEveryState does the same for the session states.
func TestStatesListsEveryState(t *testing.T) {
	consts := constants(t, "ipc.go", "State")
	states := States()
	if len(states) != len(consts) {
		t.Errorf("States has %d states, ipc.go declares %d State constants: %v", len(states), len(consts), consts)
	}
	for name, v := range consts {
		if !slices.Contains(states, v) {
			t.Errorf("%s (%q) is not in States", name, v)
		}
	}
}
