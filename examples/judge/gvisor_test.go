//go:build linux

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox"
	"github.com/sandboxkit/sandbox/internal/testutil"
)

// requireGVisor skips unless the GVisor backend runs here; where CI says
// it must (SANDBOX_REQUIRE_BACKENDS names it), it fails instead.
func requireGVisor(t *testing.T) {
	t.Helper()
	requireRoot(t)
	err := sandbox.GVisor.Available()
	if err == nil {
		return
	}
	if slices.Contains(strings.Split(os.Getenv("SANDBOX_REQUIRE_BACKENDS"), ","), "gvisor") {
		t.Fatal(err)
	}
	testutil.SkipProved(t, "the gvisor backend", err.Error())
}

// TestJudgeCorpusGVisor judges the corpus with every test run under the
// GVisor backend, and expects the verdicts of TestJudgeCorpus. Compiles
// stay Native (Config.CompileBackend): under gVisor's ptrace platform a
// C++ compile takes ten times longer and a cold Go build exceeds the
// compile limit of a minute of CPU, which would make this test take
// tens of minutes; TestJudgeCompileGVisor compiles under gVisor instead.
// The compile-only submissions (ce.*) are judged by TestJudgeCorpus.
func TestJudgeCorpusGVisor(t *testing.T) {
	requireGVisor(t)
	baitHost(t)
	gocache := sandboxDir(t, "judge-gocache-")
	// The first Go compile builds the standard library (see warmGoCache).
	warmGoCache(t, gocache, sandbox.Native)
	leftovers := checkLeftovers(t)
	subs := corpus(t)
	native := sandbox.Native
	start := time.Now()
	for _, src := range subs {
		name := filepath.Base(src)
		if strings.HasPrefix(name, "ce.") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			judgeOne(t, src, Config{Backend: sandbox.GVisor, CompileBackend: &native, GoCache: gocache}, gvisorVerdicts)
		})
		leftovers.check(t, name)
	}
	t.Logf("judged %d submissions in %v", len(subs), time.Since(start).Round(time.Millisecond))
}

// TestJudgeCompileGVisor: the C, C++ and Python compile steps work under
// GVisor too (Go's does, but needs minutes of CPU there: see
// TestJudgeCorpusGVisor).
func TestJudgeCompileGVisor(t *testing.T) {
	requireGVisor(t)
	leftovers := checkLeftovers(t)
	for _, src := range []string{"testdata/sub/ac.c", "testdata/sub/ac.cpp", "testdata/sub/ac.py", "testdata/sub/ce.c"} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			judgeOne(t, src, Config{Backend: sandbox.GVisor}, nil)
		})
		leftovers.check(t, src)
	}
}

// gvisorVerdicts are the submissions whose verdict under GVisor differs
// from the one their name promises, by the part of their name before the
// extension. ac_lock.* prints the sum only when it cannot take a lock on a
// shared file, the judge's proxy for the channel a lock on a shared inode
// would be between concurrent runs: under GVisor it takes the lock, which
// stays inside its own Sentry (the sandbox package's
// TestGVisorNoInodeChannel), so there is no channel, and it answers WA.
var gvisorVerdicts = map[string][]Verdict{"ac_lock": {WA}}
