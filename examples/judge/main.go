//go:build linux

// Command judge is an online-judge runner built on
// github.com/sandboxkit/sandbox:
//
//	judge -lang c|cpp|python|go -src FILE -tests DIR [-time 1s] [-mem 256MiB] [-json FILE] [-all] [-backend native|landlock|gvisor] [-compile-backend B] [-interactor FILE]
//
// It compiles the submission inside a sandbox (compilers parse untrusted
// input), runs it on every DIR/NAME.in in a fresh sandbox with the limits,
// compares the output with DIR/NAME.out token by token, and prints a verdict
// table (AC, WA, TLE, MLE, OLE, RE, CE) with each test's CPU time and peak
// memory. It exits 0 when the verdict is AC, 1 for any other verdict and 2
// when the judge itself failed. It must run as root (or with delegated
// cgroups) because the limits are cgroup limits.
//
// # Threat model
//
// Submissions are hostile, and so is everything they touch. The judge
// holds against them this way (each is a test, most a submission of
// testdata/sub: see testdata/README.md):
//
//   - The compiler runs in a sandbox too (it parses hostile input), with
//     finite time, memory, pids and output, writing only its own output
//     directory.
//   - That directory is hostile input: the run step never sees it. The
//     judge copies the program out of it by descriptor, refusing a
//     symbolic link, a FIFO or anything but a regular file (CE), into a
//     directory of root's, owned by root and mode 0555. The job's
//     directories are below one only root may enter.
//   - Each test runs in a fresh sandbox (New(): no network, no host
//     files, no other process) with the time, memory, pids and output
//     limits; the verdict comes from what the sandbox measured. One
//     Sandbox serves a submission's tests: each of its runs has its own
//     namespaces, mounts, /tmp, uid and cgroup, and sees nothing of the
//     run before (the library's TestReuseIsClean).
//   - Concurrent runs share inodes (the read-only system files, each
//     test's input), and the kernel keeps locks and change notifications
//     on the inode: a covert channel between submissions. The run step's
//     seccomp policy refuses flock, fcntl's lock, lease and notify
//     commands, and inotify (see policy.go). The compile step keeps them:
//     the go command locks its cache, and compilers run no submission
//     code.
//   - The table escapes every control character, bidirectional-text
//     character and non-UTF-8 byte of what a submission or a file name
//     chose (the compiler's output quotes the source as is), so it cannot
//     repaint the screen. -json keeps the text as JSON does: C0 controls
//     escaped, invalid UTF-8 replaced, but DEL, C1 and bidirectional
//     characters as they are: escape them where you display the report.
//
// It does not hide timing: a run can tell how loaded the machine is, and
// concurrent runs share CPU caches (see the library's threat model).
//
// # Interactive problems
//
// With -interactor FILE the problem is interactive. FILE (any of the
// languages, by its extension) is compiled like the submission, and each
// test runs the two together, each in its own sandbox (sandbox.Interact):
// the solution's stdout is the interactor's stdin and the interactor's
// stdout the solution's stdin. The interactor gets the test's DIR/NAME.in
// as its argument (/dev/fd/3, also open as descriptor 3); no NAME.out is
// needed. It exits 0 to accept and non-zero for a wrong answer.
//
// The solution has the -time and -mem limits and a wall limit of 3×time+1s,
// which also ends an idle deadlock (both waiting for the other) as TLE. The
// interactor runs like a submission (the run step's sandbox and seccomp
// policy) with twice the CPU time, hence a wall limit 3×time longer, and
// 256 MiB: a broken interactor is caught by its own limits (IE, the
// problem's fault) unless both only wait.
//
// The verdict: a limit of the solution first (TLE, MLE); then WA when the
// interactor exited non-zero after the solution exited 0, or before the
// solution ended (a SIGPIPE, EPIPE or EOF the solution got from the
// interactor's end is not held against it); RE for a solution that crashed
// first; IE for an interactor that died of a signal or a limit. Neither
// side has an output limit: a flood the interactor does not read fills the
// pipe and blocks, one it reads is its to judge, and counting would pass
// every message through the judge.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sandboxkit/sandbox"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("judge", flag.ContinueOnError)
	lang := fs.String("lang", "", "language: c, cpp, python or go (default: from the source's extension)")
	src := fs.String("src", "", "the submission's source file")
	tests := fs.String("tests", "", "directory of NAME.in / NAME.out pairs")
	limit := fs.Duration("time", time.Second, "CPU time limit per test")
	mem := fs.String("mem", "256MiB", "memory limit per test")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file (- for stdout)")
	all := fs.Bool("all", false, "run every test, not only up to the first failure")
	gocache := fs.String("gocache", "", "host directory shared as GOCACHE by Go compiles (trusted)")
	backendName := fs.String("backend", "native", "isolation backend: native, landlock or gvisor")
	interactor := fs.String("interactor", "", "source of the interactor: the problem is interactive")
	compileName := fs.String("compile-backend", "", "isolation backend of the compile step (default: -backend)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	memBytes, err := parseSize(*mem)
	if err != nil || *src == "" || *tests == "" || fs.NArg() > 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "judge: -mem:", err)
		}
		fs.Usage()
		return 2
	}
	backend, ok := sandbox.ParseBackend(*backendName)
	if !ok {
		fmt.Fprintf(os.Stderr, "judge: -backend: unknown backend %q\n", *backendName)
		return 2
	}
	var compileBackend *sandbox.Backend
	if *compileName != "" {
		b, ok := sandbox.ParseBackend(*compileName)
		if !ok {
			fmt.Fprintf(os.Stderr, "judge: -compile-backend: unknown backend %q\n", *compileName)
			return 2
		}
		compileBackend = &b
	}
	if *lang == "" {
		*lang = languageOf(*src)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := Judge(ctx, Config{
		Lang: *lang, Source: *src, TestsDir: *tests,
		TimeLimit: *limit, MemoryLimit: memBytes, RunAll: *all, GoCache: *gocache, Backend: backend, CompileBackend: compileBackend,
		Interactor: *interactor,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "judge:", err)
		return 2
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "judge:", err)
		return 2
	}
	if *jsonOut != "" {
		if err := writeJSONFile(*jsonOut, rep); err != nil {
			fmt.Fprintln(os.Stderr, "judge:", err)
			return 2
		}
	}
	if rep.Verdict != AC {
		return 1
	}
	return 0
}

func writeJSONFile(name string, rep *Report) error {
	if name == "-" {
		return rep.WriteJSON(os.Stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	return errors.Join(rep.WriteJSON(f), f.Close())
}

// parseSize reads a byte count such as "256MiB", "64M", "1G" or "1048576".
// K, M and G are binary multiples, with or without "iB" or "B".
func parseSize(s string) (int64, error) {
	num := strings.TrimRight(s, "KMGTiBkmgtb")
	unit := strings.ToUpper(s[len(num):])
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "IB"), "B")
	shifts := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}
	shift, ok := shifts[unit]
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if !ok || err != nil || n <= 0 || n > 1<<62>>shift {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n << shift, nil
}
