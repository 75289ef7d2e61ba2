//go:build linux

package main

import (
	"strings"

	"github.com/sandboxkit/sandbox"
)

// place says where a job's directories are inside its sandboxes. The
// Native backend binds them at boxDir, the paths lang.go's commands name.
// The Landlock backend has no mount namespace: it shows host paths in
// place, so the commands are rewritten to name the host directories, and
// the compiler's /tmp is the job's tmp directory.
type place struct {
	inPlace                   bool
	src, out, bin, cache, tmp string
	repl                      *strings.Replacer
}

func (w workDir) place(cfg Config) place {
	if cfg.Backend != sandbox.Landlock {
		return place{src: srcDir, out: outDir, bin: binDir, cache: cacheDir, tmp: "/tmp"}
	}
	p := place{inPlace: true, src: w.src, out: w.out, bin: w.bin, cache: cfg.GoCache, tmp: w.tmp}
	p.repl = strings.NewReplacer(srcDir, p.src, outDir, p.out, binDir, p.bin, cacheDir, p.cache, "=/tmp", "="+p.tmp)
	return p
}

// args rewrites the paths in a command line or an environment.
func (p place) args(a []string) []string {
	if p.repl == nil {
		return a
	}
	out := make([]string, len(a))
	for i, s := range a {
		out[i] = p.repl.Replace(s)
	}
	return out
}
