package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// The run statistics of a Result, checked against testdata/stats/stats.c,
// a single-threaded static C program whose switches, processes, I/O,
// memory and output are known. Exact where the kernel counts exactly;
// where it cannot be, the bound and its reason are given.

var (
	statsOnce sync.Once
	statsDir  string
	statsErr  error
)

// statsDirEnv names a directory holding the stats program, for a test
// binary re-executed where it cannot build it (the lockdown harness).
const statsDirEnv = "SANDBOX_TEST_STATS_DIR"

// statsProgram returns the directory holding the static stats program,
// built once per test process (removed by TestMain).
func statsProgram(t *testing.T) string {
	t.Helper()
	if d := os.Getenv(statsDirEnv); d != "" {
		return d // built by the process that re-executed this one
	}
	gcc := testutil.RequireTool(t, "gcc", "gcc libc6-dev")
	statsOnce.Do(func() {
		dir, err := mkdirTemp("sandbox-stats-")
		if err != nil {
			statsErr = err
			return
		}
		os.Chmod(dir, 0o755)
		out, err := exec.Command(gcc, "-static", "-O1", "-Wall", "-o", filepath.Join(dir, "stats"), "testdata/stats/stats.c").CombinedOutput()
		if err != nil {
			os.RemoveAll(dir)
			statsErr = fmt.Errorf("gcc -static testdata/stats/stats.c: %v\n%s", err, out)
			return
		}
		statsDir = dir
	})
	if statsErr != nil {
		t.Fatal(statsErr)
	}
	return statsDir
}

// statsSandbox is New() with the stats program at /stats.
func statsSandbox(t *testing.T) *Sandbox {
	return New().Bind(statsProgram(t), "/stats")
}

// runStats runs the stats program with args and wants it to succeed.
func runStats(t *testing.T, sb *Sandbox, args ...string) *Result {
	t.Helper()
	return runStatsAt(t, sb, "/stats/stats", args...)
}

// runStatsAt is runStats with the program at prog.
func runStatsAt(t *testing.T, sb *Sandbox, prog string, args ...string) *Result {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(prog, args...)
	cmd.Stderr = &stderr
	res, err := sb.Run(cmd)
	if err != nil {
		t.Fatalf("stats %v: %v", args, err)
	}
	if res.Status != OK {
		t.Fatalf("stats %v: %+v\n%s", args, res, stderr.Bytes())
	}
	t.Logf("stats %v: %+v", args, res)
	return res
}

// TestStatsSwitches: N sleeps are N voluntary switches. The command's
// process also gives up the CPU while the sandbox sets it up (it waits on
// the sync pipe), while its execve waits for the binary's pages, and on
// its way out; so a run with no sleep gives the baseline, and N sleeps add
// at most N to it. Both are bounded by 20 above: nothing else in the
// program blocks. A sleep whose timer has expired before the process gets
// to block (it, or its virtual CPU, was held up for the whole 1 ms: seen
// once in 200 in the TCG VM) returns without a switch: at least 95% of N.
func TestStatsSwitches(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := statsSandbox(t)
	defer sb.Close()
	const n = 200
	base := runStats(t, sb, "sleeps", "0")
	res := runStats(t, sb, "sleeps", strconv.Itoa(n))
	if base.VoluntarySwitches < 0 || base.VoluntarySwitches > 20 {
		t.Errorf("no sleep: %d voluntary switches, want 0…20", base.VoluntarySwitches)
	}
	if v := res.VoluntarySwitches; v < n*95/100 || v > n+20 {
		t.Errorf("%d sleeps: %d voluntary switches, want %d…%d", n, v, n*95/100, n+20)
	}
	for _, r := range []*Result{base, res} {
		if r.ForcedSwitches < 0 {
			t.Errorf("ForcedSwitches = %d, want a count", r.ForcedSwitches)
		}
	}
}

// TestStatsForcedSwitches: two processes busy on one CPU for 300 ms each
// must take turns; the scheduler's slices are a few ms (never above
// sched_latency, 24 ms at most), so together they are preempted at least
// 10 times.
func TestStatsForcedSwitches(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := statsSandbox(t)
	defer sb.Close()
	res := runStats(t, sb, "spin", "300")
	if res.ForcedSwitches < 10 {
		t.Errorf("two processes spinning on one CPU: %d forced switches, want ≥ 10", res.ForcedSwitches)
	}
}

// TestStatsProcessesCgroup: N children in waves of K alive at once. The
// run creates the command and N processes, and no thread (the program is
// single-threaded C): Processes is N+1 exactly, and the cgroup saw K+1
// alive at once. A run without a cgroup has no peak; one without a PID
// namespace no count. (The name has "Cgroup" so that the v2 VM runs it
// too.)
func TestStatsProcessesCgroup(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	const n, k = 20, 6
	args := []string{"forks", strconv.Itoa(n), strconv.Itoa(k)}
	sb := statsSandbox(t).PidsLimit(64)
	defer sb.Close()
	res := runStats(t, sb, args...)
	if res.Processes != n+1 || res.ProcessesPeak != k+1 {
		t.Errorf("%d forks, %d at once: Processes %d, ProcessesPeak %d; want %d and %d", n, k, res.Processes, res.ProcessesPeak, n+1, k+1)
	}

	plain := statsSandbox(t)
	defer plain.Close()
	res = runStats(t, plain, args...)
	if res.Processes != n+1 || res.ProcessesPeak != -1 {
		t.Errorf("no cgroup: Processes %d, ProcessesPeak %d; want %d and -1", res.Processes, res.ProcessesPeak, n+1)
	}

	nopid := statsSandbox(t).Namespaces(Mount, Net, IPC, UTS).PidsLimit(64)
	defer nopid.Close()
	res = runStats(t, nopid, args...)
	if res.Processes != -1 || res.ProcessesPeak != k+1 {
		t.Errorf("no PID namespace: Processes %d, ProcessesPeak %d; want -1 and %d", res.Processes, res.ProcessesPeak, k+1)
	}
}

// onBlockDevice reports whether dir's file system is on a block device
// (a tmpfs, overlay or 9p one has no block I/O to count).
func onBlockDevice(dir string) bool {
	var st syscall.Stat_t
	if syscall.Stat(dir, &st) != nil {
		return false
	}
	major, minor := (st.Dev>>8)&0xfff|(st.Dev>>32)&^0xfff, st.Dev&0xff|(st.Dev>>12)&^0xff
	return isBlockDevice(fmt.Sprintf("%d:%d", major, minor))
}

// isBlockDevice reports whether the device major:minor is a block device.
func isBlockDevice(dev string) bool {
	_, err := os.Stat("/sys/dev/block/" + dev)
	return err == nil
}

// blockMount returns a mount point of a file system on a block device, or
// "" when no mount of this process's mount namespace is on one (a VM
// booted from an initramfs with its files over 9p).
func blockMount() string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l) // ID parent major:minor root mountpoint ...
		if len(f) > 4 && isBlockDevice(f[2]) {
			return f[4]
		}
	}
	return ""
}

// TestStatsDiskIO: 4 MiB written, fsynced, dropped from the page cache and
// read back, on a disk. Writes count when the pages are dirtied and reads
// when the disk is read, in the process that does either: 4 MiB each. The
// file system's own metadata (inode, extents, journal) is written by its
// kernel threads and read at most once: a bound of 64 KiB above. The same
// program on the sandbox's /tmp (tmpfs) does no block I/O at all.
func TestStatsDiskIO(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := t.TempDir()
	if !onBlockDevice(dir) {
		if m := blockMount(); m == "" {
			testutil.SkipProved(t, "a file system on a block device", "no mount in /proc/self/mountinfo is on a device of /sys/dev/block")
		} else {
			testutil.Unmet(t, "%s is not on a block device: set TMPDIR to a directory on a disk (such as under %s)", dir, m)
		}
	}
	if _, err := os.Stat("/proc/self/io"); err != nil {
		testutil.SkipProved(t, "per-task I/O accounting (CONFIG_TASK_IO_ACCOUNTING)", "no /proc/self/io: "+err.Error())
	}
	os.Chmod(dir, 0o777)
	sb := statsSandbox(t).BindWritable(dir, "/data")
	defer sb.Close()
	const size = 4 << 20
	res := runStats(t, sb, "io", "/data/f", strconv.Itoa(size))
	if w := res.DiskWriteBytes; w < size || w > size+64<<10 {
		t.Errorf("wrote %d bytes to a disk: DiskWriteBytes %d", size, w)
	}
	if r := res.DiskReadBytes; r < size || r > size+64<<10 {
		t.Errorf("read %d bytes from a disk: DiskReadBytes %d", size, r)
	}
	res = runStats(t, sb, "io", "/tmp/f", strconv.Itoa(size))
	if res.DiskWriteBytes != 0 || res.DiskReadBytes != 0 {
		t.Errorf("on tmpfs: DiskWriteBytes %d, DiskReadBytes %d; want 0 and 0", res.DiskWriteBytes, res.DiskReadBytes)
	}
}

// TestStatsMaxRSS: a process that touches M MiB has a peak of M MiB plus
// its binary's own pages (a static C program: well under 2 MiB). M is
// chosen above this test process's own peak: the command's process starts
// from this process's memory (shared with init, or copied from it), whose
// peak Linux counts in the command's ru_maxrss too, so a smaller program's
// peak cannot be known and is -1. Both ways of starting the command: on
// the embedding process's memory (New) and on a copy (RunAs(0, 0) forks).
func TestStatsMaxRSS(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	m := ru.Maxrss>>10 + 64 // MiB
	for _, c := range []struct {
		name string
		sb   *Sandbox
	}{{"shared", statsSandbox(t)}, {"copied", statsSandbox(t).RunAs(0, 0)}} {
		t.Run(c.name, func(t *testing.T) {
			defer c.sb.Close()
			res := runStats(t, c.sb, "rss", strconv.FormatInt(m, 10))
			if lo, hi := m<<20, m<<20+2<<20; res.MaxRSS < lo || res.MaxRSS > hi {
				t.Errorf("touched %d MiB: MaxRSS %d MiB, want %d…%d MiB", m, res.MaxRSS>>20, lo>>20, hi>>20)
			}
			if res.MemoryPeak != res.MaxRSS {
				t.Errorf("without a cgroup MemoryPeak %d, want MaxRSS %d", res.MemoryPeak, res.MaxRSS)
			}
			res = runStats(t, c.sb, "rss", "1")
			if res.MaxRSS != -1 || res.MemoryPeak != -1 {
				t.Errorf("1 MiB, below this process's %d MiB: MaxRSS %d, MemoryPeak %d; want -1", ru.Maxrss>>10, res.MaxRSS, res.MemoryPeak)
			}
		})
	}
}

// TestStatsOutput: the sandbox counts what it copies from Stdout and
// Stderr, exactly; a shared writer has one count; a stream it does not
// copy (nil: /dev/null) has none; past OutputLimit it counts what it
// drained, at least the limit.
func TestStatsOutput(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := statsSandbox(t)
	defer sb.Close()
	run := func(sb *Sandbox, stdout, stderr *bytes.Buffer, n, m int) *Result {
		t.Helper()
		cmd := exec.Command("/stats/stats", "out", strconv.Itoa(n), strconv.Itoa(m))
		if stdout != nil {
			cmd.Stdout = stdout
		}
		if stderr != nil {
			cmd.Stderr = stderr
		}
		res, err := sb.Run(cmd)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var o, e bytes.Buffer
	res := run(sb, &o, &e, 100000, 777)
	if res.Status != OK || res.StdoutBytes != 100000 || res.StderrBytes != 777 || o.Len() != 100000 || e.Len() != 777 {
		t.Errorf("separate writers: %+v (got %d and %d bytes)", res, o.Len(), e.Len())
	}
	o.Reset()
	res = run(sb, &o, &o, 100000, 777)
	if res.Status != OK || res.StdoutBytes != 100777 || res.StderrBytes != -1 {
		t.Errorf("one writer for both: StdoutBytes %d, StderrBytes %d; want 100777 and -1", res.StdoutBytes, res.StderrBytes)
	}
	res = run(sb, nil, nil, 100000, 777)
	if res.Status != OK || res.StdoutBytes != -1 || res.StderrBytes != -1 {
		t.Errorf("nil Stdout and Stderr: StdoutBytes %d, StderrBytes %d; want -1", res.StdoutBytes, res.StderrBytes)
	}
	o.Reset()
	res = run(sb.Clone().OutputLimit(1000), &o, nil, 100000, 0)
	if res.Status != OutputLimitExceeded || res.StdoutBytes < 1000 || res.StdoutBytes > 100000 || o.Len() != 1000 {
		t.Errorf("over OutputLimit(1000): %+v, delivered %d", res, o.Len())
	}
	// A regular file: spliced into it from the sandbox's pipe, counted.
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command("/stats/stats", "out", "3000000", "0")
	cmd.Stdout = f
	res, err = sb.Run(cmd)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != OK || res.StdoutBytes != 3000000 || st.Size() != 3000000 {
		t.Errorf("a regular file: %+v, the file has %d bytes; want OK and 3000000", res, st.Size())
	}
}

// TestStatsStopped: a run the sandbox stops (here at its wall time limit)
// still has init's report: init kills every other process of the run on
// StopSignal, reaps them and reports, with or without a PID namespace: the
// command's sleeps, counted on its stdout, are its voluntary switches (and
// the baseline's, under 20).
func TestStatsStopped(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	for _, c := range []struct {
		name      string
		sb        *Sandbox
		processes int64
	}{
		{"pid namespace", statsSandbox(t), 1},
		{"no pid namespace", statsSandbox(t).Namespaces(Mount, Net, IPC, UTS), -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			sb := c.sb.WallTimeLimit(300 * time.Millisecond).PidsLimit(16)
			defer sb.Close()
			// One byte per completed sleep: the stop lands when it lands
			// (a loaded machine delays it), and the count says how many
			// sleeps there were.
			var ticks bytes.Buffer
			cmd := exec.Command("/stats/stats", "ticks", "100000")
			cmd.Stdout = &ticks
			res, err := sb.Run(cmd)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d sleeps: %+v", ticks.Len(), res)
			if res.Status != WallTimeLimitExceeded {
				t.Fatalf("status %v, want WallTimeLimitExceeded", res.Status)
			}
			// As in TestStatsSwitches, with the sleep the stop cut short.
			n := int64(ticks.Len())
			if n < 50 { // else a double count (2n) could pass n+21
				t.Fatalf("only %d sleeps of 1 ms in %v: too few to tell a double count", n, res.WallTime)
			}
			if v := res.VoluntarySwitches; v < max(1, n*95/100) || v > n+21 {
				t.Errorf("VoluntarySwitches = %d, want %d…%d (%d sleeps)", v, max(1, n*95/100), n+21, n)
			}
			if res.ForcedSwitches < 0 || res.DiskReadBytes != 0 || res.DiskWriteBytes != 0 || res.MaxRSS != -1 {
				t.Errorf("ForcedSwitches %d, DiskReadBytes %d, DiskWriteBytes %d, MaxRSS %d; want a count, 0, 0, -1 (under the floor)",
					res.ForcedSwitches, res.DiskReadBytes, res.DiskWriteBytes, res.MaxRSS)
			}
			if res.Processes != c.processes || res.ProcessesPeak != 1 {
				t.Errorf("Processes %d, ProcessesPeak %d; want %d and 1", res.Processes, res.ProcessesPeak, c.processes)
			}
		})
	}
}

// TestStatsUnknown: a run whose init died before it could report (killed
// here by hand, as the host's OOM killer or an operator could) has no
// rusage: those statistics are -1, never 0; what the cgroup and the
// sandbox counted is still there.
func TestStatsUnknown(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	sb := statsSandbox(t).PidsLimit(16)
	defer sb.Close()
	var o bytes.Buffer
	cmd := exec.Command("/stats/stats", "sleeps", "100000")
	cmd.Stdout = &o
	p, err := sb.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	for name, v := range map[string]int64{"VoluntarySwitches": res.VoluntarySwitches, "ForcedSwitches": res.ForcedSwitches,
		"MaxRSS": res.MaxRSS, "DiskReadBytes": res.DiskReadBytes, "DiskWriteBytes": res.DiskWriteBytes,
		"Processes": res.Processes, "StderrBytes": res.StderrBytes} {
		if v != -1 {
			t.Errorf("%s = %d, want -1", name, v)
		}
	}
	if res.StdoutBytes != 0 || res.ProcessesPeak != 1 || res.MemoryPeak <= 0 {
		t.Errorf("StdoutBytes %d, ProcessesPeak %d, MemoryPeak %d; want 0, 1 and the cgroup's", res.StdoutBytes, res.ProcessesPeak, res.MemoryPeak)
	}
}

// TestStatsStoppedCPUTime: without a cgroup, a stopped run's CPU time is
// the rusage init reports, the command's included. The command uses 200 ms
// of CPU time, says so on stdout and waits; then the run is killed: its
// CPUTime is at least those 200 ms. (Init's own CPU time, which is all a
// killed init left, is a few ms.)
func TestStatsStoppedCPUTime(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := statsSandbox(t)
	defer sb.Close()
	const burn = 200 * time.Millisecond
	cmd := exec.Command("/stats/stats", "burn", strconv.Itoa(int(burn/time.Millisecond)))
	burnt := make(chan struct{})
	cmd.Stdout = writerFunc(func(b []byte) (int, error) {
		close(burnt)
		return len(b), nil
	})
	p, err := sb.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-burnt:
	case <-time.After(time.Minute):
		t.Error("the command did not use its CPU time in a minute")
	}
	p.Kill()
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Status != Killed || res.CPUTime < burn {
		t.Errorf("%v: CPUTime %v; want Killed and ≥ %v", res.Status, res.CPUTime, burn)
	}
}

// writerFunc is an io.Writer made of a function.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestStatsBigEmbedder: the command's process starts from the embedding
// process's memory, whose peak Linux counts in the command's ru_maxrss
// across execve. From an embedding process of 256 MiB more, a command of
// 1 MiB has no MaxRSS it can prove (-1), and so no MemoryPeak without a
// cgroup; with a cgroup, MemoryPeak is the cgroup's, the command's alone.
// Neither is ever the embedding process's 256 MiB. Each way the command
// starts: on the embedding process's memory (New) and on a copy of it
// (RunAs(0, 0) forks), and under the Landlock backend.
func TestStatsBigEmbedder(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	const big = 256 << 20
	ballast := make([]byte, big)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	defer runtime.KeepAlive(ballast)
	dir := statsProgram(t)
	cases := []struct {
		name string
		sb   *Sandbox
	}{{"shared", New()}, {"copied", New().RunAs(0, 0)}}
	if Landlock.Available() == nil {
		cases = append(cases, struct {
			name string
			sb   *Sandbox
		}{"landlock", New().Backend(Landlock)})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sb := c.sb.Bind(dir, dir)
			defer sb.Close()
			prog := filepath.Join(dir, "stats")
			res := runStatsAt(t, sb, prog, "rss", "1")
			if res.MaxRSS != -1 || res.MemoryPeak != -1 {
				t.Errorf("1 MiB from a %d MiB embedder, no cgroup: MaxRSS %d, MemoryPeak %d; want -1 and -1", big>>20, res.MaxRSS, res.MemoryPeak)
			}
			limited := sb.Clone().MemoryLimit(512 << 20)
			defer limited.Close()
			res = runStatsAt(t, limited, prog, "rss", "1")
			if res.MaxRSS != -1 || res.MemoryPeak <= 0 || res.MemoryPeak > 16<<20 {
				t.Errorf("1 MiB from a %d MiB embedder, a cgroup: MaxRSS %d, MemoryPeak %d; want -1 and the cgroup's, under 16 MiB", big>>20, res.MaxRSS, res.MemoryPeak)
			}
		})
	}
}

// TestLandlockStats: the statistics of the Landlock backend as root, which
// limits by a cgroup (the lockdown harness runs landlockStats by polling).
func TestLandlockStats(t *testing.T) {
	requireRoot(t)
	landlockStats(t)
}

// landlockStats: under the Landlock backend the statistics are evidence or
// -1 as under Native. It has no PID namespace: no Processes. Limits come
// from a cgroup where the caller may make one (root here: ProcessesPeak and
// MemoryPeak are the cgroup's), else from polling /proc (no ProcessesPeak;
// MemoryPeak is MaxRSS or the largest peak a poll saw, -1 when neither is
// known, as when no poll runs: PidsLimit alone).
func landlockStats(t *testing.T) {
	checkLeaks(t)
	dir := statsProgram(t)
	prog := filepath.Join(dir, "stats")
	sb := landlockBackend(t, false).Bind(dir, dir)
	defer sb.Close()
	cgroups := os.Geteuid() == 0
	const n, k = 100, 5
	res := runStatsAt(t, sb, prog, "sleeps", strconv.Itoa(n))
	if v := res.VoluntarySwitches; v < n*95/100 || v > n+20 {
		t.Errorf("%d sleeps: %d voluntary switches, want %d…%d (see TestStatsSwitches)", n, v, n*95/100, n+20)
	}
	if res.ForcedSwitches < 0 || res.DiskReadBytes < 0 || res.DiskWriteBytes < 0 || res.Processes != -1 || res.ProcessesPeak != -1 {
		t.Errorf("sleeps: %+v; want counts, Processes and ProcessesPeak -1", res)
	}
	res = runStatsAt(t, sb.Clone().PidsLimit(16), prog, "forks", strconv.Itoa(3*k), strconv.Itoa(k))
	wantPeak, wantMem := int64(-1), int64(-1)
	if cgroups {
		wantPeak = k + 1
	}
	if res.Processes != -1 || res.ProcessesPeak != wantPeak {
		t.Errorf("%d forks: Processes %d, ProcessesPeak %d; want -1 and %d", k, res.Processes, res.ProcessesPeak, wantPeak)
	}
	if cgroups && res.MemoryPeak <= 0 || !cgroups && res.MemoryPeak != wantMem {
		t.Errorf("%d forks, cgroup %v: MemoryPeak %d; want the cgroup's, or -1 (MaxRSS %d, no poll)", k, cgroups, res.MemoryPeak, res.MaxRSS)
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	m := ru.Maxrss>>10 + 64 // MiB, above this process's peak (see TestStatsMaxRSS)
	res = runStatsAt(t, sb.Clone().MemoryLimit(1<<30), prog, "rss", strconv.FormatInt(m, 10))
	if lo, hi := m<<20, m<<20+2<<20; res.MaxRSS < lo || res.MaxRSS > hi || res.MemoryPeak < lo || res.MemoryPeak > hi+2<<20 {
		t.Errorf("touched %d MiB: MaxRSS %d, MemoryPeak %d; want %d…%d MiB", m, res.MaxRSS, res.MemoryPeak, lo>>20, hi>>20)
	}
}
