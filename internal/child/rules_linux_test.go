package child

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// childMarker, in a function's doc comment, says the function runs in the
// child between runtime_BeforeFork and execve (see fork_linux.go).
const childMarker = "//sandbox:child"

// TestChildRules checks the child's rules (fork_linux.go) on this package:
// it finds the functions marked //sandbox:child, builds the package with
// -gcflags=-m, -d=ssa/check_bce and -S, and fails on an escape, a bounds
// check or a call the child may not make in any of them.
func TestChildRules(t *testing.T) {
	marked, violations := checkChildRules(t, ".")
	for _, v := range violations {
		t.Error(v)
	}
	// The rules are only as good as the markers: the child's entry points
	// and the functions they reach must all be found.
	for _, fn := range []string{"forkInit", "startVM", "initMain", "cmdMain", "runOps", "reapRun", "killChildren"} {
		if !slices.Contains(marked, fn) {
			t.Errorf("%s is not marked %s", fn, childMarker)
		}
	}
}

// TestChildRulesCatch: the checker finds each kind of violation in
// testdata/badchild, whose marked functions break one rule each.
func TestChildRulesCatch(t *testing.T) {
	_, violations := checkChildRules(t, "testdata/badchild")
	all := strings.Join(violations, "\n")
	t.Logf("violations found:\n%s", all)
	for _, want := range []string{
		"escapes: moved to heap: x",
		"bounds: Found IsInBounds",
		"allocates: calls runtime.newobject",
		"pointer store: calls runtime.gcWriteBarrier",
		"calls helper, which is not marked",
		"calls splits, which is not nosplit",
		"closure",
		"defer",
		"calls builtin append",
		"calls fmt.Sprint",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no violation %q", want)
		}
	}
	if strings.Contains(all, "good") {
		t.Errorf("a violation reported in a function that breaks no rule")
	}
}

// childFunc is one marked function.
type childFunc struct {
	name    string // as declared: "runOps", "(*Plan).Describe"
	symbol  string // its assembly symbol: "pkg.runOps", or its linkname
	file    string // base name
	from    int    // first line
	to      int    // last line
	nosplit bool
	body    *ast.BlockStmt
}

// checkChildRules returns the names of the marked functions of the package
// in dir and every way they break the child's rules, as "file:line: func:
// what" lines.
func checkChildRules(t *testing.T, dir string) (marked []string, violations []string) {
	t.Helper()
	pkg, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	goTool := testutil.RequireTool(t, "go", "golang (or https://go.dev/dl)")
	out, err := exec.Command(goTool, "list", "-f", "{{.ImportPath}}", "./"+dir).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	importPath := strings.TrimSpace(string(out))

	fset := token.NewFileSet()
	funcs := map[string]*childFunc{} // by name
	decls := map[string]*ast.FuncDecl{}
	types := map[string]bool{}
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						types[ts.Name.Name] = true
					}
				}
			case *ast.FuncDecl:
				name := funcName(d)
				decls[name] = d
				if cf := markedFunc(fset, d, name, importPath); cf != nil {
					funcs[name] = cf
					marked = append(marked, name)
				}
			}
		}
	}
	bad := func(cf *childFunc, pos token.Pos, format string, args ...any) {
		p := fset.Position(pos)
		violations = append(violations, fmt.Sprintf("%s:%d: %s: %s", filepath.Base(p.Filename), p.Line, cf.name, fmt.Sprintf(format, args...)))
	}
	for _, cf := range funcs {
		if cf.body != nil {
			checkCalls(cf, funcs, decls, types, bad)
		}
	}
	violations = append(violations, compilerFindings(t, goTool, dir, importPath, funcs)...)
	slices.Sort(violations)
	return marked, violations
}

// funcName is "name" for a function, "(*T).name" or "T.name" for a method.
func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	switch r := d.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		return "(*" + recvName(r.X) + ")." + d.Name.Name
	default:
		return recvName(r) + "." + d.Name.Name
	}
}

func recvName(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return fmt.Sprint(e)
}

// markedFunc returns d's description if its doc comment holds the marker.
func markedFunc(fset *token.FileSet, d *ast.FuncDecl, name, importPath string) *childFunc {
	if d.Doc == nil {
		return nil
	}
	cf := &childFunc{name: name, symbol: importPath + "." + name, body: d.Body}
	found := false
	for _, c := range d.Doc.List {
		switch f := strings.Fields(c.Text); {
		case c.Text == childMarker:
			found = true
		case c.Text == "//go:nosplit":
			cf.nosplit = true
		case len(f) == 3 && f[0] == "//go:linkname":
			cf.symbol = f[2]
		}
	}
	if !found {
		return nil
	}
	start, end := fset.Position(d.Pos()), fset.Position(d.End())
	cf.file, cf.from, cf.to = filepath.Base(start.Filename), start.Line, end.Line
	return cf
}

// allowedCalls are the calls outside the package a marked function may make:
// raw system calls and conversions.
var allowedCalls = map[string]bool{
	"syscall.RawSyscall": true, "syscall.RawSyscall6": true, "syscall.Errno": true,
	"unsafe.Pointer": true, "unsafe.Sizeof": true, "unsafe.Offsetof": true, "unsafe.Add": true, "unsafe.SliceData": true,
}

// basicTypes are the predeclared types a conversion may name (not string:
// converting to it allocates).
var basicTypes = map[string]bool{
	"bool": true, "byte": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
}

// checkCalls reports what the source of cf does that the rules forbid: a
// closure, defer or go, a builtin that may allocate, a call of an unmarked
// function, of a marked one that may grow the stack, or of a function of
// another package but the raw system calls.
func checkCalls(cf *childFunc, funcs map[string]*childFunc, decls map[string]*ast.FuncDecl, types map[string]bool,
	bad func(*childFunc, token.Pos, string, ...any)) {
	ast.Inspect(cf.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			bad(cf, n.Pos(), "closure")
			return false
		case *ast.DeferStmt:
			bad(cf, n.Pos(), "defer")
		case *ast.GoStmt:
			bad(cf, n.Pos(), "go statement")
		case *ast.CallExpr:
			switch fn := ast.Unparen(n.Fun).(type) {
			case *ast.Ident:
				switch name := fn.Name; {
				case name == "len" || name == "cap" || name == "min" || name == "max":
				case basicTypes[name] || types[name]:
				case funcs[name] != nil:
					if callee := funcs[name]; callee.body != nil && !callee.nosplit {
						bad(cf, n.Pos(), "calls %s, which is not nosplit (a stack check fails after the fork)", name)
					}
				case decls[name] != nil:
					bad(cf, n.Pos(), "calls %s, which is not marked %s", name, childMarker)
				case fn.Obj != nil:
					bad(cf, n.Pos(), "calls a function value")
				default:
					bad(cf, n.Pos(), "calls builtin %s", name)
				}
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Obj == nil && !types[x.Name] {
					if q := x.Name + "." + fn.Sel.Name; !allowedCalls[q] {
						bad(cf, n.Pos(), "calls %s", q)
					}
					break
				}
				if !slices.ContainsFunc(mapsKeys(funcs), func(k string) bool { return strings.HasSuffix(k, ")."+fn.Sel.Name) }) {
					bad(cf, n.Pos(), "calls method %s, which is not marked %s", fn.Sel.Name, childMarker)
				}
			case *ast.StarExpr, *ast.ArrayType:
				// a conversion to a pointer or array type
			default:
				bad(cf, n.Pos(), "calls a function value")
			}
		}
		return true
	})
}

func mapsKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// allowedRuntime are the runtime routines a marked function's machine code
// may call: the stack check of a function entered before the fork
// (the functions a marked function calls are nosplit, checked above) and non-allocating
// memory moves.
var allowedRuntime = map[string]bool{
	"runtime.morestack_noctxt": true, "runtime.duffzero": true, "runtime.duffcopy": true,
	"runtime.memmove": true, "runtime.memclrNoHeapPointers": true,
}

// compilerFindings builds the package with escape analysis, bounds-check
// and assembly output and returns what the compiler reports inside the
// marked functions: escapes, bounds checks, and calls to anything but
// marked functions, syscall.RawSyscall6 and allowedRuntime (a write
// barrier call is a pointer store, newobject or growslice an allocation).
func compilerFindings(t *testing.T, goTool, dir, importPath string, funcs map[string]*childFunc) []string {
	t.Helper()
	var found []string
	// -m and check_bce report positions, which are attributed to the
	// marked function whose lines hold them.
	out := goBuild(t, goTool, dir, "-m -d=ssa/check_bce")
	pos := regexp.MustCompile(`^\.?/?([^:]+\.go):(\d+):\d+: (.*)$`)
	for _, line := range strings.Split(out, "\n") {
		m := pos.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		msg := m[3]
		for _, cf := range funcs {
			if filepath.Base(m[1]) != cf.file || n < cf.from || n > cf.to {
				continue
			}
			switch {
			case strings.Contains(msg, "escapes to heap") || strings.HasPrefix(msg, "moved to heap"):
				found = append(found, fmt.Sprintf("%s:%d: %s: escapes: %s", cf.file, n, cf.name, msg))
			case strings.HasPrefix(msg, "Found Is"):
				found = append(found, fmt.Sprintf("%s:%d: %s: bounds: %s", cf.file, n, cf.name, msg))
			}
		}
	}
	// The assembly is attributed by symbol, so that inlined code counts
	// for the function it was inlined into.
	bySymbol := map[string]*childFunc{}
	for _, cf := range funcs {
		bySymbol[cf.symbol] = cf
	}
	var cur *childFunc
	sc := bufio.NewScanner(strings.NewReader(goBuild(t, goTool, dir, "-S")))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// A function's header: "SYMBOL STEXT …", where the symbol of a
		// generic instantiation holds spaces.
		if i := strings.Index(line, " STEXT"); i > 0 && !strings.HasPrefix(line, "\t") {
			cur = bySymbol[line[:i]]
			continue
		}
		if cur == nil || !strings.Contains(line, "\tCALL\t") {
			continue
		}
		target := strings.TrimSuffix(line[strings.LastIndexByte(line, '\t')+1:], "(SB)")
		switch {
		case bySymbol[target] != nil, allowedRuntime[target], allowedCalls[target]:
			continue
		case strings.HasPrefix(target, "runtime.gcWriteBarrier") || target == "runtime.wbMove" || target == "runtime.wbZero" || target == "runtime.typedmemmove":
			found = append(found, fmt.Sprintf("%s: %s: pointer store: calls %s", cur.file, cur.name, target))
		case target == "runtime.newobject" || target == "runtime.mallocgc" || strings.HasPrefix(target, "runtime.makeslice") ||
			target == "runtime.growslice" || strings.HasPrefix(target, "runtime.conv") || strings.HasPrefix(target, "runtime.concatstring"):
			found = append(found, fmt.Sprintf("%s: %s: allocates: calls %s", cur.file, cur.name, target))
		default:
			found = append(found, fmt.Sprintf("%s: %s: calls %s", cur.file, cur.name, target))
		}
	}
	return found
}

// goBuild builds the package in dir with the compiler flags and returns
// what the compiler printed.
func goBuild(t *testing.T, goTool, dir, gcflags string) string {
	t.Helper()
	cmd := exec.Command(goTool, "build", "-gcflags="+gcflags, "./"+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build -gcflags=%q: %v\n%s", gcflags, err, out.String())
	}
	return out.String()
}
