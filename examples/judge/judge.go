//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sandboxkit/sandbox"
)

// Config is one judging job.
type Config struct {
	Lang        string        // "c", "cpp", "python" or "go"
	Source      string        // the submission's source file on the host
	TestsDir    string        // holds NAME.in and NAME.out pairs
	TimeLimit   time.Duration // CPU time per test; the wall limit is 3×+1s
	MemoryLimit int64         // bytes per test
	RunAll      bool          // keep running tests after the first failure
	// Backend isolates the compile and every run (default Native).
	Backend sandbox.Backend
	// Interactor, when set, makes the problem interactive: the source of
	// the program each test's solution talks to (see judgeInteractive).
	Interactor string
	// CompileBackend, when set, isolates the compile instead of Backend:
	// e.g. Native compiles with GVisor runs, since a compiler under
	// gVisor is ten to a hundred times slower (a cold Go build needs more
	// than compileTime of CPU there).
	CompileBackend *sandbox.Backend
	// GoCache is a host directory used as GOCACHE by every Go compile of
	// this judge, so the standard library is compiled once. The compiler
	// may write to it: share it only between submissions you accept
	// cross-talk between. Empty means a fresh cache per compile.
	GoCache string
}

// Compile-step limits: compilers are untrusted input parsers, but need room.
const (
	compileTime   = 60 * time.Second
	compileMemory = 1 << 30
	compilePids   = 256
	compileOutput = 64 << 20 // per file written (RLIMIT_FSIZE), and the log
	compileTmp    = 512 << 20
	runPids       = 64 // Go needs threads
	keepLog       = 4 << 10
)

// Judge compiles cfg.Source in a sandbox and runs it on every test of
// cfg.TestsDir, each run in a sandbox of its own. One *sandbox.Sandbox
// serves the submission's runs, as a judge should use it: every run is
// fresh (its namespaces, root mounts, /tmp, uid and cgroup; no run sees
// another's), while the Sandbox plans the root once, copies it from a
// template from the second run on and reuses clean network namespaces. The error is non-nil only when the
// judge itself could not work (bad config, a sandbox that could not start);
// everything the submission did is in the Report.
func Judge(ctx context.Context, cfg Config) (*Report, error) {
	lang, err := lookupLanguage(cfg.Lang)
	if err != nil {
		return nil, err
	}
	if cfg.TimeLimit <= 0 || cfg.MemoryLimit <= 0 {
		return nil, errors.New("time and memory limits must be positive")
	}
	if cfg.Interactor != "" {
		return judgeInteractive(ctx, cfg, lang)
	}
	tests, err := findTests(cfg.TestsDir)
	if err != nil {
		return nil, err
	}
	work, err := newWorkDir(cfg.Source, lang, cfg.Backend)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work.root)

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
	sb := runSandbox(cfg, lang, work, cfg.TimeLimit, cfg.MemoryLimit)
	defer sb.Close()
	for _, tc := range tests {
		tr, err := runTest(ctx, cfg, lang, work, sb, tc)
		if err != nil {
			return nil, fmt.Errorf("test %s: %w", tc.name, err)
		}
		rep.Tests = append(rep.Tests, tr)
		if tr.Verdict != AC && rep.Verdict == AC {
			rep.Verdict = tr.Verdict
			if !cfg.RunAll {
				break
			}
		}
	}
	return rep, nil
}

// workDir is a job's host directories, below a root only root can enter
// (and, for the Landlock backend, which shows them in place, pass through):
// src holds a copy of the source; out is the compile step's, owned by the
// sandbox's user; bin gets the program the judge copies out of out, and
// is root's (see takeProgram); tmp is the compile step's /tmp under the
// Landlock backend, the sandbox's user's too.
type workDir struct{ root, src, out, bin, tmp string }

func newWorkDir(source string, lang language, backend sandbox.Backend) (workDir, error) {
	code, err := os.ReadFile(source)
	if err != nil {
		return workDir{}, err
	}
	root, err := os.MkdirTemp("", "judge-")
	if err != nil {
		return workDir{}, err
	}
	w := workDir{root: root, src: filepath.Join(root, "src"), out: filepath.Join(root, "out"), bin: filepath.Join(root, "bin"),
		tmp: filepath.Join(root, "tmp")}
	// No host user but root reaches the job's files: the sandbox sees its
	// directories through its mounts, not through root. Without mounts
	// (Landlock), through root: it may pass, not list; Landlock keeps each
	// sandbox to its own job's directories.
	mode := os.FileMode(0o700)
	if backend == sandbox.Landlock {
		mode = 0o711
	}
	err = errors.Join(
		os.Chmod(root, mode),
		os.Mkdir(w.src, 0o755),
		os.Mkdir(w.out, 0o755),
		os.Mkdir(w.bin, 0o755),
		os.Mkdir(w.tmp, 0o700),
		os.WriteFile(filepath.Join(w.src, lang.srcName), code, 0o644),
	)
	if err == nil && os.Geteuid() == 0 {
		// The compiler runs as DefaultUID and writes only in out and tmp.
		// (An unprivileged judge's sandboxes run as itself.)
		err = errors.Join(os.Chown(w.out, sandbox.DefaultUID, sandbox.DefaultGID), os.Chown(w.tmp, sandbox.DefaultUID, sandbox.DefaultGID))
	}
	if err != nil {
		os.RemoveAll(root)
		return workDir{}, err
	}
	return w, nil
}

// compile runs the language's compile step with generous but finite limits.
func compile(ctx context.Context, cfg Config, lang language, w workDir) (*StepResult, error) {
	if cfg.CompileBackend != nil {
		cfg.Backend = *cfg.CompileBackend
	}
	// The compiler writes out and the shared Go cache, both DefaultUID's:
	// it runs as that uid (RunAs), where a submission's runs get a uid of
	// their own each.
	pl := w.place(cfg)
	sb := sandbox.New().Backend(cfg.Backend).RunAs(sandbox.DefaultUID, sandbox.DefaultGID).
		Bind(w.src, pl.src).
		BindWritable(w.out, pl.out).
		CPUTimeLimit(compileTime).
		WallTimeLimit(2 * compileTime).
		MemoryLimit(compileMemory).
		PidsLimit(compilePids).
		OutputLimit(compileOutput)
	env := pl.args(append([]string{defaultPath}, lang.compEnv...))
	if lang.bigTmp {
		if pl.inPlace {
			sb.BindWritable(w.tmp, w.tmp)
		} else {
			sb.Tmpfs("/tmp", compileTmp)
		}
		cache := pl.tmp + "/gocache"
		if cfg.GoCache != "" {
			sb.BindWritable(cfg.GoCache, pl.cache)
			cache = pl.cache
		}
		env = append(env, "GOCACHE="+cache)
	}
	log := &headWriter{max: keepLog}
	argv := pl.args(lang.compile)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = env, pl.src
	cmd.Stdout, cmd.Stderr = log, log
	res, err := sb.RunContext(ctx, cmd)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	step := &StepResult{Verdict: AC, Log: log.String()}
	step.fill(res)
	if res.Status != sandbox.OK {
		step.Verdict = CE
		step.Detail = res.Status.String()
		if res.Status == sandbox.NonZeroExit {
			step.Detail = fmt.Sprintf("exit %d", res.ExitCode)
		}
		return step, nil
	}
	if lang.program != "" {
		var bad *badProgram
		switch err := takeProgram(w, lang.program); {
		case errors.As(err, &bad):
			step.Verdict, step.Detail = CE, bad.Error()
		case err != nil:
			return nil, fmt.Errorf("compile: taking the program: %w", err)
		}
	}
	return step, nil
}

type testCase struct{ name, in, out string }

// findTests returns the NAME.in/NAME.out pairs of dir in name order.
func findTests(dir string) ([]testCase, error) {
	ins, err := filepath.Glob(filepath.Join(dir, "*.in"))
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, fmt.Errorf("no *.in files in %s", dir)
	}
	sort.Strings(ins)
	var tests []testCase
	for _, in := range ins {
		base := strings.TrimSuffix(in, ".in")
		if _, err := os.Stat(base + ".out"); err != nil {
			return nil, fmt.Errorf("test %s has no expected output: %w", in, err)
		}
		tests = append(tests, testCase{name: filepath.Base(base), in: in, out: base + ".out"})
	}
	return tests, nil
}

// runTest runs the compiled submission on one test in sb (runSandbox's),
// whose output limit it sets for the test's expected output.
func runTest(ctx context.Context, cfg Config, lang language, w workDir, sb *sandbox.Sandbox, tc testCase) (TestResult, error) {
	want, err := os.ReadFile(tc.out)
	if err != nil {
		return TestResult{}, err
	}
	in, err := os.Open(tc.in)
	if err != nil {
		return TestResult{}, err
	}
	defer in.Close()
	pl := w.place(cfg)
	sb.OutputLimit(outputLimit(len(want)))
	var stdout bytes.Buffer
	stderr := &headWriter{max: keepLog}
	argv := pl.args(lang.run)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = pl.args(append([]string{defaultPath}, lang.runEnv...))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &stdout, stderr
	res, err := sb.RunContext(ctx, cmd)
	if err != nil {
		return TestResult{}, err
	}
	tr := TestResult{Name: tc.name}
	tr.fill(res)
	tr.Verdict, tr.Detail = verdict(res, stdout.Bytes(), want)
	if tr.Verdict == RE {
		tr.Stderr = stderr.String()
	}
	return tr, nil
}

// runSandbox is the sandbox of a run of w's program: the source and the
// program read-only, the run policy, and the given limits (the wall limit
// is 3×cpu+1s).
func runSandbox(cfg Config, lang language, w workDir, cpu time.Duration, mem int64) *sandbox.Sandbox {
	pl := w.place(cfg)
	sb := sandbox.New().Backend(cfg.Backend).
		Bind(w.src, pl.src).
		CPUTimeLimit(cpu).
		WallTimeLimit(3*cpu + time.Second).
		MemoryLimit(mem).
		PidsLimit(runPids)
	if cfg.Backend != sandbox.GVisor {
		// Under GVisor each run has a kernel of its own (the Sentry):
		// locks and notifications on a shared file stay in it, so there is
		// no channel to close, and a policy is refused there.
		sb.Seccomp(runPolicy())
	}
	if lang.program != "" {
		sb.Bind(w.bin, pl.bin)
	}
	return sb
}

// outputLimit allows four times the expected output, and at least 1 MiB.
func outputLimit(want int) int64 { return max(4*int64(want), 1<<20) }

// verdict maps the sandbox's Status to a judge verdict; only a clean exit
// gets its output compared.
func verdict(res *sandbox.Result, got, want []byte) (Verdict, string) {
	switch res.Status {
	case sandbox.OK:
		if sameTokens(got, want) {
			return AC, ""
		}
		return WA, ""
	case sandbox.MemoryLimitExceeded:
		return MLE, ""
	case sandbox.CPUTimeLimitExceeded:
		return TLE, "cpu"
	case sandbox.WallTimeLimitExceeded:
		return TLE, "wall"
	case sandbox.OutputLimitExceeded:
		return OLE, ""
	case sandbox.Signaled:
		return RE, signalName(res.Signal)
	case sandbox.NonZeroExit:
		return RE, fmt.Sprintf("exit %d", res.ExitCode)
	}
	return IE, res.Status.String()
}

// sameTokens compares two outputs token by token, so spacing and line
// ends do not matter.
func sameTokens(got, want []byte) bool {
	g, w := bytes.Fields(got), bytes.Fields(want)
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if !bytes.Equal(g[i], w[i]) {
			return false
		}
	}
	return true
}

// headWriter keeps the first max bytes written to it and drops the rest.
type headWriter struct {
	mu        sync.Mutex // stdout and stderr may be copied concurrently
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (h *headWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	room := h.max - h.buf.Len()
	if len(p) > room {
		h.truncated = true
		h.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return h.buf.Write(p)
}

func (h *headWriter) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.truncated {
		return h.buf.String() + "\n…(truncated)"
	}
	return h.buf.String()
}
