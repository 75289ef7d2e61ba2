package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

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
		dir, err := os.MkdirTemp("", "sandbox-probe-")
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
func checkLeaks(t *testing.T) {
	t.Helper()
	fds, gs, mounts := countFDs(), runtime.NumGoroutine(), countMounts()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for {
			runtime.GC() // Sandboxes no longer used release their idle namespaces
			f, g, m, c := countFDs(), runtime.NumGoroutine(), countMounts(), children()
			if f <= fds && g <= gs && m == mounts && len(c) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("leak: fds %d→%d, goroutines %d→%d, mounts %d→%d, children %v", fds, f, gs, g, mounts, m, c)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
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
