//go:build linux

// Command bench measures, in one run, how long running a static `true`
// takes through plain exec, this library in-process (defaults, and with
// limits), the sbx command, bubblewrap, crun and runc, and how many
// verdicts a second the example judge gives on its corpus:
//
//	sudo go run ./bench [-runs 50] [-rounds 5] [-duration 3s] [-only exec,library,...] [-install] [-judge] [-json FILE]
//
// Latency: every runner runs -runs times per round, -rounds rounds, each
// round starting one runner further along, so machine noise is shared; the
// table gives the median and p95 over all runs and the ratio of medians to
// plain exec and to bubblewrap from the same run. Throughput: runs/s with 1
// and with 2 parallel workers over -duration each. Missing Debian packages
// (bubblewrap, crun, runc) are installed with apt-get when -install is set
// (the default for root); a runner that does not start is skipped with the
// reason, one that fails mid-way is reported. Everything the program
// creates lives in one temp dir, removed at the end.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the parsed flags.
type options struct {
	runs, rounds int
	duration     time.Duration
	only         []string
	install      bool
	judge        bool
	jsonFile     string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.runs, "runs", 50, "runs per runner per round")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds; each starts one runner further along")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "throughput window per runner and worker count")
	only := fs.String("only", "", "comma-separated runners to measure (default all: "+strings.Join(runnerNames, ",")+")")
	fs.BoolVar(&o.install, "install", os.Geteuid() == 0, "apt-get install missing bubblewrap, crun, runc")
	fs.BoolVar(&o.judge, "judge", true, "also judge examples/judge's corpus and report verdicts/s")
	fs.StringVar(&o.jsonFile, "json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.runs < 1 || o.rounds < 1 || o.duration < 0 {
		return nil, fmt.Errorf("-runs and -rounds must be ≥ 1, -duration ≥ 0")
	}
	o.only = runnerNames
	if *only != "" {
		o.only = strings.Split(*only, ",")
		for _, n := range o.only {
			if !slices.Contains(runnerNames, n) {
				return nil, fmt.Errorf("-only: unknown runner %q (want %s)", n, strings.Join(runnerNames, ","))
			}
		}
	}
	return o, nil
}

// report is what -json writes.
type report struct {
	Time      time.Time    `json:"time"`
	Kernel    string       `json:"kernel"`
	CPUs      int          `json:"cpus"`
	Runs      int          `json:"runs_per_round"`
	Rounds    int          `json:"rounds"`
	Duration  string       `json:"throughput_window"`
	Runners   []result     `json:"runners"`
	Judge     *judgeResult `json:"judge,omitempty"`
	GoVersion string       `json:"go"`
}

// run is the whole program; it returns the exit code: 0, or 1 when a
// runner failed mid-way or a verdict was wrong, 2 when it could not run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "bench:", err)
		}
		return 2
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", args...) }
	root, err := moduleRoot()
	if err != nil {
		logf("%v", err)
		return 2
	}
	dir, err := os.MkdirTemp("", "sbxbench-")
	if err != nil {
		logf("%v", err)
		return 2
	}
	defer func() {
		if err := removeTemp(dir); err != nil {
			logf("%v", err)
		}
	}()
	// The sandboxed true runs as nobody: it must be able to reach the dir.
	os.Chmod(dir, 0o755)
	e := &env{dir: dir, modRoot: root, install: o.install, log: logf}
	if err := e.buildTrue(); err != nil {
		logf("%v", err)
		return 2
	}

	var rs []*runner
	defer func() {
		for _, r := range rs {
			if r.close != nil {
				r.close()
			}
		}
	}()
	rs = e.startRunners(ctx, o.only)
	measure(ctx, rs, o, logf)
	if ctx.Err() != nil {
		logf("interrupted")
		return 2
	}
	return e.printReport(ctx, stdout, o, rs)
}

// startRunners starts a runner per name and warms each up; one that
// cannot start or run is kept as skipped, with why.
func (e *env) startRunners(ctx context.Context, names []string) []*runner {
	var rs []*runner
	for _, name := range names {
		r, err := e.newRunner(ctx, name)
		if err != nil {
			rs = append(rs, &runner{name: name, skipped: err.Error()})
			e.log("skipping %s: %v", name, err)
			continue
		}
		rs = append(rs, r)
		for i := 0; i < 3; i++ { // starts at all? then a little warm-up
			if err := r.run(); err != nil {
				r.skipped = err.Error()
				e.log("skipping %s: %v", r.name, err)
				break
			}
		}
	}
	return rs
}

// measure takes the latency rounds of every runner, then its throughput
// with one and two workers.
func measure(ctx context.Context, rs []*runner, o *options, logf func(string, ...any)) {
	logf("latency: %d rounds × %d runs per runner", o.rounds, o.runs)
	latencyRounds(ctx, rs, o.runs, o.rounds)
	for _, r := range rs {
		for w := 1; w <= 2 && r.live() && o.duration > 0 && ctx.Err() == nil; w++ {
			logf("throughput: %s, %d worker(s), %v", r.name, w, o.duration)
			var err error
			r.tput[w-1], err = throughput(ctx, r, w, o.duration)
			if err != nil {
				r.failed = fmt.Errorf("throughput with %d workers: %w", w, err)
			}
		}
	}
}

// printReport prints the table (and the judge's figures, with -judge), writes
// the JSON report (-json) and returns the exit code: 1 when a runner failed
// or a verdict was not the expected one.
func (e *env) printReport(ctx context.Context, stdout io.Writer, o *options, rs []*runner) int {
	rows := results(rs)
	fmt.Fprintf(stdout, "\nstatic `true`, %d rounds × %d runs per runner, throughput over %v; kernel %s, %d CPUs, load average %s\n\n",
		o.rounds, o.runs, o.duration, kernel(), numCPU(), loadAvg())
	printTable(stdout, rows)
	if slices.Contains(o.only, "sbx") {
		fmt.Fprintf(stdout, "sbx: one process per run, built with `%s go build %s`\n",
			releaseBuild[0], strings.Join(releaseBuild[1:], " "))
	}

	rep := report{Time: time.Now().UTC(), Kernel: kernel(), CPUs: numCPU(), Runs: o.runs,
		Rounds: o.rounds, Duration: o.duration.String(), Runners: rows, GoVersion: goVersion()}
	code := 0
	for _, r := range rows {
		if r.Failed != "" {
			code = 1
		}
	}
	if o.judge {
		j := runJudge(ctx, e)
		printJudge(stdout, j)
		rep.Judge = &j
		if len(j.Mismatches) > 0 {
			code = 1
		}
	}
	if o.jsonFile != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonFile, append(data, '\n'), 0o644); err != nil {
			e.log("%v", err)
			return 2
		}
	}
	return code
}
