package sandbox

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

// The isolation cases of the Landlock backend, run twice: as root here
// (the command runs as 65534, limits by cgroup) and inside the lockdown
// harness (lockdown_linux_test.go: the embedding process unprivileged,
// under a Docker-like seccomp filter, limits by polling).

// requireLandlock stops a test on a kernel without the Landlock the test
// is about, with the proof (Landlock.Available's answer): every layer
// (ABI 6) when full, else any Landlock, which the test then runs with
// LandlockBestEffort. Any other reason the backend cannot run fails it.
func requireLandlock(t testing.TB, full bool) {
	t.Helper()
	err := Landlock.Available()
	var le *LandlockABIError
	switch {
	case err == nil:
	case errors.As(err, &le) && le.Have >= 1 && !full:
	case errors.As(err, &le) && le.Have >= 1:
		testutil.SkipProved(t, "Landlock ABI 6", err.Error())
	case errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EOPNOTSUPP):
		testutil.SkipProved(t, "Landlock", err.Error())
	default:
		t.Fatal(err)
	}
}

// landlockBackend is New().Backend(Landlock), with LandlockBestEffort
// for a test whose subject does not depend on Landlock's layers (limits,
// the end of the run), so that it runs on older kernels too.
func landlockBackend(t testing.TB, full bool) *Sandbox {
	requireLandlock(t, full)
	sb := New().Backend(Landlock)
	if !full {
		sb.LandlockBestEffort()
	}
	return sb
}

// landlockProbe returns landlockBackend with the probe program's directory
// bound in place, and the program's path.
func landlockProbe(t *testing.T, full bool) (*Sandbox, string) {
	dir := probe(t)
	return landlockBackend(t, full).Bind(dir, dir), filepath.Join(dir, "probe")
}

// landlockFiles: host files outside the allowed set are unreadable and
// unwritable although their modes would let the command's uid in; Bind
// sources are readable, BindWritable ones writable; TMPDIR is private to
// the run and removed after it.
func landlockFiles(t *testing.T) {
	checkLeaks(t)
	host := openTempDir(t, 0o1777)
	marker := filepath.Join(host, "secret")
	if err := os.WriteFile(marker, []byte("secret"), 0o666); err != nil {
		t.Fatal(err)
	}
	ro, rw := openTempDir(t, 0o755), openTempDir(t, 0o777)
	os.WriteFile(filepath.Join(ro, "data"), []byte("hello"), 0o644)
	sb, p := landlockProbe(t, true)
	sb.Bind(ro, ro).BindWritable(rw, rw)
	mustFail := func(what string, argv ...string) {
		t.Helper()
		res, out := run(t, sb, argv...)
		if res.Status == OK {
			t.Errorf("%s: succeeded: %s", what, out)
		} else if !strings.Contains(strings.ToLower(out), "permission denied") && !strings.Contains(out, "not permitted") {
			t.Errorf("%s: %v, not refused: %s", what, res.Status, out)
		}
	}
	mustFail("read a host file", p, "cat", marker)
	mustFail("write a host file", p, "write", marker)
	mustFail("create a file in a host directory", p, "write", filepath.Join(host, "new"))
	mustFail("remove a host file", "rm", "-f", marker)
	mustFail("list /", p, "ls", "/")
	mustFail("read /etc/hostname", p, "cat", "/etc/hostname")
	mustFail("write to a Bind source", p, "write", filepath.Join(ro, "new"))
	if b, err := os.ReadFile(marker); err != nil || string(b) != "secret" {
		t.Errorf("host file changed: %q %v", b, err)
	}
	if res, out := run(t, sb, p, "cat", filepath.Join(ro, "data")); res.Status != OK || out != "hello" {
		t.Errorf("read a Bind source: %v %q", res.Status, out)
	}
	if res, out := run(t, sb, p, "write", filepath.Join(rw, "new")); res.Status != OK {
		t.Errorf("write to a BindWritable source: %v %s", res.Status, out)
	} else if _, err := os.Stat(filepath.Join(rw, "new")); err != nil {
		t.Errorf("written file not on the host: %v", err)
	}
	// TMPDIR: writable, the run's own (mode 0700), gone after the run,
	// and closed to a concurrent run.
	script := `echo $TMPDIR > ` + rw + `/tmpdir; stat -c %a $TMPDIR; echo x > $TMPDIR/f && cat $TMPDIR/f; echo y > /dev/null && sleep 1`
	done := make(chan struct{})
	var res *Result
	var out string
	go func() {
		defer close(done)
		res, out, _ = runErr(context.Background(), sb, "sh", "-c", script)
	}()
	var tmp string
	for deadline := time.Now().Add(5 * time.Second); tmp == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(rw, "tmpdir"))
		tmp = strings.TrimSpace(string(b))
	}
	if tmp == "" {
		t.Fatal("the run did not say its TMPDIR")
	}
	mustFail("read another run's TMPDIR", p, "ls", tmp)
	<-done
	if res == nil || res.Status != OK || out != "700\nx\n" {
		t.Errorf("TMPDIR: %+v %q", res, out)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("TMPDIR %s left after the run: %v", tmp, err)
	}
}

// landlockNetwork: no TCP or UDP, no unix socket; unix socket pairs work.
func landlockNetwork(t *testing.T) {
	checkLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sb, p := landlockProbe(t, true)
	for _, argv := range [][]string{
		{p, "connect", ln.Addr().String()},
		{p, "listen-lo"},
		{"python3", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(('1.1.1.1', 53))"},
		{"python3", "-c", "import socket; socket.socket(socket.AF_UNIX)"},
	} {
		res, out := run(t, sb, argv...)
		if res.Status == OK || !strings.Contains(strings.ToLower(out), "not permitted") {
			t.Errorf("%q: %v: %s", argv, res.Status, out)
		}
	}
	res, out := run(t, sb, "python3", "-c", "import socket; a, b = socket.socketpair(); a.send(b'pair'); print(b.recv(4).decode())")
	if res.Status != OK || out != "pair\n" {
		t.Errorf("socketpair: %v %q", res.Status, out)
	}
}

// hostProcess starts a host process under the command's uid, so that only
// the sandbox keeps the command from it, with a secret in its environment.
func hostProcess(t *testing.T) *exec.Cmd {
	cmd := exec.Command("sleep", "60")
	cmd.Env = []string{"SANDBOX_SECRET=landlock"}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: DefaultUID, Gid: DefaultGID}}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// landlockProcesses: a host process of the command's own uid cannot be
// signalled, nor its environment read; its command line can (documented).
func landlockProcesses(t *testing.T) {
	checkLeaks(t)
	host := hostProcess(t)
	pid := strconv.Itoa(host.Process.Pid)
	sb := landlockBackend(t, true)
	for _, script := range []string{"kill -0 " + pid, "kill -9 " + pid, "cat /proc/" + pid + "/environ"} {
		res, out := run(t, sb, "sh", "-c", script)
		if res.Status == OK || !(strings.Contains(out, "not permitted") || strings.Contains(out, "ermission denied")) {
			t.Errorf("%q: %v: %s", script, res.Status, out)
		}
	}
	if err := host.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the host process died: %v", err)
	}
	res, out := run(t, sb, "sh", "-c", "tr '\\0' ' ' < /proc/"+pid+"/cmdline")
	if res.Status != OK || out != "sleep 60 " {
		t.Errorf("a host process's command line, which the docs say a command can read: %v %q", res.Status, out)
	}
}

// landlockLimits: every limit ends its run with the Status its evidence
// shows; a fork bomb under PidsLimit ends and leaves nothing.
func landlockLimits(t *testing.T) {
	checkLeaks(t)
	checkCgroups(t)
	sb, p := landlockProbe(t, false)
	const limit = 64 << 20
	res, out := run(t, sb.Clone().MemoryLimit(limit), p, "alloc", "200")
	if res.Status != MemoryLimitExceeded || res.MemoryPeak < limit*85/100 || res.MemoryPeak > 2*limit {
		t.Errorf("memory hog: %+v, want MemoryLimitExceeded, peak near %d MiB\n%s", res, limit>>20, out)
	}
	res, out = run(t, sb.Clone().MemoryLimit(256<<20), p, "alloc", "100")
	if res.Status != OK || res.MemoryPeak < 90<<20 {
		t.Errorf("100 MiB under 256 MiB: %+v\n%s", res, out)
	}
	// The embedding process's memory is not the run's, though the command
	// starts as a copy of it (whose peak execve records in ru_maxrss).
	ballast := make([]byte, 2*limit)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	res, out = run(t, sb.Clone().MemoryLimit(limit), p, "sleep", "100ms")
	if res.Status != OK || res.MemoryPeak >= limit {
		t.Errorf("a small run from a big embedding process: %+v, want OK and a small peak\n%s", res, out)
	}
	runtime.KeepAlive(ballast)
	res, out = run(t, sb.Clone().CPUTimeLimit(time.Second).WallTimeLimit(20*time.Second), p, "spin", "30s")
	if res.Status != CPUTimeLimitExceeded || res.CPUTime < 900*time.Millisecond || res.CPUTime > 1500*time.Millisecond {
		t.Errorf("spin: %+v, want CPUTimeLimitExceeded at about 1s\n%s", res, out)
	}
	// Every process is charged, those that ended before the command too:
	// an orphan's spin, which the shell waits for by reading the pipe the
	// orphan holds until it is done (a sleep instead lost the race on a
	// loaded machine, and the run's end killed the orphan early).
	res, out = run(t, sb.Clone().CPUTimeLimit(20*time.Second), "sh", "-c",
		"{ ("+p+" spin-threads 1 400ms; echo) & } | { "+p+" spin-threads 1 400ms; read x; }")
	if res.Status != OK || res.CPUTime < 800*time.Millisecond {
		t.Errorf("two processes of 0.4s: %+v, want ≥ 0.8s\n%s", res, out)
	}
	res, out = run(t, sb.Clone().WallTimeLimit(300*time.Millisecond), p, "sleep", "10s")
	if res.Status != WallTimeLimitExceeded {
		t.Errorf("sleep: %+v, want WallTimeLimitExceeded\n%s", res, out)
	}
	res, _ = run(t, sb.Clone().OutputLimit(1<<20), p, "flood", "-")
	if res.Status != OutputLimitExceeded {
		t.Errorf("flood: %+v, want OutputLimitExceeded", res)
	}
	marker := "1000." + strconv.Itoa(os.Getpid()) + "7"
	res, out = run(t, landlockBackend(t, false).PidsLimit(32).WallTimeLimit(2*time.Second),
		"sh", "-c", "b() { b | b & }; b; sleep "+marker)
	if res.Status == OK {
		t.Errorf("fork bomb exited OK: %+v %s", res, out)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("fork bomb survived: %v", pids)
	}
}

// landlockEndsWhole: a tree that left the command's process group and
// session dies with the run, when the command ends and when it is killed.
func landlockEndsWhole(t *testing.T) {
	checkLeaks(t)
	marker := "1000." + strconv.Itoa(os.Getpid()) + "9"
	sb := landlockBackend(t, false)
	tree := "(setsid sleep " + marker + " &); (sleep " + marker + " &); sleep " + marker + " & "
	if res, out := run(t, sb, "sh", "-c", tree+"sleep 0.2"); res.Status != OK {
		t.Fatalf("%+v %s", res, out)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("processes outlived the command: %v", pids)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, _, err := runErr(ctx, sb, "sh", "-c", tree+"sleep "+marker)
	if err == nil || res.Status != Killed {
		t.Errorf("canceled run: %+v, %v", res, err)
	}
	if pids := processesWith(marker); len(pids) > 0 {
		t.Errorf("processes outlived the canceled run: %v", pids)
	}
	landlockEmbedderKilled(t)
}

const landlockCrasherEnv = "SANDBOX_TEST_LANDLOCK_CRASHER"

// landlockCrasherMain starts Landlock runs of trees that leave their
// command's session, says so, and waits to be killed.
func landlockCrasherMain(marker string) int {
	sb := New().Backend(Landlock).LandlockBestEffort()
	for i := 0; i < 3; i++ {
		if _, err := sb.Start(exec.Command("sh", "-c", "(setsid sleep "+marker+" &); sleep "+marker+" & sleep "+marker)); err != nil {
			println("start:", err.Error())
			return 1
		}
	}
	println("ready")
	time.Sleep(time.Hour)
	return 0
}

// landlockEmbedderKilled: when the embedding process dies by SIGKILL, every
// process of its Landlock runs dies too.
func landlockEmbedderKilled(t *testing.T) {
	marker := "1000." + strconv.Itoa(os.Getpid()) + "5"
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), landlockCrasherEnv+"="+marker)
	startEmbedder(t, cmd)
	if n := awaitProcesses(marker, 9, 3*time.Second); n < 9 {
		t.Errorf("only %d sandboxed processes before the kill", n)
	}
	killEmbedder(t, cmd, marker, 3*time.Second)
}

// landlockSuite is what the Landlock backend must do: TestLandlock runs it
// as root, TestLockdown again without privileges.
var landlockSuite = []struct {
	name string
	test func(*testing.T)
}{
	{"Files", landlockFiles},
	{"Network", landlockNetwork},
	{"Processes", landlockProcesses},
	{"Limits", landlockLimits},
	{"EndsWhole", landlockEndsWhole},
}

func TestLandlock(t *testing.T) {
	requireRoot(t)
	for _, s := range landlockSuite {
		t.Run(s.name, s.test)
	}
}

// TestLandlockUntrustedSymlink: a Bind source through a symbolic link that
// neither root nor the caller owns (one a sandboxed command could have
// planted) is refused as with Native, naming the link; the rule never
// names what such a link points to.
func TestLandlockUntrustedSymlink(t *testing.T) {
	requireRoot(t)
	requireLandlock(t, false)
	checkLeaks(t)
	dir := openTempDir(t, 0o755)
	link := filepath.Join(dir, "data")
	if err := os.Symlink("/etc", link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, DefaultUID, DefaultGID); err != nil {
		t.Fatal(err)
	}
	_, err := New().Backend(Landlock).LandlockBestEffort().Bind(link, link).Run(exec.Command("true"))
	var se *SetupError
	if !errors.Is(err, ErrUntrustedSymlink) || !errors.As(err, &se) || se.Path != link {
		t.Errorf("Bind through a link of uid %d: %v, want a *SetupError naming it, wrapping ErrUntrustedSymlink", DefaultUID, err)
	}
}
