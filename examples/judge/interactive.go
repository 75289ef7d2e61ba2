//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/sandboxkit/sandbox"
)

// The interactor runs like a submission (runSandbox) with limits of its
// own, so that a broken one is caught by them and not blamed on the
// solution: twice the CPU time and interactorMemory. Its wall limit
// outlasts the solution's: when both wait, idle, the solution's ends the
// run (TLE).
const (
	interactorMemory = 256 << 20
	interactorTest   = "/dev/fd/3" // the test's NAME.in, as argv[1]
)

// judgeInteractive is Judge for an interactive problem: each test runs the
// solution and cfg.Interactor, each in its own sandbox, connected stdout to
// stdin both ways. The interactor gets the test's NAME.in as its argument;
// no NAME.out is needed.
func judgeInteractive(ctx context.Context, cfg Config, lang language) (*Report, error) {
	ilang, err := lookupLanguage(languageOf(cfg.Interactor))
	if err != nil {
		return nil, fmt.Errorf("interactor %s: %w", cfg.Interactor, err)
	}
	ins, err := filepath.Glob(filepath.Join(cfg.TestsDir, "*.in"))
	if err != nil || len(ins) == 0 {
		return nil, fmt.Errorf("no *.in files in %s", cfg.TestsDir)
	}
	sort.Strings(ins)
	work, err := newWorkDir(cfg.Source, lang, cfg.Backend)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work.root)
	iwork, err := newWorkDir(cfg.Interactor, ilang, cfg.Backend)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(iwork.root)

	rep := &Report{Lang: lang.name, Source: cfg.Source, Verdict: AC, Tests: []TestResult{}}
	comp, err := compile(ctx, cfg, lang, work)
	if err != nil {
		return nil, err
	}
	rep.Compile = comp
	if comp.Verdict != AC {
		rep.Verdict = CE
		return rep, nil
	}
	icomp, err := compile(ctx, cfg, ilang, iwork)
	if err != nil {
		return nil, fmt.Errorf("interactor: %w", err)
	}
	if icomp.Verdict != AC {
		return nil, fmt.Errorf("interactor does not compile (%s):\n%s", icomp.Detail, icomp.Log)
	}
	// One pair of sandboxes for every test, as Judge keeps one: their root
	// is planned once, and later runs reuse what earlier ones left clean.
	sol := runSandbox(cfg, lang, work, cfg.TimeLimit, cfg.MemoryLimit)
	defer sol.Close()
	// Twice the CPU time makes the interactor's wall limit 3 s longer
	// than the solution's.
	inter := runSandbox(cfg, ilang, iwork, 2*cfg.TimeLimit, interactorMemory)
	defer inter.Close()
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		tr, err := runInteractive(ctx, cfg, lang, work, sol, ilang, iwork, inter, name, in)
		if err != nil {
			return nil, fmt.Errorf("test %s: %w", name, err)
		}
		rep.Tests = append(rep.Tests, tr)
		if tr.Verdict != AC {
			rep.Verdict = tr.Verdict
			if !cfg.RunAll {
				break
			}
		}
	}
	return rep, nil
}

// runInteractive runs one test: the solution in sol (the job's limits), the
// interactor in inter (its own), talking over two pipes. Neither gets an
// OutputLimit: counting would pass every message through the judge (a hop
// that makes a question and its answer several times slower); a flood the
// interactor does not read fills the pipe and blocks, and one it reads is
// its to judge.
func runInteractive(ctx context.Context, cfg Config, lang language, w workDir, sol *sandbox.Sandbox, ilang language, iw workDir, inter *sandbox.Sandbox, name, input string) (TestResult, error) {
	test, err := os.Open(input)
	if err != nil {
		return TestResult{}, err
	}
	defer test.Close()
	stderr := &headWriter{max: keepLog}
	pl, ipl := w.place(cfg), iw.place(cfg)
	argv, iargv := pl.args(lang.run), ipl.args(ilang.run)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Stderr = pl.args(append([]string{defaultPath}, lang.runEnv...)), stderr
	icmd := exec.Command(iargv[0], append(iargv[1:], interactorTest)...)
	icmd.Env, icmd.Stderr = ipl.args(append([]string{defaultPath}, ilang.runEnv...)), &headWriter{max: keepLog}
	icmd.ExtraFiles = []*os.File{test}
	in, err := sandbox.Interact(ctx, sol, cmd, inter, icmd)
	if err != nil {
		return TestResult{}, err
	}
	tr := TestResult{Name: name}
	tr.fill(in.Result)
	tr.Verdict, tr.Detail = interactiveVerdict(in)
	if tr.Verdict == RE {
		tr.Stderr = stderr.String()
	}
	return tr, nil
}

// interactiveVerdict combines the solution's and the interactor's results,
// first match wins:
//
//	the solution hit a limit                            MLE, OLE, TLE
//	the interactor exited non-zero, and the solution    WA
//	  exited 0 or ended after the interactor (its
//	  EPIPE, SIGPIPE or EOF came from that end)
//	the interactor died of SIGPIPE, the solution        WA (it quit mid-dialogue)
//	  having exited 0 before
//	the interactor failed (signal, limit) first          IE
//	the solution exited non-zero or died of a signal    RE
//	the interactor failed                               IE
//	both exited 0                                       AC
func interactiveVerdict(in *sandbox.Interaction) (Verdict, string) {
	sol, inter := in.Result, in.PeerResult
	solFailed := sol.Status == sandbox.Signaled || sol.Status == sandbox.NonZeroExit
	switch {
	case sol.Status == sandbox.MemoryLimitExceeded, sol.Status == sandbox.OutputLimitExceeded,
		sol.Status == sandbox.CPUTimeLimitExceeded, sol.Status == sandbox.WallTimeLimitExceeded:
		return verdict(sol, nil, nil)
	case inter.Status == sandbox.NonZeroExit && (sol.Status == sandbox.OK || in.PeerFirst):
		return WA, fmt.Sprintf("interactor exit %d", inter.ExitCode)
	case inter.Status == sandbox.Signaled && inter.Signal == syscall.SIGPIPE && sol.Status == sandbox.OK:
		return WA, "solution quit"
	case inter.Status != sandbox.OK && in.PeerFirst:
		return IE, "interactor " + interactorFailure(inter)
	case solFailed:
		return verdict(sol, nil, nil)
	case inter.Status != sandbox.OK || sol.Status != sandbox.OK:
		return IE, "interactor " + interactorFailure(inter)
	}
	return AC, ""
}

func interactorFailure(r *sandbox.Result) string {
	if r.Status == sandbox.Signaled {
		return signalName(r.Signal)
	}
	return r.Status.String()
}
