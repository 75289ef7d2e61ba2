//go:build linux

package child

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestChildCodeNotInstrumented: every function the forked child runs
// (marked //sandbox:child, with a Go body) and every nosplit function here
// is also norace. Under -race an instrumented function calls into the race
// runtime, which may wait for a lock another thread of the parent held at
// the fork: the child hangs (TestChildRules does not look at this).
func TestChildCodeNotInstrumented(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Doc == nil {
				continue
			}
			var nosplit, norace bool
			for _, c := range fn.Doc.List {
				nosplit = nosplit || c.Text == "//go:nosplit" || (c.Text == childMarker && fn.Body != nil)
				norace = norace || c.Text == "//go:norace"
			}
			if nosplit {
				n++
				if !norace {
					t.Errorf("%s: %s runs in the child but is not norace", fset.Position(fn.Pos()), fn.Name.Name)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d nosplit functions found", n)
	}
}
