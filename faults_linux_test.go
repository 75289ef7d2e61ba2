package sandbox

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestHostileEndings: programs that misbehave in the ways that break naive
// supervisors end with the right Status and leave nothing behind.
func TestHostileEndings(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	checkCgroups(t)
	tests := []struct {
		name   string
		sb     *Sandbox
		script string
		want   Status
		code   int // the exit code, when it matters
	}{
		{"fills its tmpfs", New().Tmpfs("/tmp", 1<<20), "cat /dev/zero > /tmp/fill 2>/dev/null || exit 9", NonZeroExit, 9},
		{"exhausts its fds", probeSandbox(t), "/probe/probe fds | grep -q 'errno 24' && exit 7", NonZeroExit, 7},
		{"closes its stdio", New(), "exec 0<&- 1>&- 2>&-; exit 0", OK, 0},

		// dash exits when a fork fails; its children must not survive it.
		{"forks to the pids limit", New().PidsLimit(8).WallTimeLimit(time.Second), "while :; do sleep 100 & done", NonZeroExit, 0},
		{"spins in a signal handler", New().WallTimeLimit(300 * time.Millisecond), "trap 'while :; do :; done' TERM; kill -TERM $$; sleep 100", WallTimeLimitExceeded, 0},
		{"stops itself", New().WallTimeLimit(300 * time.Millisecond), "kill -STOP $$", WallTimeLimitExceeded, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := run(t, tt.sb, "sh", "-c", tt.script)
			if res.Status != tt.want || (tt.code != 0 && res.ExitCode != tt.code) {
				t.Errorf("%+v, want %v\n%s", res, tt.want, out)
			}
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestWriterFails: when the caller's Stdout fails, the command gets SIGPIPE
// instead of blocking forever, and Run reports the writer's error beside
// the Result.
func TestWriterFails(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	cmd := exec.Command("yes")
	cmd.Stdout = failingWriter{}
	res, err := New().WallTimeLimit(10 * time.Second).Run(cmd)
	if res == nil || res.Status != Signaled || res.Signal != syscall.SIGPIPE {
		t.Errorf("result %+v", res)
	}
	var we *WaitError
	if !errors.As(err, &we) || we.Step != WaitOutput || !errors.Is(err, errDiskFull) {
		t.Errorf("err = %v, want a *WaitError of step %q wrapping the writer's error", err, WaitOutput)
	}
}

// TestHostFaults: failures on the host side are typed errors, never a hang
// or a panic.
func TestHostFaults(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	t.Run("rootfs deleted between runs", func(t *testing.T) {
		root := t.TempDir()
		os.WriteFile(filepath.Join(root, "f"), nil, 0o644)
		sb := New().Chroot(root)
		if _, _, err := runErr(context.Background(), sb, "/f"); err == nil {
			t.Fatal("running a non-executable succeeded")
		}
		os.RemoveAll(root)
		_, _, err := runErr(context.Background(), sb, "/f")
		var se *SetupError
		if !errors.As(err, &se) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("EMFILE in the host process", func(t *testing.T) {
		var old syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old)
		lim := old
		lim.Cur = uint64(countFDs() + 2)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		_, _, err := runErr(context.Background(), New(), "true")
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		var se *SetupError
		if !errors.As(err, &se) || !errors.Is(err, syscall.EMFILE) {
			t.Errorf("err = %v, want a *SetupError wrapping EMFILE", err)
		}
	})
	t.Run("cgroup parent removed under us", func(t *testing.T) {
		mode := CgroupMode()
		if mode == "unavailable" {
			t.Fatal("no cgroups")
		}
		const parent = "/sandbox-test-parent"
		dirs := []string{"/sys/fs/cgroup" + parent}
		if mode != "unified" {
			// v1: the same path in every hierarchy.
			dirs, _ = filepath.Glob("/sys/fs/cgroup/*")
			for i := range dirs {
				dirs[i] += parent
			}
		}
		for _, d := range dirs {
			os.Mkdir(d, 0o755)
		}
		removeAll := func() {
			for _, d := range dirs {
				os.Remove(d)
			}
		}
		t.Cleanup(removeAll)
		sb := New().PidsLimit(16).CgroupParent(parent)
		if res, out, err := runErr(context.Background(), sb, "true"); err != nil || res.Status != OK {
			t.Fatalf("a run below %s: %v %s", parent, err, out)
		}
		removeAll()
		_, _, err := runErr(context.Background(), sb, "true")
		var se *SetupError
		if !errors.As(err, &se) {
			t.Errorf("err = %v, want a *SetupError", err)
		}
	})
}

const crasherEnv = "SANDBOX_TEST_CRASHER"

// crasherMain starts sandboxes that sleep, says so, and waits to be killed;
// with marker "next" it is the next process to use the library: one run.
func crasherMain(marker string) int {
	if marker == "next" {
		if res, err := New().PidsLimit(32).Run(exec.Command("true")); err != nil || res.Status != OK {
			println("next run:", err)
			return 1
		}
		return 0
	}
	sb := New().PidsLimit(32)
	for i := 0; i < 3; i++ {
		if _, err := sb.Start(exec.Command("sh", "-c", "sleep "+marker+" & sleep "+marker)); err != nil {
			println("start:", err.Error())
			return 1
		}
	}
	println("ready")
	time.Sleep(time.Hour)
	return 0
}

// TestEmbedderKilled: when the embedding process dies by SIGKILL mid-run,
// every sandboxed process dies with it, and the next use of the library
// sweeps the cgroups it left.
func TestEmbedderKilled(t *testing.T) {
	requireRoot(t)
	marker := "1000." + strconv.Itoa(os.Getpid()) // an argument of sleep
	self, _ := os.Executable()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), crasherEnv+"="+marker)
	startEmbedder(t, cmd)
	// Start returns once each sh runs; each then forks its background
	// sleep on its own time (slow under emulation): wait for all six.
	if n := awaitProcesses(marker, 6, 5*time.Second); n < 6 {
		t.Errorf("only %d sandboxed processes before the kill", n)
	}
	stale := func() []string { return cgroupDirsOf(cmd.Process.Pid) }
	if len(stale()) == 0 {
		t.Errorf("the crasher's runs have no cgroups")
	}
	killEmbedder(t, cmd, marker, 3*time.Second)
	if len(stale()) == 0 {
		t.Fatalf("no stale cgroups to sweep: the test proves nothing")
	}
	// The next process that uses the library sweeps them.
	next := exec.Command(self)
	next.Env = append(os.Environ(), crasherEnv+"=next")
	if out, err := next.CombinedOutput(); err != nil {
		t.Fatalf("next process: %v %s", err, out)
	}
	if s := stale(); len(s) > 0 {
		t.Errorf("stale cgroups not swept: %v", s)
	}
}
