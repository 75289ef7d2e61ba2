package sandbox

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cgroupDirs lists the per-run groups of this test process that exist
// now, on every hierarchy.
func cgroupDirs() []string { return cgroupDirsOf(os.Getpid()) }

// cgroupDirsOf lists the per-run groups made by process pid.
func cgroupDirsOf(pid int) []string {
	prefix := "sandbox-" + strconv.Itoa(pid) + "-"
	var dirs []string
	for _, pat := range []string{"/sys/fs/cgroup/*/sandbox-*", "/sys/fs/cgroup/*/*/sandbox-*", "/sys/fs/cgroup/*/*/*/sandbox-*",
		"/sys/fs/cgroup/sandbox-*", "/sys/fs/cgroup/*/*/*/*/sandbox-*"} {
		m, _ := filepath.Glob(pat)
		for _, d := range m {
			if strings.HasPrefix(filepath.Base(d), prefix) {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}

// checkCgroups fails the test if it leaves a per-run group behind.
func checkCgroups(t *testing.T) {
	before := len(cgroupDirs())
	t.Cleanup(func() {
		if after := cgroupDirs(); len(after) > before {
			t.Errorf("cgroups left behind: %v", after)
		}
	})
}

func probeSandbox(t *testing.T) *Sandbox {
	return New().Bind(probe(t), "/probe")
}

func TestMemoryLimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	const limit = 64 << 20
	res, out := run(t, probeSandbox(t).MemoryLimit(limit), "/probe/probe", "alloc", "200")
	if res.Status != MemoryLimitExceeded {
		t.Fatalf("hog: %+v\n%s", res, out)
	}
	if lo, hi := int64(limit*85/100), int64(limit*115/100); res.MemoryPeak < lo || res.MemoryPeak > hi {
		t.Errorf("peak %d MiB, want within 15%% of %d MiB", res.MemoryPeak>>20, limit>>20)
	}
	res, out = run(t, probeSandbox(t).MemoryLimit(256<<20), "/probe/probe", "alloc", "100")
	if res.Status != OK {
		t.Fatalf("100 MiB under 256 MiB: %+v\n%s", res, out)
	}
	if res.MemoryPeak < 90<<20 {
		t.Errorf("peak %d MiB, want ≥ 90 MiB", res.MemoryPeak>>20)
	}
}

func TestCPUTimeLimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	res, out := run(t, probeSandbox(t).CPUTimeLimit(time.Second).WallTimeLimit(10*time.Second), "/probe/probe", "spin", "20s")
	if res.Status != CPUTimeLimitExceeded {
		t.Fatalf("%+v\n%s", res, out)
	}
	if res.CPUTime < 900*time.Millisecond || res.CPUTime > 1500*time.Millisecond {
		t.Errorf("CPU time %v, want in [0.9s, 1.5s]", res.CPUTime)
	}
	// Every thread is charged: two threads that burn 0.6 s each cost ≥ 1.2 s.
	res, out = run(t, probeSandbox(t).CPUTimeLimit(10*time.Second), "/probe/probe", "spin-threads", "2", "600ms")
	if res.Status != OK || res.CPUTime < 1200*time.Millisecond {
		t.Errorf("two threads: %+v\n%s", res, out)
	}
}

func TestCPUQuota(t *testing.T) {
	requireRoot(t)
	checkCgroups(t)
	res, out := run(t, probeSandbox(t).CPUQuota(0.5), "/probe/probe", "spin-threads", "1", "500ms")
	if res.Status != OK {
		t.Fatalf("%+v\n%s", res, out)
	}
	// spin counts wall time: at half a core it takes ~2x its CPU time.
	if ratio := float64(res.WallTime) / float64(res.CPUTime); ratio < 1.6 || ratio > 10 { // over 2 when the machine is busy: at a load of 10, a share of 0.2 CPU is 5
		t.Errorf("wall %v / cpu %v = %.2f, want about 2 (1.6 to 10)", res.WallTime, res.CPUTime, ratio)
	}
}

func TestPidsLimitForkBomb(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	marker := "forkbomb-7731"
	res, out := run(t, New().PidsLimit(32).WallTimeLimit(2*time.Second),
		"sh", "-c", "b() { b | b & }; b; sleep 1000 # "+marker)
	if res.Status == OK {
		t.Errorf("fork bomb exited OK: %+v %s", res, out)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("fork bomb survived: %v", pids)
	}
}

func TestOutputLimit(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	// To a writer: it receives exactly the limit.
	var buf bytes.Buffer
	cmd := exec.Command("/probe/probe", "flood", "-")
	cmd.Stdout = &buf
	res, err := probeSandbox(t).OutputLimit(100_000).WallTimeLimit(10 * time.Second).Run(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != OutputLimitExceeded || buf.Len() != 100_000 {
		t.Errorf("writer: %+v, got %d bytes", res, buf.Len())
	}
	// To a file of its own: the file stops at the limit, where RLIMIT_FSIZE
	// raises SIGXFSZ (a Go program ignores it and sees EFBIG instead; dd
	// does not). The sandbox counted none of those bytes: the signal
	// alone is no limit's evidence, so the run is Signaled.
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	res, out := run(t, New().BindWritable(dir, "/out").OutputLimit(1<<20).WallTimeLimit(10*time.Second),
		"dd", "if=/dev/zero", "of=/out/f", "bs=64k", "count=100")
	if res.Status != Signaled || res.Signal != syscall.SIGXFSZ {
		t.Errorf("file: %+v, want Signaled by SIGXFSZ\n%s", res, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "f")); err != nil || fi.Size() > 1<<20 {
		t.Errorf("file size %v %v", fi, err)
	}
}

func TestCgroupRemovedAfterKill(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	p, err := New().MemoryLimit(64 << 20).Start(exec.Command("sh", "-c", "sleep 1000 & sleep 1000"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if len(cgroupDirs()) == 0 {
		t.Errorf("no cgroup while running")
	}
	p.Kill()
	res, err := p.Wait()
	if err != nil || res.Status != Killed {
		t.Errorf("%+v %v", res, err)
	}
}

func TestCgroupParentErrors(t *testing.T) {
	requireRoot(t)
	for _, parent := range []string{"/no-such-group-xyz", "/tmp"} {
		_, _, err := runErr(t.Context(), New().MemoryLimit(64<<20).CgroupParent(parent), "true")
		if err == nil || !strings.Contains(err.Error(), parent) {
			t.Errorf("CgroupParent(%q): err = %v, want one naming it", parent, err)
		}
	}
}
