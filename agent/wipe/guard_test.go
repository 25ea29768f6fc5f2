package wipe

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forbidden are the calls that resolve a path the user can change, or
// follow links, and so must never appear in the privileged file packages
// (threats.md D2 and L7). Everything there goes through safefs handles.
var forbidden = map[string]bool{
	"os.RemoveAll": true, "os.Remove": true, "os.Lstat": true, "os.Stat": true,
	"os.ReadDir": true, "os.Open": true, "os.OpenFile": true, "os.OpenRoot": true,
	"os.OpenInRoot": true, "filepath.Walk": true, "filepath.WalkDir": true,
}

// guardedPackages are the packages that touch user-writable roots.
var guardedPackages = []string{"../safefs", "../wipe", "../baseline", "../watch", "../traces"}

// allowed lists file-level exceptions: baseline files live in the agent's
// own root-only state directory, never under a root.
var allowed = map[string]bool{"statefile.go:os.Open": true, "statefile.go:os.Remove": true}

func findForbidden(fset *token.FileSet, f *ast.File, name string) []string {
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch fn := call.Fun.(type) {
		case *ast.SelectorExpr:
			if id, ok := fn.X.(*ast.Ident); ok {
				full := id.Name + "." + fn.Sel.Name
				if forbidden[full] && !allowed[name+":"+full] {
					found = append(found, fset.Position(call.Pos()).String()+": "+full)
				}
			}
			// (*os.Root).RemoveAll / Remove, and fsnotify's Add(path).
			if fn.Sel.Name == "RemoveAll" || (fn.Sel.Name == "Add" && mentionsWatcher(fn.X)) {
				found = append(found, fset.Position(call.Pos()).String()+": ."+fn.Sel.Name)
			}
		}
		return true
	})
	return found
}

func mentionsWatcher(x ast.Expr) bool {
	var b strings.Builder
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			b.WriteString(strings.ToLower(id.Name))
		}
		return true
	})
	return strings.Contains(b.String(), "watch") || strings.Contains(b.String(), "notify")
}

func TestL7_ForbiddenAPIGuard(t *testing.T) {
	for _, dir := range guardedPackages {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") || filepath.Base(file) == "addwatch.go" {
				continue
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, file, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, hit := range findForbidden(fset, f, filepath.Base(file)) {
				t.Errorf("forbidden path-based call in a privileged package: %s", hit)
			}
		}
	}
}

// TestL7_GuardCatchesACall proves the guard can fail.
func TestL7_GuardCatchesACall(t *testing.T) {
	src := `package x
import ("os"; "path/filepath")
func f(r *os.Root, w *fsnotify.Watcher) {
	os.RemoveAll("/home/kiosk/Downloads/x")
	filepath.WalkDir("/", nil)
	r.RemoveAll("x")
	w.Add("/home/kiosk/Downloads")
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := findForbidden(fset, f, "x.go"); len(got) != 4 {
		t.Fatalf("guard found %d forbidden calls, want 4: %v", len(got), got)
	}
}
