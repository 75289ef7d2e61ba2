package sandbox

import (
	"os"
	"runtime"
	"sync"

	"github.com/sandboxkit/sandbox/internal/cgroup"
	"github.com/sandboxkit/sandbox/internal/child"
)

// The run statistics of a Result (see its fields for what each means and
// where it comes from). Each starts unknown (-1) and is filled only from
// evidence: init's report, the run's cgroup, the sandbox's own counters.

// unknownStats marks every statistic of res unknown. A backend that gives
// none of them (or only some) starts from here.
func unknownStats(res *Result) {
	res.VoluntarySwitches, res.ForcedSwitches = -1, -1
	res.MaxRSS = -1
	res.DiskReadBytes, res.DiskWriteBytes = -1, -1
	res.StdoutBytes, res.StderrBytes = -1, -1
	res.Processes, res.ProcessesPeak = -1, -1
}

// taskIO says whether the kernel keeps per-task I/O accounting
// (CONFIG_TASK_IO_ACCOUNTING, which /proc/<pid>/io shows); without it
// ru_inblock and ru_oublock are always 0.
var taskIO = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/io")
	return err == nil
})

// rssSlack is how far above the floor (child.Msg.RSSFloor) a ru_maxrss
// must be to be the command's own, in bytes. The kernel's RSS counters are
// approximate: each task (Linux < 6.2) or CPU (later) keeps a delta that
// joins the process's count only now and then, so the command's own
// measure before its execve can read below what its execve folds in (on
// Linux 6.1, 192 KiB below, of a 64-fault bound of at most 4 MiB with
// fault-around); a per-CPU delta is at most a batch of max(32, 2 CPUs)
// pages, for the few CPUs the command ran on.
func rssSlack() int64 {
	return max(4<<20, 16<<10*int64(runtime.NumCPU()))
}

// initStats fills what init's MsgExited report holds: the rusage of every
// process it reaped, what the command held before its execve, and the
// PID namespace's last PID.
func initStats(res *Result, m *child.Msg) {
	res.VoluntarySwitches, res.ForcedSwitches = m.Nvcsw, m.Nivcsw
	if m.RSSFloor >= 0 && m.MaxRSS > m.RSSFloor+rssSlack()>>10 {
		res.MaxRSS = m.MaxRSS << 10
	}
	if taskIO() {
		res.DiskReadBytes, res.DiskWriteBytes = m.Inblock*512, m.Oublock*512
	}
	if m.LastPID > 1 {
		res.Processes = m.LastPID - 1
	}
}

// cgroupRunStats fills what the run's cgroup counted.
func cgroupRunStats(res *Result, st *cgroup.Stats) {
	res.ProcessesPeak = st.PidsPeak
}

// outputStats fills the sandbox's own counts of Stdout and Stderr.
func outputStats(res *Result, s *stdio) {
	res.StdoutBytes, res.StderrBytes = s.counted(0), s.counted(1)
}
