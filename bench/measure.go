//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// latencyRounds runs each live runner `runs` times per round, for `rounds`
// rounds, starting each round one runner further along so that machine
// noise falls on every runner alike. A runner that fails is kept out of
// the rest of the benchmark.
func latencyRounds(ctx context.Context, rs []*runner, runs, rounds int) {
	for round := 0; round < rounds; round++ {
		for i := range rs {
			r := rs[(i+round)%len(rs)]
			if ctx.Err() != nil {
				return
			}
			if !r.live() {
				continue
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n, want := 0, runs
			if r.slow > 1 {
				want = max(runs/r.slow, 3)
			}
			for ; n < want && ctx.Err() == nil; n++ {
				t0 := time.Now()
				err := r.run()
				d := time.Since(t0)
				if err != nil {
					r.failed = fmt.Errorf("round %d, run %d: %w", round+1, n+1, err)
					break
				}
				r.lat = append(r.lat, d)
			}
			runtime.ReadMemStats(&after)
			r.alloc += after.TotalAlloc - before.TotalAlloc
			r.runs += n
		}
	}
}

func (r *runner) live() bool { return r.skipped == "" && r.failed == nil }

// throughput runs r with the given number of workers for d and returns the
// completed runs per second.
func throughput(ctx context.Context, r *runner, workers int, d time.Duration) (float64, error) {
	var (
		count    atomic.Int64
		firstErr error
		once     sync.Once
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := r.run(); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds(), firstErr
}

// quantile returns the q-quantile (nearest rank) of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// result is one runner's row, as printed and as written by -json.
type result struct {
	Runner       string  `json:"runner"`
	Runs         int     `json:"runs"`
	MedianMs     float64 `json:"median_ms,omitempty"`
	P95Ms        float64 `json:"p95_ms,omitempty"`
	XExec        float64 `json:"x_exec,omitempty"`
	XBwrap       float64 `json:"x_bubblewrap,omitempty"`
	RunsPerSec1  float64 `json:"runs_per_sec_1,omitempty"`
	RunsPerSec2  float64 `json:"runs_per_sec_2,omitempty"`
	HeapPerRunKB float64 `json:"go_heap_per_run_kib,omitempty"`
	Skipped      string  `json:"skipped,omitempty"`
	Failed       string  `json:"failed,omitempty"`
}

// results computes the rows; ratios use medians measured in this run.
func results(rs []*runner) []result {
	medians := map[string]time.Duration{}
	var out []result
	for _, r := range rs {
		s := slices.Clone(r.lat)
		slices.Sort(s)
		res := result{Runner: r.name, Runs: len(s), Skipped: r.skipped,
			RunsPerSec1: r.tput[0], RunsPerSec2: r.tput[1]}
		if r.failed != nil {
			res.Failed = r.failed.Error()
		}
		if len(s) > 0 {
			res.MedianMs, res.P95Ms = ms(quantile(s, 0.5)), ms(quantile(s, 0.95))
			medians[baseName(r.name)] = quantile(s, 0.5)
		}
		if r.inProc && r.runs > 0 {
			res.HeapPerRunKB = float64(r.alloc) / float64(r.runs) / 1024
		}
		out = append(out, res)
	}
	for i := range out {
		if out[i].Runs == 0 {
			continue
		}
		m := time.Duration(out[i].MedianMs * float64(time.Millisecond))
		if e := medians["exec"]; e > 0 {
			out[i].XExec = float64(m) / float64(e)
		}
		if b := medians["bubblewrap"]; b > 0 {
			out[i].XBwrap = float64(m) / float64(b)
		}
	}
	return out
}

// baseName drops a parenthesised note: "crun (hybrid workaround)" → "crun".
func baseName(name string) string {
	for i := range len(name) {
		if name[i] == ' ' {
			return name[:i]
		}
	}
	return name
}

func num(f float64, format string) string {
	if f == 0 {
		return "—"
	}
	return fmt.Sprintf(format, f)
}

// rate formats runs per second: whole numbers, but a tenth where that is
// all a slow runner (gVisor) reaches.
func rate(f float64) string {
	if f > 0 && f < 10 {
		return num(f, "%.1f")
	}
	return num(f, "%.0f")
}

// printTable writes the markdown table, then the skipped and failed
// runners and the Go heap per in-process run.
func printTable(w io.Writer, rows []result) {
	fmt.Fprintln(w, "| runner | median ms | p95 ms | × plain exec | runs/s 1 worker | runs/s 2 workers | × bubblewrap |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		if r.Runs == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Runner,
			num(r.MedianMs, "%.2f"), num(r.P95Ms, "%.2f"), num(r.XExec, "%.2f"),
			rate(r.RunsPerSec1), rate(r.RunsPerSec2), num(r.XBwrap, "%.2f"))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "× columns: this runner's median over that runner's median, both from this run (below 1 is faster).")
	for _, r := range rows {
		if r.Skipped != "" {
			fmt.Fprintf(w, "skipped %s: %s\n", r.Runner, r.Skipped)
		}
		if r.Failed != "" {
			fmt.Fprintf(w, "failed %s (after %d runs): %s\n", r.Runner, r.Runs, r.Failed)
		}
	}
	for _, r := range rows {
		if r.HeapPerRunKB > 0 {
			fmt.Fprintf(w, "Go heap allocated per run, %s: %.1f KiB\n", r.Runner, r.HeapPerRunKB)
		}
	}
}
