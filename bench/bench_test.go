//go:build linux

package main

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

func TestBenchSmall(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "gcc", "gcc libc6-dev") // to build a static true
	before, _ := os.ReadDir(os.TempDir())
	var out, errs strings.Builder
	code := run(context.Background(), []string{"-runs", "5", "-rounds", "1", "-duration", "200ms",
		"-only", "exec,library,landlock", "-install=false", "-judge=false"}, &out, &errs)
	t.Logf("stdout:\n%s\nstderr:\n%s", out.String(), errs.String())
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, row := range []string{"| exec | ", "| library | ", "| landlock | "} {
		if !strings.Contains(out.String(), row) {
			t.Errorf("the table has no row starting %q", row)
		}
	}
	if !strings.Contains(out.String(), "| runner | median ms | p95 ms | × plain exec |") {
		t.Error("the table header is missing")
	}
	if strings.Contains(out.String(), "skipped") || strings.Contains(out.String(), "failed") {
		t.Error("a runner was skipped or failed")
	}
	// The temp dir is gone.
	after, _ := os.ReadDir(os.TempDir())
	for _, e := range after {
		if strings.HasPrefix(e.Name(), "sbxbench-") && !containsName(before, e.Name()) {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func containsName(ents []os.DirEntry, name string) bool {
	for _, e := range ents {
		if e.Name() == name {
			return true
		}
	}
	return false
}

func TestExpected(t *testing.T) {
	for name, want := range map[string]string{
		"ac.c": "AC", "tle-re_forkbomb.go": "TLE RE", "ac_network.py": "AC", "mle.cpp": "MLE",
	} {
		if got := strings.Join(expected(name), " "); got != want {
			t.Errorf("expected(%q) = %q, want %q", name, got, want)
		}
	}
	if got := verdictCode("RE(SIGSEGV)"); got != "RE" {
		t.Errorf("verdictCode = %q", got)
	}
}

// TestSbxReleaseBuild: the sbx runner measures a static binary, without
// the dynamic loader that a default build of a program importing net
// (through the library's logger) starts with.
func TestSbxReleaseBuild(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: t.TempDir(), modRoot: root}
	bin, err := e.goBuildWith("./examples/sbx", "sbx", releaseBuild)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s asks for a dynamic loader", bin)
		}
	}
	if f.Section(".symtab") != nil || f.Section(".debug_info") != nil {
		t.Errorf("%s keeps its symbol table or debug information", bin)
	}
}

// TestSbxStart: the sbx-start row's program starts as sbx does (the same
// runtime settings) and initialises the library's imports as sbx does:
// every package it initialises sbx initialises too, zap's net/http among
// them.
func TestSbxStart(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: t.TempDir(), modRoot: root}
	sbx, err := e.goBuildWith("./examples/sbx", "sbx", releaseBuild)
	if err != nil {
		t.Fatal(err)
	}
	start, err := e.goBuildWith("./bench/internal/sbxstart", "sbxstart", releaseBuild)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := defaultGODEBUG(t, sbx), defaultGODEBUG(t, start); a != b {
		t.Errorf("sbx is built with DefaultGODEBUG %q, sbxstart with %q", a, b)
	}
	sbxInits, startInits := inits(t, sbx, "--no-such-flag"), inits(t, start)
	for _, p := range []string{"net/http", "go.uber.org/zap", "github.com/sandboxkit/sandbox"} {
		if !startInits[p] {
			t.Errorf("sbxstart does not initialise %s", p)
		}
	}
	for p := range startInits {
		if !sbxInits[p] {
			t.Errorf("sbxstart initialises %s, which sbx does not", p)
		}
	}
}

func defaultGODEBUG(t *testing.T, bin string) string {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range info.Settings {
		if s.Key == "DefaultGODEBUG" {
			return s.Value
		}
	}
	return ""
}

// inits runs bin with GODEBUG=inittrace=1 and returns the packages whose
// initialisation it traced.
func inits(t *testing.T, bin string, args ...string) map[string]bool {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, _ := cmd.CombinedOutput() // sbx exits 2 on a bad flag, after its inits
	pkgs := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "init" {
			pkgs[f[1]] = true
		}
	}
	if len(pkgs) == 0 {
		t.Fatalf("%s traced no package initialisation: %s", bin, out)
	}
	return pkgs
}
