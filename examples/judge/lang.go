//go:build linux

package main

import (
	"fmt"
	"sort"
	"strings"
)

// Paths inside the sandbox. The submission's directory is bound read-only
// at srcDir in both steps. The compile step writes into outDir; the run
// step never sees it, but gets the compiled program, copied out of it by
// the judge (owned by root, read-only), in binDir.
const (
	boxDir   = "/sbx-judge"
	srcDir   = boxDir + "/src"
	outDir   = boxDir + "/out"
	binDir   = boxDir + "/bin"
	cacheDir = boxDir + "/gocache"
)

// defaultPath is PATH inside the sandbox; Go's toolchain lives in
// /usr/local/go, which the default sandbox shows read-only with /usr.
const defaultPath = "PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin"

// A language says how a submission is compiled and run inside the sandbox.
type language struct {
	name    string
	srcName string   // the file name the source gets inside srcDir
	compile []string // argv of the compile step
	compEnv []string // its environment besides PATH
	run     []string // argv of a test run
	runEnv  []string
	bigTmp  bool   // the compiler needs a larger /tmp (Go's build cache)
	program string // the file the compile step leaves in outDir, run from binDir; "" runs the source
}

var languages = map[string]language{
	"c": {
		name:    "c",
		srcName: "sol.c",
		compile: []string{"gcc", "-O2", "-std=gnu11", "-static", "-o", outDir + "/sol", srcDir + "/sol.c", "-lm"},
		run:     []string{binDir + "/sol"},
		program: "sol",
	},
	"cpp": {
		name:    "cpp",
		srcName: "sol.cpp",
		compile: []string{"g++", "-O2", "-std=gnu++17", "-static", "-o", outDir + "/sol", srcDir + "/sol.cpp"},
		run:     []string{binDir + "/sol"},
		program: "sol",
	},
	"python": {
		name:    "python",
		srcName: "sol.py",
		// py_compile reports syntax errors (exit 1); the byte code goes to
		// outDir because srcDir is read-only. The run compiles the source
		// again: nothing the compile step wrote reaches it.
		compile: []string{"/usr/bin/python3", "-m", "py_compile", srcDir + "/sol.py"},
		compEnv: []string{"PYTHONPYCACHEPREFIX=" + outDir + "/pycache"},
		run:     []string{"/usr/bin/python3", "-S", srcDir + "/sol.py"},
		runEnv:  []string{"PYTHONDONTWRITEBYTECODE=1"},
	},
	"go": {
		name:    "go",
		srcName: "sol.go",
		// A single file outside any module builds in module mode with only
		// the standard library; nothing is downloaded (GOPROXY=off).
		compile: []string{"go", "build", "-trimpath", "-o", outDir + "/sol", srcDir + "/sol.go"},
		compEnv: []string{
			"HOME=/tmp", "GOPATH=/tmp/gopath", "GOFLAGS=", "CGO_ENABLED=0",
			"GOTOOLCHAIN=local", "GOENV=off", "GOTELEMETRY=off", "GOPROXY=off",
		},
		run:     []string{binDir + "/sol"},
		bigTmp:  true,
		program: "sol",
	},
}

// lookupLanguage returns the language called name.
func lookupLanguage(name string) (language, error) {
	l, ok := languages[name]
	if !ok {
		var names []string
		for n := range languages {
			names = append(names, n)
		}
		sort.Strings(names)
		return language{}, fmt.Errorf("unknown language %q (want one of %s)", name, strings.Join(names, ", "))
	}
	return l, nil
}

// languageOf guesses a language from a file name's extension.
func languageOf(file string) string {
	switch {
	case strings.HasSuffix(file, ".c"):
		return "c"
	case strings.HasSuffix(file, ".cpp"), strings.HasSuffix(file, ".cc"):
		return "cpp"
	case strings.HasSuffix(file, ".py"):
		return "python"
	case strings.HasSuffix(file, ".go"):
		return "go"
	}
	return ""
}
