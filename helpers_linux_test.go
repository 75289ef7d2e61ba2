package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

// tempRoot is this test binary's directory (testutil.TempRoot), made by
// TestMain; "" when it could not be made.
var tempRoot string

// mkdirTemp is os.MkdirTemp in tempRoot (else in os.TempDir()): what a
// killed binary leaves there, the next one removes.
func mkdirTemp(pattern string) (string, error) { return os.MkdirTemp(tempRoot, pattern) }

var (
	probeOnce   sync.Once
	probeDir    string
	probeErr    error
	probeShared string
)

// probe returns the directory holding the static probe program (see
// testdata/probe), built once per test process.
func probe(t testing.TB) string {
	t.Helper()
	probeOnce.Do(func() {
		if d := os.Getenv(probeDirEnv); d != "" {
			probeShared = d // built by the process that re-executed this one
			return
		}
		dir, err := mkdirTemp("sandbox-probe-")
		if err != nil {
			probeErr = err
			return
		}
		os.Chmod(dir, 0o755)
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "probe"), "./testdata/probe")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			probeErr = fmt.Errorf("go build ./testdata/probe: %v\n%s", err, out)
			return
		}
		probeDir = dir
	})
	if probeErr != nil {
		t.Fatalf("probe: %v", probeErr)
	}
	if probeShared != "" {
		return probeShared
	}
	return probeDir
}

// probeDirEnv names a directory holding the probe program, for a test
// process re-executed by another that built it.
const probeDirEnv = "SANDBOX_TEST_PROBE_DIR"

// run runs argv in sb, returning the result and what it printed.
func run(t testing.TB, sb *Sandbox, argv ...string) (*Result, string) {
	t.Helper()
	res, out, err := runErr(context.Background(), sb, argv...)
	if err != nil {
		t.Fatalf("Run(%q): %v", argv, err)
	}
	return res, out
}

func runErr(ctx context.Context, sb *Sandbox, argv ...string) (*Result, string, error) {
	var out bytes.Buffer
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	res, err := sb.RunContext(ctx, cmd)
	return res, out.String(), err
}

// leaks records what a test starts with and checks in Cleanup that it
// ends with no more: descriptors, goroutines, mounts, child processes.
//
// The mount table is the host's, which the test packages that go test runs
// in parallel share: a mount that differs is waited for longer (10 s), and
// named when the check fails.
func checkLeaks(t *testing.T) {
	t.Helper()
	fds, gs, mounts := countFDs(), runtime.NumGoroutine(), mountList()
	t.Cleanup(func() {
		start := time.Now()
		for {
			runtime.GC() // Sandboxes no longer used release their idle namespaces
			f, g, m, c := countFDs(), runtime.NumGoroutine(), mountList(), children()
			diff := mountDiff(mounts, m)
			if f <= fds && g <= gs && diff == "" && len(c) == 0 {
				return
			}
			waited := time.Since(start)
			if waited > 10*time.Second || (diff == "" && waited > 2*time.Second) {
				t.Errorf("leak: fds %d→%d, goroutines %d→%d, mounts %d→%d%s, children %v", fds, f, gs, g, len(mounts), len(m), diff, c)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// mountList returns this process's mount table, a line per mount: its
// mount point, file system type and source.
func mountList() []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if i := slices.Index(f, "-"); i >= 4 && i+2 < len(f) {
			out = append(out, f[4]+" "+f[i+1]+" "+f[i+2])
		}
	}
	slices.Sort(out)
	return out
}

// mountDiff names the mounts only in a ("-") or only in b ("+"), or is "".
func mountDiff(a, b []string) string {
	var d strings.Builder
	for _, m := range a {
		if _, ok := slices.BinarySearch(b, m); !ok {
			d.WriteString(" -[" + m + "]")
		}
	}
	for _, m := range b {
		if _, ok := slices.BinarySearch(a, m); !ok {
			d.WriteString(" +[" + m + "]")
		}
	}
	if d.Len() == 0 && len(a) != len(b) {
		d.WriteString(" (the same mount points, another count)")
	}
	return d.String()
}

func countFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

func countMounts() int {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	return bytes.Count(b, []byte("\n"))
}

// children lists the PIDs of this process's children, on every thread.
func children() []int {
	var pids []int
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(s); err == nil {
				pids = append(pids, n)
			}
		}
	}
	return pids
}

// processesWith returns the PIDs of host processes whose command line
// contains marker.
func processesWith(marker string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(b, []byte(marker)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// describeProcesses names processes by pid and command line.
func describeProcesses(pids []int) []string {
	var out []string
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		out = append(out, strconv.Itoa(pid)+" "+strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " "))
	}
	return out
}

// startEmbedder starts cmd, this test binary re-executed as an embedding
// process that starts runs, and waits until it says "ready" on its
// standard error.
func startEmbedder(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stderr).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("embedder said %q", line)
	}
}

// awaitProcesses waits up to timeout for n processes whose command line
// holds marker, and returns how many there are.
func awaitProcesses(marker string, n int, timeout time.Duration) int {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if got := len(processesWith(marker)); got >= n || time.Now().After(deadline) {
			return got
		}
	}
}

// killEmbedder kills the embedding process cmd with SIGKILL and fails the
// test unless every process whose command line holds marker ends within
// timeout (those left are then killed).
func killEmbedder(t *testing.T, cmd *exec.Cmd, marker string, timeout time.Duration) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for deadline := time.Now().Add(timeout); len(processesWith(marker)) > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			left := processesWith(marker)
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("processes outlived the embedder: %v", describeProcesses(left))
		}
	}
}

// startOnExitingThread starts cmd in sb from a goroutine locked to its OS
// thread, which exits with the goroutine: a parent-death signal tied to
// that thread would kill the run (go.dev/issue/27505).
func startOnExitingThread(t *testing.T, sb *Sandbox, cmd *exec.Cmd) *Process {
	t.Helper()
	started := make(chan *Process, 1)
	errs := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		p, err := sb.Start(cmd)
		if err != nil {
			errs <- err
			return
		}
		started <- p
	}()
	select {
	case err := <-errs:
		t.Fatal(err)
		return nil
	case p := <-started:
		return p
	}
}
