//go:build !windows

// The audit reads the sources; once, on the build machine, is enough.

package safefs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// byNameChanges are the calls that change an object's owner, mode, times,
// extended attributes or content, or replace it, through a name (RC1,
// docs/design.md): in a folder the account can write, the name may lead
// to another object by the time the call runs. The agent does these
// through a descriptor it has checked (fchown, fchmod, ftruncate).
var byNameChanges = map[string]bool{}

func init() {
	for _, pkg := range []string{"unix", "syscall"} {
		for _, fn := range []string{"Fchownat", "Chown", "Lchown", "Fchmodat", "Chmod", "Utimensat", "UtimesNanoAt",
			"Utimes", "UtimesNano", "Lutimes", "Utime", "Setxattr", "Lsetxattr", "Removexattr", "Lremovexattr", "Truncate", "Renameat"} {
			byNameChanges[pkg+"."+fn] = true
		}
	}
	for _, fn := range []string{"Chown", "Lchown", "Chmod", "Chtimes", "Truncate"} {
		byNameChanges["os."+fn] = true
	}
}

// byNameAllowed are the known exceptions, each with the reason it is not
// in a folder the account can write.
var byNameAllowed = map[string]string{
	"agent/fstree/fstree.go:os.Lchown":                  "a test helper: it builds trees for tests, never runs in the agent",
	"agent/cryptoerase/cetest/loopfs_linux.go:os.Chmod": "a test helper: the folder it made for a test's file system, in root's temporary folder, never runs in the agent",
	"agent/ipcserver/socket.go:os.Chmod":                "the socket itself, once checkDir and checkParent have made sure only the agent's account can change the names on its way (design.md R1)",
}

// TestRC1_NoChangeByNameCalls keeps the audit of R1 true: no code of the
// agent or of the ardoise command changes an object by name, except the
// exceptions above.
func TestRC1_NoChangeByNameCalls(t *testing.T) {
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, top := range []string{"agent", "cmd/ardoise"} {
		top = filepath.Join(repo, top)
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			rel, err := filepath.Rel(repo, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				full := id.Name + "." + sel.Sel.Name
				if byNameChanges[full] && byNameAllowed[rel+":"+full] == "" {
					found = append(found, rel+": "+full)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range found {
		t.Errorf("%s changes an object by name; open it without following a link, check it, and act on the descriptor (design.md R1)", f)
	}
}
