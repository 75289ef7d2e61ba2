package sandbox

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testRange returns a range of n uids for this test process alone (clear
// of other test processes), whose lock files are removed after the test.
func testRange(t testing.TB, base, n int) int {
	first := base + os.Getpid()%1000*16
	t.Cleanup(func() {
		for uid := first; uid < first+n; uid++ {
			os.Remove(filepath.Join(uidLockDir, strconv.Itoa(uid)))
		}
	})
	return first
}

// readyWriter collects output and closes ready at the first "ready" line.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func newReadyWriter() *readyWriter { return &readyWriter{ready: make(chan struct{})} }

func (w *readyWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if strings.Contains(w.buf.String(), "ready") {
		w.once.Do(func() { close(w.ready) })
	}
	return len(b), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startReady starts argv in sb and waits for it to say "ready".
func startReady(t *testing.T, sb *Sandbox, argv ...string) (*Process, *readyWriter) {
	t.Helper()
	w := newReadyWriter()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = w, w
	p, err := sb.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.ready:
	case <-time.After(30 * time.Second):
		p.Kill()
		p.Wait()
		t.Fatalf("%q never got ready: %s", argv, w.String())
	}
	return p, w
}

// TestPerRunBudgets (issue 10, item 7): a run that spends its uid's
// per-user kernel budgets, every inotify instance or the whole
// RLIMIT_SIGPENDING queue, leaves a concurrent run its own.
func TestPerRunBudgets(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sb := probeSandbox(t)
	defer sb.Close()
	for _, c := range []struct{ hog, use string }{{"inotify-hog", "inotify"}, {"sigqueue-hog", "sigqueue"}} {
		t.Run(c.use, func(t *testing.T) {
			hog, hw := startReady(t, sb, "/probe/probe", c.hog)
			defer func() {
				hog.Kill()
				hog.Wait()
			}()
			t.Logf("hog: %s", strings.TrimSpace(hw.String()))
			res, out := run(t, sb, "/probe/probe", c.use)
			if res.Status != OK {
				t.Errorf("a concurrent run: %v: %s", res.Status, out)
			}
		})
	}
}

// uidOf runs "probe uid" in sb and returns what it printed.
func uidOf(t *testing.T, sb *Sandbox) string {
	t.Helper()
	res, out := run(t, sb, "/probe/probe", "uid")
	if res.Status != OK {
		t.Fatalf("%v: %s", res.Status, out)
	}
	return strings.TrimSpace(out)
}

// TestUIDsPerRun: concurrent runs have distinct uids (and gids) from the
// range, the lowest free first; RunAs wins; a run of a user namespace sees
// 65534, which is a uid of the range on the host.
func TestUIDsPerRun(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	first := testRange(t, 2_100_000_000, 16)
	sb := probeSandbox(t).UIDRange(first, 16)
	defer sb.Close()
	p, _ := startReady(t, sb, "sh", "-c", "echo ready; exec sleep 60")
	second := uidOf(t, sb)
	ids := strings.Fields(second)
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("uid and gid %q", second)
	}
	uid, _ := strconv.Atoi(ids[0])
	if uid <= first || uid >= first+16 {
		t.Errorf("second run's uid %d, want one of %d+1…%d", uid, first, first+15)
	}
	if got := hostUIDOfCommand(t, p); got != first {
		t.Errorf("first run's uid %d, want %d", got, first)
	}
	p.Kill()
	p.Wait()
	if got := uidOf(t, sb); got != strconv.Itoa(first)+" "+strconv.Itoa(first) {
		t.Errorf("after the first run ended: %q, want its uid again", got)
	}
	if got := uidOf(t, probeSandbox(t).UIDRange(first, 16).RunAs(1234, 4321)); got != "1234 4321" {
		t.Errorf("RunAs: %q", got)
	}
	// A user namespace (as root): 65534 inside, a uid of the range outside.
	userns := probeSandbox(t).UIDRange(first, 16).Namespaces(PID, Net, Mount, IPC, UTS, User)
	p, _ = startReady(t, userns, "sh", "-c", "id -u; echo ready; exec sleep 60")
	if got := hostUIDOfCommand(t, p); got != first {
		t.Errorf("user namespace: host uid %d, want %d", got, first)
	}
	p.Kill()
	p.Wait()
}

// TestRootPlanSharedAcrossUIDs: runs of different uids share one planned
// root filesystem (the uid reaches /etc/passwd through registers), and each
// finds its own uid in it.
func TestRootPlanSharedAcrossUIDs(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	first := testRange(t, 2_100_400_000, 16)
	sb := New().UIDRange(first, 16)
	defer sb.Close()
	p, _ := startReady(t, sb, "sh", "-c", "echo ready; exec sleep 60")
	defer func() {
		p.Kill()
		p.Wait()
	}()
	plan := sb.cfg.roots.shared
	res, out := run(t, sb, "sh", "-c", "id -u; grep ^sandbox: /etc/passwd")
	want := strconv.Itoa(first+1) + "\nsandbox:x:" + strconv.Itoa(first+1) + ":" + strconv.Itoa(first+1) + ":"
	if res.Status != OK || !strings.HasPrefix(out, want) {
		t.Errorf("second run: %v %q, want %q…", res.Status, out, want)
	}
	if sb.cfg.roots.shared != plan || plan == nil {
		t.Errorf("the second uid planned the root again")
	}
}

// hostUIDOfCommand returns the host uid of the command of a started run
// (the child of its init).
func hostUIDOfCommand(t *testing.T, p *Process) int {
	t.Helper()
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/task/" + strconv.Itoa(p.Pid()) + "/children")
	kids := strings.Fields(string(b))
	if len(kids) != 1 {
		t.Fatalf("init's children: %q", b)
	}
	status, _ := os.ReadFile("/proc/" + kids[0] + "/status")
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "Uid:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("no Uid line: %s", status)
	return -1
}

// TestUIDRangeExhausted: with every uid of the range held, by this
// process's runs or by another process's lock, a run fails at once with
// ErrUIDRangeExhausted; a uid given back serves the next run.
func TestUIDRangeExhausted(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	first := testRange(t, 2_100_100_000, 2)
	sb := probeSandbox(t).UIDRange(first, 2)
	defer sb.Close()
	// Another process holds first: the test takes its lock file as one.
	if _, err := sb.Run(exec.Command("true")); err != nil { // makes the lock directory
		t.Fatal(err)
	}
	other, err := lockUID(first)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	p, _ := startReady(t, sb, "sh", "-c", "echo ready; exec sleep 60")
	if got := hostUIDOfCommand(t, p); got != first+1 {
		t.Errorf("uid %d, want %d (the one nobody holds)", got, first+1)
	}
	start := time.Now()
	_, err = sb.Run(exec.Command("true"))
	var se *SetupError
	if !errors.Is(err, ErrUIDRangeExhausted) || !errors.As(err, &se) || se.Stage != "uid" {
		t.Errorf("with the range taken: %v, want a SetupError wrapping ErrUIDRangeExhausted", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the refusal took %v", d)
	}
	p.Kill()
	p.Wait()
	if got := uidOf(t, sb); got != strconv.Itoa(first+1)+" "+strconv.Itoa(first+1) {
		t.Errorf("after the run ended: %q", got)
	}
	other.Close()
	if got := uidOf(t, sb); got != strconv.Itoa(first)+" "+strconv.Itoa(first) {
		t.Errorf("after the other process let go: %q", got)
	}
}

// TestUIDLeftoversKilled: without a PID namespace a process can leave the
// command's process group; the run's uid is given back only once every
// process that has it is gone: init, the subreaper of everything the run
// started, kills it at the end of the run.
func TestUIDLeftoversKilled(t *testing.T) {
	requireRoot(t)
	marker := "sandbox-uid-leftover-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() {
		for _, pid := range processesWith(marker) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	sb := New().Namespaces(Mount, Net, IPC, UTS)
	defer sb.Close()
	res, out := run(t, sb, "sh", "-c", "mkfifo /tmp/f; setsid sh -c 'echo >/tmp/f; sleep 60; : "+marker+"' >/dev/null 2>&1 & read x </tmp/f")
	if res.Status != OK {
		t.Fatalf("%v: %s", res.Status, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(processesWith(marker)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("left behind: %v", processesWith(marker))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUIDRangeChecks: the checks a range passes before its first use.
func TestUIDRangeChecks(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	os.WriteFile(passwd, []byte("root:x:0:0::/root:/bin/sh\nbox:x:2000000005:2000000005::/:/bin/sh\n"), 0o644)
	if err := noAccountIn(passwd, DefaultUIDFirst, DefaultUIDCount); err == nil || !strings.Contains(err.Error(), "box") {
		t.Errorf("an account in the range: %v", err)
	}
	if err := noAccountIn(passwd, 100, 10); err != nil {
		t.Errorf("no account in the range: %v", err)
	}
	// A line longer than bufio.Scanner's 64 KiB token does not hide the
	// entries after it; nor does a CRLF line end.
	long := filepath.Join(dir, "group")
	os.WriteFile(long, []byte("big:x:10:"+strings.Repeat("u,", 40<<10)+"u\nbox:x:2000000007:\r\n"), 0o644)
	if err := noAccountIn(long, DefaultUIDFirst, DefaultUIDCount); err == nil || !strings.Contains(err.Error(), "id 2000000007 (box)") {
		t.Errorf("an account after a long line: %v", err)
	}
	if err := noAccountIn(filepath.Join(dir, "absent"), DefaultUIDFirst, DefaultUIDCount); err != nil {
		t.Errorf("a missing database: %v", err)
	}
	uidMap := filepath.Join(dir, "uid_map")
	os.WriteFile(uidMap, []byte("         0     100000      65536\n"), 0o644)
	if err := inIDMap(uidMap, DefaultUIDFirst, DefaultUIDCount); err == nil {
		t.Errorf("an unmapped range passes")
	}
	if err := inIDMap(uidMap, 50000, 1000); err != nil {
		t.Errorf("a mapped range: %v", err)
	}
}

// BenchmarkUIDLease: what a run pays for its own uid (lock file open,
// flock, close), beside BenchmarkRun.
func BenchmarkUIDLease(b *testing.B) {
	requireRoot(b)
	pool := newUIDPool(testRange(b, 2_100_200_000, 16), 16, true)
	for b.Loop() {
		l, err := pool.acquire()
		if err != nil {
			b.Fatal(err)
		}
		pool.release(l)
	}
}

// BenchmarkUIDRangeCheck: the checks a range passes once per process
// (lock directory, id maps, account databases), which a one-shot like
// sbx pays at every invocation.
func BenchmarkUIDRangeCheck(b *testing.B) {
	requireRoot(b)
	pool := newUIDPool(DefaultUIDFirst, DefaultUIDCount, false)
	for b.Loop() {
		if err := pool.usable(); err != nil {
			b.Fatal(err)
		}
	}
}
