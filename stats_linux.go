package sandbox

import (
	"os"
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

// initStats fills what init's MsgExited report holds: the rusage of every
// process it reaped, what the command held before its execve, and the
// PID namespace's last PID.
func initStats(res *Result, m *child.Msg) {
	res.VoluntarySwitches, res.ForcedSwitches = m.Nvcsw, m.Nivcsw
	if m.RSSFloor >= 0 && m.MaxRSS > m.RSSFloor {
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
