package sandbox

import (
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConfigErrors: every bad argument is a *ConfigError naming the value,
// returned by Run before anything starts.
func TestConfigErrors(t *testing.T) {
	long := strings.Repeat("h", 65)
	tests := []struct {
		name  string
		sb    *Sandbox
		cmd   *exec.Cmd
		value string
	}{
		{"zero wall time", New().WallTimeLimit(0), exec.Command("true"), "0s"},
		{"negative wall time", New().WallTimeLimit(-time.Second), exec.Command("true"), "-1s"},
		{"relative destination", New().Bind("/usr", "usr"), exec.Command("true"), "usr"},
		{"escaping destination", New().Bind("/usr", "/a/../../etc"), exec.Command("true"), "/a/../../etc"},
		{"root destination", New().Tmpfs("/", 1<<20), exec.Command("true"), "/"},
		{"zero tmpfs", New().Tmpfs("/x", 0), exec.Command("true"), "0"},
		{"long hostname", New().Hostname(long), exec.Command("true"), long},
		{"empty hostname", New().Hostname(""), exec.Command("true"), ""},
		{"negative memory", New().MemoryLimit(-1), exec.Command("true"), "-1"},
		{"absurd memory", New().MemoryLimit(1 << 62), exec.Command("true"), fmt.Sprint(int64(1 << 62))},
		{"zero pids", New().PidsLimit(0), exec.Command("true"), "0"},
		{"negative cpu quota", New().CPUQuota(-0.5), exec.Command("true"), "-0.5"},
		{"zero cpu time", New().CPUTimeLimit(0), exec.Command("true"), "0s"},
		{"zero output", New().OutputLimit(0), exec.Command("true"), "0"},
		{"bad cgroup parent", New().CgroupParent("../x"), exec.Command("true"), "../x"},
		{"negative uid", New().RunAs(-1, 0), exec.Command("true"), "-1"},
		{"unknown namespace", New().Namespaces(Namespace(1 << 20)), exec.Command("true"), fmt.Sprint(1 << 20)},
		{"unknown backend", New().Backend(Backend(7)), exec.Command("true"), "7"},
		{"monotonic offset out of range", New().TimeOffsets(147*365*24*time.Hour, 0), exec.Command("true"), (147 * 365 * 24 * time.Hour).String()},
		{"boottime offset out of range", New().TimeOffsets(0, math.MinInt64), exec.Command("true"), time.Duration(math.MinInt64).String()},
		{"nil cmd", New(), nil, "<nil>"},
		{"SysProcAttr set", New(), func() *exec.Cmd { c := exec.Command("true"); c.SysProcAttr = &syscall.SysProcAttr{}; return c }(), "SysProcAttr"},
		{"NUL in chroot", New().Chroot("/a\x00b"), exec.Command("true"), "Chroot(/a"},
		{"chroot without mount ns", New().Chroot("/").Namespaces(PID), exec.Command("true"), "pid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.sb.Run(tt.cmd)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Run = %v, %v; want a *ConfigError", res, err)
			}
			if res != nil {
				t.Errorf("a Result beside a ConfigError: %+v", res)
			}
			if !strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q does not name the value %q", err, tt.value)
			}
		})
	}
}

// TestConfigErrorsJoined: every mistake of a chain is reported, not only the
// first.
func TestConfigErrorsJoined(t *testing.T) {
	_, err := New().WallTimeLimit(0).MemoryLimit(-5).Run(exec.Command("true"))
	if err == nil || !strings.Contains(err.Error(), "WallTimeLimit") || !strings.Contains(err.Error(), "MemoryLimit") {
		t.Fatalf("err = %v; want both mistakes", err)
	}
}

// TestClassify pins the documented precedence of statuses.
func TestClassify(t *testing.T) {
	tests := []struct {
		ev   evidence
		want Status
	}{
		{evidence{exited: true}, OK},
		{evidence{exited: true, exitCode: 3}, NonZeroExit},
		{evidence{exited: true, signal: 11}, Signaled},
		{evidence{exited: false, signal: 9}, Signaled},
		{evidence{exited: true, signal: 9, oomKilled: true}, MemoryLimitExceeded},
		{evidence{exited: true, signal: 9, oomKilled: true, wallLimit: true}, MemoryLimitExceeded},
		{evidence{exited: true, signal: 25, outputLimit: true}, OutputLimitExceeded},
		{evidence{exited: true, signal: 9, outputLimit: true, cpuLimit: true}, OutputLimitExceeded},
		{evidence{exited: true, signal: 9, cpuLimit: true, wallLimit: true}, CPUTimeLimitExceeded},
		{evidence{exited: true, signal: 9, wallLimit: true}, WallTimeLimitExceeded},
		{evidence{exited: true, exitCode: 0, wallLimit: true}, WallTimeLimitExceeded},
		{evidence{exited: true, signal: 9, killed: true}, Killed},
		{evidence{exited: true, signal: 9, killed: true, wallLimit: true}, WallTimeLimitExceeded},
	}
	for _, tt := range tests {
		if got := classify(tt.ev); got != tt.want {
			t.Errorf("classify(%+v) = %v, want %v", tt.ev, got, tt.want)
		}
	}
}

func ExampleStatus_String() {
	fmt.Println(MemoryLimitExceeded, OK)
	// Output: MemoryLimitExceeded OK
}

func ExampleNamespace_String() {
	fmt.Println(PID|Net|Mount, Time)
	// Output: pid|net|mnt time
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
