package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// TestMain lets the test binary re-execute itself as a victim program.
func TestMain(m *testing.M) {
	if h := os.Getenv("CGROUP_TEST_HELPER"); h != "" {
		helper(h)
		return
	}
	os.Exit(m.Run())
}

// helper waits for a line on stdin (the parent's "you are in the group"),
// then misbehaves.
func helper(what string) {
	bufio.NewReader(os.Stdin).ReadString('\n')
	switch {
	case strings.HasPrefix(what, "hog:"):
		mib, _ := strconv.Atoi(what[4:])
		b := make([]byte, mib<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		os.Exit(0)
	case what == "rootless":
		_, err := NewManager("")
		fmt.Println(err)
		if errors.Is(err, ErrCgroupUnavailable) {
			os.Exit(0)
		}
		os.Exit(4)
	case what == "busy":
		for {
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= time.Second {
				os.Exit(0)
			}
		}
	}
	os.Exit(3)
}

func requireRoot(t testing.TB) { testutil.RequireRoot(t) }

// realManager returns a Manager on the real host. On v1 it uses the default
// parent (our own groups); on v2, where our own group holds processes, it
// makes an empty sibling group with the controllers enabled, as a delegated
// CgroupParent would be.
func realManager(t testing.TB) *Manager {
	t.Helper()
	requireRoot(t)
	parent := ""
	switch DetectMode() {
	case Unavailable:
		t.Fatal("no cgroups on this Linux host")
	case Unified:
		own := must(parseProcCgroup(must(os.ReadFile("/proc/self/cgroup"))))[""]
		dir := filepath.Join("/sys/fs/cgroup", filepath.Dir(own), fmt.Sprintf("sandbox-test-%d", os.Getpid()))
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(dir) })
		parent = dir
	}
	m, err := NewManager(parent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, dir := range m.parents {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), m.prefix) {
					t.Errorf("leaked group %s", filepath.Join(dir, e.Name()))
				}
			}
		}
	})
	return m
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// startIn starts cmd gated on stdin, moves it into g (writing its pid to
// every cgroup.procs file, as the kernel takes it) and lets it go.
func startIn(t testing.TB, g Group, cmd *exec.Cmd) {
	t.Helper()
	w := must(cmd.StdinPipe())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for _, f := range g.ProcsFiles() {
		if err := writeFile(f, strconv.Itoa(cmd.Process.Pid)); err != nil {
			t.Fatal(err)
		}
	}
	io.WriteString(w, "go\n")
}

// pidsMaxHit is how many forks g's pids limit refused (pids.events max).
func pidsMaxHit(g Group) (uint64, error) {
	dir := g.Path()
	if v1, ok := g.(*v1Group); ok {
		dir = v1.ctrl["pids"]
	}
	return readKey(filepath.Join(dir, "pids.events"), "max")
}

func helperCmd(what string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "CGROUP_TEST_HELPER="+what)
	return cmd
}

func newGroup(t testing.TB, m *Manager, l Limits) Group {
	t.Helper()
	g, err := m.New(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Delete(); err != nil {
			t.Error(err)
		}
	})
	return g
}

func groupDirs(m *Manager, g Group) []string {
	switch g := g.(type) {
	case *v1Group:
		return g.dirs
	case *v2Group:
		return []string{g.dir}
	}
	return nil
}

func TestRealLifecycle(t *testing.T) {
	m := realManager(t)
	g := newGroup(t, m, Limits{Memory: 64 << 20, Pids: 16, CPUQuota: 0.5})
	if v1, ok := g.(*v1Group); ok {
		checkFile(t, filepath.Join(v1.ctrl["memory"], "memory.limit_in_bytes"), strconv.Itoa(64<<20))
		checkFile(t, filepath.Join(v1.ctrl["cpu"], "cpu.cfs_quota_us"), "50000")
		checkFile(t, filepath.Join(v1.ctrl["pids"], "pids.max"), "16")
		if m.memsw {
			checkFile(t, filepath.Join(v1.ctrl["memory"], "memory.memsw.limit_in_bytes"), strconv.Itoa(64<<20))
		}
	} else {
		checkFile(t, filepath.Join(g.Path(), "memory.max"), strconv.Itoa(64<<20))
		checkFile(t, filepath.Join(g.Path(), "cpu.max"), "50000 100000")
		checkFile(t, filepath.Join(g.Path(), "pids.max"), "16")
	}
	cmd := exec.Command("sleep", "10")
	startIn(t, g, cmd)
	if _, err := g.Stats(); err != nil {
		t.Fatal(err)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("sleep ended with %v, want SIGKILL", err)
	}
	dirs := groupDirs(m, g)
	if err := g.Delete(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after Delete: %v", d, err)
		}
	}
	if err := g.Delete(); err != nil {
		t.Errorf("second Delete: %v", err)
	}
}

func checkFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

func TestRealOOM(t *testing.T) {
	m := realManager(t)
	const limit = 64 << 20
	g := newGroup(t, m, Limits{Memory: limit})
	cmd := helperCmd("hog:200")
	startIn(t, g, cmd)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("hog ended with %v, want SIGKILL", err)
	}
	s, err := g.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", s)
	if s.OOMKills < 1 {
		t.Errorf("OOMKills = %d, want ≥ 1", s.OOMKills)
	}
	if s.MemoryPeak < limit*85/100 || s.MemoryPeak > limit+limit/100 {
		t.Errorf("MemoryPeak = %d, want about %d", s.MemoryPeak, limit)
	}
}

func TestRealPids(t *testing.T) {
	m := realManager(t)
	g := newGroup(t, m, Limits{Pids: 8})
	cmd := exec.Command("sh", "-c", `read x; b() { b & b & sleep 30; }; b`)
	startIn(t, g, cmd)
	if _, err := poll(time.Now().Add(5*time.Second), func() (bool, error) {
		n, err := pidsMaxHit(g)
		return n >= 1, err
	}); err != nil {
		t.Fatal(err)
	}
	if n, _ := pidsMaxHit(g); n < 1 {
		t.Fatalf("pids.events max = %d, want ≥ 1", n)
	}
	// The limit was reached, so the peak is the limit exactly.
	if s, err := g.Stats(); err != nil || s.PidsPeak != 8 {
		t.Errorf("PidsPeak = %d (%v), want 8", s.PidsPeak, err)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := g.Delete(); err != nil {
		t.Fatal(err)
	}
}

func TestRealCPUUsage(t *testing.T) {
	m := realManager(t)
	g := newGroup(t, m, Limits{})
	cmd := helperCmd("busy")
	startIn(t, g, cmd)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	u, err := g.CPUUsage()
	if err != nil {
		t.Fatal(err)
	}
	if u < 900*time.Millisecond || u > 1500*time.Millisecond {
		t.Errorf("CPUUsage = %v, want about 1s", u)
	}
}

func TestRealSweep(t *testing.T) {
	m := realManager(t)
	// Our own pid with a wrong start time: a previous incarnation of this
	// process, e.g. pid 1 of a restarted container.
	name := fmt.Sprintf("sandbox-%d-1-1", os.Getpid())
	var g Group = m.v1Group(name)
	if m.v2 {
		g = m.v2Group(name)
	}
	for _, d := range groupDirs(m, g) {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sleep", "30")
	startIn(t, g, cmd)
	live := newGroup(t, m, Limits{})
	if err := m.Sweep(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Error("process of the stale group survived")
	}
	for _, d := range groupDirs(m, g) {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale %s not swept: %v", d, err)
		}
	}
	for _, d := range groupDirs(m, live) {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("live group swept: %v", err)
		}
	}
}

func TestRealRootless(t *testing.T) {
	requireRoot(t)
	dir := must(os.MkdirTemp("", "cgroup-rootless-")) // t.TempDir's parent is 0700
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(0, os.Chmod(dir, 0o755))
	exe := filepath.Join(dir, "cgroup.test")
	must(0, os.WriteFile(exe, must(os.ReadFile("/proc/self/exe")), 0o755))
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "CGROUP_TEST_HELPER=rootless")
	cmd.Stdin = strings.NewReader("go\n")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	t.Logf("as nobody: %s", out)
	if err != nil {
		t.Fatalf("NewManager as nobody: want ErrCgroupUnavailable, got %v: %s", err, out)
	}
}

func TestRealBadParent(t *testing.T) {
	requireRoot(t)
	_, err := NewManager("/no/such/sandbox-parent")
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no/such/sandbox-parent") {
		t.Fatalf("NewManager(missing) = %v, want *Error naming it", err)
	}
	if err := checkMagic(t.TempDir(), cgroupMagic); !errors.Is(err, ErrNotCgroup) {
		t.Errorf("checkMagic(tmpdir) = %v, want ErrNotCgroup", err)
	}
}

func BenchmarkNewDelete(b *testing.B) {
	m := realManager(b)
	for b.Loop() {
		g, err := m.New(Limits{Memory: 64 << 20, Pids: 32, CPUQuota: 1})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawMkdirRmdir is the kernel's own share of BenchmarkNewDelete:
// mkdir and rmdir of one group in every hierarchy, nothing else.
func BenchmarkRawMkdirRmdir(b *testing.B) {
	m := realManager(b)
	g := m.v1Group("sandbox-bench-raw")
	dirs := groupDirs(m, g)
	if m.v2 {
		dirs = groupDirs(m, m.v2Group("sandbox-bench-raw"))
	}
	for b.Loop() {
		for _, d := range dirs {
			if err := syscall.Mkdir(d, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		for _, d := range dirs {
			if err := syscall.Rmdir(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkNewDeleteNoLimits is BenchmarkNewDelete without limit writes.
func BenchmarkNewDeleteNoLimits(b *testing.B) {
	m := realManager(b)
	for b.Loop() {
		g, err := m.New(Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCPUUsage(b *testing.B) {
	m := realManager(b)
	g := newGroup(b, m, Limits{})
	for b.Loop() {
		if _, err := g.CPUUsage(); err != nil {
			b.Fatal(err)
		}
	}
}
