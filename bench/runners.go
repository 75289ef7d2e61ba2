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
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox"
)

// A runner runs the static true once per call of run. run must be safe for
// concurrent calls (the 2-worker throughput phase).
type runner struct {
	name   string
	inProc bool // runs in this process: its Go heap per run is reported
	run    func() error
	close  func()
	slow   int // runs per round are divided by this (a runner ~100× slower)

	lat     []time.Duration // per-run latencies from the rounds
	alloc   uint64          // TotalAlloc over the rounds' runs
	runs    int             // runs the rounds completed
	tput    [2]float64      // runs/s with 1 and 2 workers
	skipped string          // why it did not start
	failed  error           // why it stopped mid-way
}

// env is what the runners share: the temp dir, the built binaries.
type env struct {
	dir     string // temp dir, removed at the end; holds true, sbx, judge, bundles
	trueBin string // dir/true, a static binary
	modRoot string // the module's root directory
	install bool
	log     func(format string, args ...any)
}

// runCmd runs a command with no stdio (so os/exec starts no copying
// goroutines) and, when it fails, runs it once more with its output kept
// to say why.
func runCmd(name string, args ...string) error {
	if err := exec.Command(name, args...).Run(); err != nil {
		return explain(err, name, args...)
	}
	return nil
}

func explain(err error, name string, args ...string) error {
	out, _ := exec.Command(name, args...).CombinedOutput()
	msg := strings.TrimSpace(string(out))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg != "" {
		return fmt.Errorf("%s: %w: %s", filepath.Base(name), err, msg)
	}
	return fmt.Errorf("%s: %w", filepath.Base(name), err)
}

// buildTrue compiles int main(){return 0;} statically into e.dir/true.
func (e *env) buildTrue() error {
	src := filepath.Join(e.dir, "true.c")
	if err := os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644); err != nil {
		return err
	}
	e.trueBin = filepath.Join(e.dir, "true")
	out, err := exec.Command("gcc", "-static", "-O2", "-o", e.trueBin, src).CombinedOutput()
	if err != nil {
		return fmt.Errorf("gcc -static (needs gcc and libc6-dev): %v: %s", err, out)
	}
	return nil
}

// goBuild builds the module's package pkg (e.g. ./examples/sbx) into e.dir.
func (e *env) goBuild(pkg, name string) (string, error) {
	return e.goBuildWith(pkg, name, nil)
}

// releaseBuild is how the sbx runner's binary is built, as a command-line
// tool is shipped: static (no dynamic loader at every start), without
// build paths, symbol table and debug information. examples/sbx's doc
// gives the same command.
var releaseBuild = []string{"CGO_ENABLED=0", "-trimpath", "-ldflags=-s -w"}

// goBuildWith builds pkg with opts: NAME=VALUE are environment variables,
// the rest go build flags.
func (e *env) goBuildWith(pkg, name string, opts []string) (string, error) {
	bin := filepath.Join(e.dir, name)
	args := []string{"build", "-o", bin}
	env := os.Environ()
	for _, o := range opts {
		if strings.HasPrefix(o, "-") {
			args = append(args, o)
		} else {
			env = append(env, o)
		}
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = env
	cmd.Dir = e.modRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v: %s", pkg, err, bytes.TrimSpace(out))
	}
	return bin, nil
}

// moduleRoot is the directory of the go.mod of the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the repository")
	}
	return filepath.Dir(mod), nil
}

// lookOrInstall finds bin, installing the Debian package pkg with apt-get
// when allowed.
func (e *env) lookOrInstall(bin, pkg string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	if !e.install {
		return "", fmt.Errorf("%s not found (apt-get install %s, or run with -install)", bin, pkg)
	}
	e.log("installing %s with apt-get", pkg)
	apt := func(args ...string) error {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v: %s", strings.Join(args, " "), err, lastLine(out))
		}
		return nil
	}
	if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
		if uerr := apt("update"); uerr != nil {
			return "", uerr
		}
		if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
			return "", err
		}
	}
	return exec.LookPath(bin)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func (e *env) execRunner() (*runner, error) {
	return &runner{name: "exec", inProc: true, run: func() error { return runCmd(e.trueBin) }}, nil
}

// libRunner runs /b/true through one reused *sandbox.Sandbox, with stdout
// as its Stdout when not nil. The Landlock backend shows host paths in
// place: it runs e.trueBin.
func (e *env) libRunner(name string, sb *sandbox.Sandbox, stdout *os.File) (*runner, error) {
	bin := "/b/true"
	if strings.HasPrefix(name, "landlock") {
		sb, bin = sb.Backend(sandbox.Landlock).Bind(e.dir, e.dir), e.trueBin
	} else {
		sb = sb.Bind(e.dir, "/b")
	}
	run := func() error {
		cmd := exec.Command(bin)
		if stdout != nil {
			cmd.Stdout = stdout
		}
		res, err := sb.Run(cmd)
		if err != nil {
			return err
		}
		if res.Status != sandbox.OK || res.ExitCode != 0 {
			return fmt.Errorf("status %v, exit code %d, signal %v", res.Status, res.ExitCode, res.Signal)
		}
		return nil
	}
	return &runner{name: name, inProc: true, run: run, close: func() {
		sb.Close()
		if stdout != nil {
			stdout.Close()
		}
	}}, nil
}

// libFileRunner: the library with a regular file as Stdout, which reaches
// the command as a pipe the library splices into the file.
func (e *env) libFileRunner(name string) (*runner, error) {
	f, err := os.OpenFile(filepath.Join(e.dir, "stdout"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return e.libRunner(name, sandbox.New(), f)
}

func (e *env) sbxRunner() (*runner, error) {
	bin, err := e.goBuildWith("./examples/sbx", "sbx", releaseBuild)
	if err != nil {
		return nil, err
	}
	return &runner{name: "sbx", run: func() error {
		return runCmd(bin, "--bind", e.dir+":/b", "--", "/b/true")
	}}, nil
}

// sbxStartRunner runs bench/internal/sbxstart, built as sbx is: the Go
// start-up and package initialisation every sbx invocation pays before it
// does anything, measured in the same run as sbx and bubblewrap.
func (e *env) sbxStartRunner() (*runner, error) {
	bin, err := e.goBuildWith("./bench/internal/sbxstart", "sbxstart", releaseBuild)
	if err != nil {
		return nil, err
	}
	return &runner{name: "sbx-start", run: func() error { return runCmd(bin) }}, nil
}

func (e *env) bwrapRunner() (*runner, error) {
	bin, err := e.lookOrInstall("bwrap", "bubblewrap")
	if err != nil {
		return nil, err
	}
	return &runner{name: "bubblewrap", run: func() error {
		return runCmd(bin, "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", e.trueBin)
	}}, nil
}

// runnerNames are the runners in table order.
var runnerNames = []string{"exec", "library", "library+limits", "library+file-stdout", "landlock", "landlock+limits", "sbx", "sbx-start", "bubblewrap", "crun", "runc", "gvisor", "runsc"}

// newRunner sets up the runner called name.
func (e *env) newRunner(ctx context.Context, name string) (*runner, error) {
	switch name {
	case "exec":
		return e.execRunner()
	case "library":
		return e.libRunner(name, sandbox.New(), nil)
	case "library+limits", "landlock+limits":
		return e.libRunner(name, sandbox.New().MemoryLimit(256<<20).PidsLimit(64).CPUTimeLimit(time.Second), nil)
	case "library+file-stdout":
		return e.libFileRunner(name)
	case "landlock":
		return e.libRunner(name, sandbox.New(), nil)
	case "sbx":
		return e.sbxRunner()
	case "sbx-start":
		return e.sbxStartRunner()
	case "bubblewrap":
		return e.bwrapRunner()
	case "crun", "runc":
		return e.ociRunner(ctx, name)
	case "gvisor":
		if err := sandbox.GVisor.Available(); err != nil {
			return nil, err
		}
		r, err := e.libRunner(name, sandbox.New().Backend(sandbox.GVisor), nil)
		if r != nil {
			r.slow = gvisorSlow
		}
		return r, err
	case "runsc":
		r, err := e.ociRunner(ctx, name, "--network", "none")
		if r != nil {
			r.slow = gvisorSlow
		}
		return r, err
	}
	return nil, fmt.Errorf("unknown runner %q (want one of %s)", name, strings.Join(runnerNames, ","))
}

func kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "?"
	}
	return unix.ByteSliceToString(u.Release[:])
}

// gvisorSlow divides the runs per round of the gVisor runners, each run
// about a hundred times a Native one.
const gvisorSlow = 10

func numCPU() int { return runtime.NumCPU() }

func goVersion() string { return runtime.Version() }

// loadAvg is /proc/loadavg's first three fields: other load on the machine
// skews the figures, the 2-worker ones most.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
