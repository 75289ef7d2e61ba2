//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sandboxkit/sandbox"
)

// judgeResult is the judge corpus's summary, as printed and in -json.
type judgeResult struct {
	Submissions int      `json:"submissions"`
	Workers     int      `json:"workers"`
	Seconds     float64  `json:"seconds"`
	PerSecond   float64  `json:"verdicts_per_sec"`
	Mismatches  []string `json:"mismatches,omitempty"`
	Skipped     string   `json:"skipped,omitempty"`
}

const judgeWorkers = 2 // one judge worker per core

// runJudge builds examples/judge and judges every submission of its
// corpus, judgeWorkers at a time, checking each verdict against the one
// its file name expects (VERDICT[-VERDICT…][_LABEL].EXT).
func runJudge(ctx context.Context, e *env) judgeResult {
	dir := filepath.Join(e.modRoot, "examples", "judge")
	subs, _ := filepath.Glob(filepath.Join(dir, "testdata", "sub", "*"))
	if len(subs) == 0 {
		return judgeResult{Skipped: "examples/judge/testdata/sub is absent"}
	}
	bin, err := e.goBuild("./examples/judge", "judge")
	if err != nil {
		return judgeResult{Skipped: err.Error()}
	}
	j := &judgeCmd{bin: bin, tests: filepath.Join(dir, "testdata", "sum"),
		gocache: filepath.Join(e.dir, "gocache"), reports: filepath.Join(e.dir, "judge-reports")}
	os.MkdirAll(j.gocache, 0o755)
	// Go compiles run as the sandbox's user, which must write the cache.
	os.Chown(j.gocache, sandbox.DefaultUID, sandbox.DefaultGID)
	os.MkdirAll(j.reports, 0o755)
	// Warm the Go build cache once, untimed, so the figure is the steady
	// state of a judge rather than its first Go compile.
	if slices.Contains(subs, filepath.Join(dir, "testdata", "sub", "ac.go")) {
		e.log("judge: warming the Go build cache with ac.go")
		j.verdict(ctx, filepath.Join(dir, "testdata", "sub", "ac.go"))
	}
	e.log("judge: %d submissions, %d workers", len(subs), judgeWorkers)
	return judgeAll(ctx, subs, j)
}

// judgeCmd runs the judge example's binary on one submission.
type judgeCmd struct {
	bin, tests, gocache, reports string
}

// verdict judges src (the corpus's memory hogs with 64 MiB) and returns the
// verdict of its JSON report.
func (j *judgeCmd) verdict(ctx context.Context, src string) (string, error) {
	name := filepath.Base(src)
	report := filepath.Join(j.reports, name+".json")
	mem := "256MiB"
	if strings.HasPrefix(name, "mle") {
		mem = "64MiB"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, j.bin, "-src", src, "-tests", j.tests, "-mem", mem,
		"-gocache", j.gocache, "-json", report)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
		}
	}
	data, err := os.ReadFile(report)
	if err != nil {
		return "", err
	}
	var rep struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return "", fmt.Errorf("%s: %v", report, err)
	}
	return rep.Verdict, nil
}

// judgeAll judges subs, judgeWorkers at a time, and checks each verdict
// against the one the submission's name expects.
func judgeAll(ctx context.Context, subs []string, j *judgeCmd) judgeResult {
	var (
		mu    sync.Mutex
		res   = judgeResult{Submissions: len(subs), Workers: judgeWorkers}
		next  = make(chan string)
		wg    sync.WaitGroup
		start = time.Now()
	)
	for w := 0; w < judgeWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for src := range next {
				got, err := j.verdict(ctx, src)
				want := expected(filepath.Base(src))
				mu.Lock()
				switch {
				case err != nil:
					res.Mismatches = append(res.Mismatches, fmt.Sprintf("%s: judge failed: %v", filepath.Base(src), err))
				case !slices.Contains(want, verdictCode(got)):
					res.Mismatches = append(res.Mismatches, fmt.Sprintf("%s: got %s, want %s", filepath.Base(src), got, strings.Join(want, " or ")))
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range subs {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	res.PerSecond = float64(len(subs)) / res.Seconds
	slices.Sort(res.Mismatches)
	return res
}

// expected reads the verdicts a corpus file name allows: "tle-re_forkbomb.c"
// → [TLE RE].
func expected(name string) []string {
	base := strings.TrimSuffix(name, filepath.Ext(name))
	base, _, _ = strings.Cut(base, "_")
	return strings.Split(strings.ToUpper(base), "-")
}

// verdictCode drops a detail: "RE(SIGSEGV)" → "RE".
func verdictCode(v string) string {
	code, _, _ := strings.Cut(v, "(")
	return strings.TrimSpace(code)
}

func printJudge(w io.Writer, j judgeResult) {
	if j.Skipped != "" {
		fmt.Fprintf(w, "\njudge corpus skipped: %s\n", j.Skipped)
		return
	}
	fmt.Fprintf(w, "\njudge corpus: %d submissions in %.1f s with %d workers: %.2f verdicts/s (Go build cache warmed first)\n",
		j.Submissions, j.Seconds, j.Workers, j.PerSecond)
	if len(j.Mismatches) == 0 {
		fmt.Fprintln(w, "every verdict as its file name expects")
	}
	for _, m := range j.Mismatches {
		fmt.Fprintln(w, "verdict mismatch:", m)
	}
}
