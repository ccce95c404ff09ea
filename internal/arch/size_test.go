package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function may be, from its signature to its
// closing brace: a reader must see what it does at once. Generated files
// (the tokenizer's scanners) are exempt.
const maxFuncLines = 80

// goFiles calls fn for every non-test, non-generated Go file of the module.
func goFiles(t *testing.T, fn func(path string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if ast.IsGenerated(f) {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		fn(rel, fset, f)
		return nil
	})
}

func TestFunctionLength(t *testing.T) {
	goFiles(t, func(path string, fset *token.FileSet, f *ast.File) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLines {
				t.Errorf("%s:%d: %s is %d lines, over %d: split it", path, fset.Position(fd.Pos()).Line, fd.Name.Name, n, maxFuncLines)
			}
		}
	})
}

// maxCmdFileLines bounds each file of cmd/sonde: the command only parses,
// resolves, runs and prints; policy lives in internal/.
const maxCmdFileLines = 200

func TestCommandFilesAreSmall(t *testing.T) {
	goFiles(t, func(path string, fset *token.FileSet, f *ast.File) {
		if filepath.Dir(path) != filepath.Join("cmd", "sonde") {
			return
		}
		if n := fset.Position(f.FileEnd).Line; n > maxCmdFileLines {
			t.Errorf("%s is %d lines, over %d: move its policy into internal/", path, n, maxCmdFileLines)
		}
	})
}

// clocked are the packages of the run path whose times all come from the
// run's clock (internal/clock, injected through profile.Env): none reads
// the wall clock itself.
var clocked = []string{"internal/profile", "internal/engine", "internal/pipeline", "internal/schedule", "internal/study",
	"internal/dataset", "internal/metrics", "internal/export", "internal/barrier"}

func TestRunPathReadsOneClock(t *testing.T) {
	goFiles(t, func(path string, fset *token.FileSet, f *ast.File) {
		if !slices.Contains(clocked, filepath.ToSlash(filepath.Dir(path))) {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" && (sel.Sel.Name == "Now" || sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
				t.Errorf("%s: time.%s: take the time from the run's clock", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	})
}
