//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

// newTestHost builds testdata/echoplugin and returns a Host for it and the
// log it writes.
func newTestHost(t *testing.T) (*Host, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	return startHost(t, Config{Dir: buildPlugin(t, "echoplugin"), Exe: "echoplugin", Logger: zap.New(core),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}), logs
}

// buildPlugin builds testdata/NAME into a directory of its own and returns
// the directory.
func buildPlugin(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o755) // the plugin runs as the sandbox's user
	build := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./testdata/"+name)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// startHost returns a Host for cfg that is closed, and checked to leave no
// plugin process behind, when the test ends.
func startHost(t *testing.T, cfg Config) *Host {
	t.Helper()
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close()
		checkGone(t, filepath.Join(cfg.Dir, cfg.Exe))
	})
	return h
}

// call makes one request with its own deadline.
func call(h *Host, d time.Duration, op, arg string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return h.Call(ctx, op, arg)
}

// mustUpper checks that the plugin answers.
func mustUpper(t *testing.T, h *Host, arg, want string) {
	t.Helper()
	got, err := call(h, 10*time.Second, "upper", arg)
	if err != nil || got != want {
		t.Fatalf("upper %q = %q, %v; want %q", arg, got, err, want)
	}
}

// restartAfter waits (bounded) for restart entry number n+1 and returns it.
func restartAfter(t *testing.T, logs *observer.ObservedLogs, n int) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if entries := logs.FilterMessage("plugin died, restarting").All(); len(entries) > n {
			return entries[n].ContextMap()
		}
		if time.Now().After(deadline) {
			t.Fatal("no restart logged")
		}
	}
}

// The supervisor logs a restart on its own goroutine, possibly just after
// the failed call returned: wait (bounded) for the entry with that reason.
func lastRestart(t *testing.T, logs *observer.ObservedLogs, reason string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		entries := logs.FilterMessage("plugin died, restarting").All()
		if n := len(entries); n > 0 && entries[n-1].ContextMap()["reason"] == reason {
			return entries[n-1].ContextMap()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no restart logged with reason %q", reason)
		}
	}
}

func TestPluginRecovers(t *testing.T) {
	requireRoot(t)
	h, logs := newTestHost(t)
	mustUpper(t, h, "abc", "ABC")

	// It crashes mid-request: the call fails, the next one is answered.
	if _, err := call(h, 10*time.Second, "crash", ""); !errors.Is(err, ErrPluginExited) {
		t.Fatalf("crash: %v, want ErrPluginExited", err)
	}
	if f := lastRestart(t, logs, "crash"); f["reason"] != "crash" || f["status"] != "NonZeroExit" || f["exit_code"] != int64(2) {
		t.Errorf("crash logged as %v", f)
	}
	mustUpper(t, h, "after crash", "AFTER CRASH")

	// It hangs past a short deadline: killed, restarted.
	start := time.Now()
	if _, err := call(h, 200*time.Millisecond, "hang", ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("hang returned after %v", d)
	}
	mustUpper(t, h, "after hang", "AFTER HANG")
	if f := lastRestart(t, logs, "deadline"); f["reason"] != "deadline" || f["status"] != "Killed" {
		t.Errorf("hang logged as %v", f)
	}

	// It is killed from outside mid-request.
	errc := make(chan error, 1)
	go func() {
		_, err := call(h, 30*time.Second, "sleep", "20000")
		errc <- err
	}()
	pid := waitPid(t, h)
	if len(running(t, filepath.Join(h.cfg.Dir, h.cfg.Exe))) == 0 {
		t.Fatal("no process runs the plugin's executable while it answers: checkGone would see nothing")
	}
	// The request has reached it once the plugin says so on stderr.
	for deadline := time.Now().Add(10 * time.Second); len(logs.FilterMessage("plugin stderr").FilterField(zap.String("line", "sleeping 20000")).All()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the plugin did not say it has the sleep request")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, ErrPluginExited) {
			t.Fatalf("killed mid-request: %v, want ErrPluginExited", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call outlived its plugin by 5 s")
	}
	mustUpper(t, h, "after kill", "AFTER KILL")
}

// TestPluginMemoryLimit needs the cgroup memory limit.
func TestPluginMemoryLimit(t *testing.T) {
	requireRoot(t)
	h, logs := newTestHost(t)
	if _, err := call(h, 10*time.Second, "alloc", "256"); !errors.Is(err, ErrPluginExited) {
		t.Fatalf("alloc 256 MiB under 64 MiB: %v, want ErrPluginExited", err)
	}
	if f := lastRestart(t, logs, "limit"); f["reason"] != "limit" || f["status"] != "MemoryLimitExceeded" {
		t.Errorf("logged as %v", f)
	}
	mustUpper(t, h, "after oom", "AFTER OOM")
	if _, err := call(h, 10*time.Second, "alloc", "16"); err != nil {
		t.Errorf("alloc 16 MiB: %v", err)
	}
}

// TestPluginBackoff: consecutive deaths double the wait, an answer resets it.
func TestPluginBackoff(t *testing.T) {
	requireRoot(t)
	h, logs := newTestHost(t)
	for range 4 {
		call(h, 10*time.Second, "crash", "")
	}
	restartAfter(t, logs, 3) // the fourth is logged on the supervisor's goroutine
	var got []time.Duration
	for _, e := range logs.FilterMessage("plugin died, restarting").All() {
		got = append(got, time.Duration(e.ContextMap()["backoff"].(time.Duration)))
	}
	want := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("backoffs %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoffs %v, want %v", got, want)
		}
	}
	mustUpper(t, h, "x", "X")
	before := len(logs.FilterMessage("plugin died, restarting").All())
	call(h, 10*time.Second, "crash", "")
	if f := restartAfter(t, logs, before); f["backoff"] != 20*time.Millisecond {
		t.Errorf("backoff after an answer: %v, want 20ms", f["backoff"])
	}
}

// waitPid returns the running plugin's PID once there is one.
func waitPid(t *testing.T, h *Host) int {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if pid := h.Pid(); pid != 0 {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the plugin did not start")
	return 0
}

// checkGone fails if a process running the plugin exe outlives Close.
func checkGone(t *testing.T, exe string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; {
		left := running(t, exe)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("plugin processes left after Close: %v", left)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running lists the processes whose executable is the file exe, whatever
// their mount namespace calls it: this test's build, not another test's.
func running(t *testing.T, exe string) []int {
	t.Helper()
	want, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fi, err := os.Stat("/proc/" + e.Name() + "/exe"); err == nil && os.SameFile(fi, want) {
			pids = append(pids, pid)
		}
	}
	return pids
}
