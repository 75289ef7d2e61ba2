//go:build linux

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

const interactiveDir = "testdata/interactive"

// interactiveRE is the RE detail each language's re.* must give.
var interactiveRE = map[string]string{"c": "SIGSEGV", "python": "exit 1"}

// TestJudgeInteractive judges every submission of testdata/interactive/sub
// against the interactor of the other language (C submissions against
// interactor.py, Python ones against interactor.c), and the accepted
// submissions against every broken interactor of testdata/interactive/bad,
// checking the verdict the submission's (or the broken interactor's) name
// promises.
func TestJudgeInteractive(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "gcc", "gcc libc6-dev")
	testutil.RequireTool(t, "python3", "python3")
	leftovers := checkLeftovers(t)
	subs, _ := filepath.Glob(interactiveDir + "/sub/*")
	bad, _ := filepath.Glob(interactiveDir + "/bad/*")
	if len(subs) == 0 || len(bad) == 0 {
		t.Fatal("no interactive testdata")
	}
	other := map[string]string{"c": interactiveDir + "/interactor.py", "python": interactiveDir + "/interactor.c"}
	type pair struct{ sub, interactor, named string }
	var pairs []pair
	for _, sub := range subs {
		pairs = append(pairs, pair{sub, other[languageOf(sub)], sub})
	}
	for _, inter := range bad {
		for _, sub := range []string{interactiveDir + "/sub/ac.c", interactiveDir + "/sub/ac.py"} {
			pairs = append(pairs, pair{sub, inter, inter})
		}
	}
	for _, p := range pairs {
		name := filepath.Base(p.sub) + "~" + filepath.Base(p.interactor)
		t.Run(name, func(t *testing.T) {
			want := expectedVerdicts(filepath.Base(p.named))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			rep, err := Judge(ctx, Config{
				Lang: languageOf(p.sub), Source: p.sub, TestsDir: interactiveDir + "/tests",
				Interactor: p.interactor, TimeLimit: 500 * time.Millisecond, MemoryLimit: 256 << 20,
			})
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			var table bytes.Buffer
			rep.WriteTable(&table)
			if !contains(want, rep.Verdict) {
				t.Fatalf("verdict %s, want one of %v\n%s", rep.Verdict, want, table.String())
			}
			last := rep.Tests[len(rep.Tests)-1]
			if base := filepath.Base(p.named); base == "re.c" || base == "re.py" {
				if d := interactiveRE[languageOf(base)]; last.Detail != d {
					t.Errorf("RE detail %q, want %q\n%s", last.Detail, d, table.String())
				}
			}
			// Every run ends within its limits: the longest is a wall
			// limit of 3×0.5s+1s, or the interactor's a second more.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("judged in %v", d)
			}
			t.Logf("\n%s", table.String())
		})
		leftovers.check(t, name)
	}
}
