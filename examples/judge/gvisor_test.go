//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
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
	leftovers := checkLeftovers(t)
	subs, err := filepath.Glob("testdata/sub/*")
	if err != nil || len(subs) == 0 {
		t.Fatalf("no submissions: %v", err)
	}
	sort.SliceStable(subs, func(i, j int) bool {
		return !strings.Contains(subs[i], "forkbomb") && strings.Contains(subs[j], "forkbomb")
	})
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

// judgeOne judges src with cfg (its limits as TestJudgeCorpus's) and
// checks the verdict its name promises, or the one differ gives.
func judgeOne(t *testing.T, src string, cfg Config, differ map[string][]Verdict) {
	t.Helper()
	name := filepath.Base(src)
	lang := languageOf(name)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg.Lang, cfg.Source, cfg.TestsDir = lang, src, "testdata/sum"
	cfg.TimeLimit, cfg.MemoryLimit = time.Second, 256<<20
	if strings.HasPrefix(name, "mle") {
		cfg.MemoryLimit = 64 << 20
	}
	rep, err := Judge(ctx, cfg)
	if err != nil {
		t.Fatalf("Judge: %v", err)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	want := expectedVerdicts(name)
	if v, ok := differ[strings.SplitN(name, ".", 2)[0]]; ok {
		want = v
	}
	if !contains(want, rep.Verdict) {
		t.Fatalf("verdict %s, want one of %v\n%s", rep.Verdict, want, table.String())
	}
	if strings.HasPrefix(name, "re.") {
		if last := rep.Tests[len(rep.Tests)-1]; last.Detail != reDetail[lang] {
			t.Errorf("RE detail %q, want %q\n%s", last.Detail, reDetail[lang], table.String())
		}
	}
	t.Logf("\n%s", table.String())
}
