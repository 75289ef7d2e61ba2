package sandbox

import (
	"strings"
	"time"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// limits are the resource limits of a run.
type limits struct {
	memory       int64
	pids         int64
	cpuQuota     float64
	cpuTime      time.Duration
	output       int64
	cgroupParent string
}

// needCgroup says whether the run needs a cgroup of its own.
func (l limits) needCgroup() bool {
	return l.memory > 0 || l.pids > 0 || l.cpuQuota > 0 || l.cpuTime > 0
}

// MemoryLimit caps the RAM of every process of the sandbox together, and
// allows no swap beyond it. A run that reaches it is stopped by the kernel's
// OOM killer and ends with MemoryLimitExceeded.
func (s *Sandbox) MemoryLimit(bytes int64) *Sandbox {
	if err := cgroup.CheckMemory(bytes); err != nil {
		return s.fail("MemoryLimit", bytes, "%v", err)
	}
	s.cfg.limits.memory = bytes
	return s
}

// PidsLimit caps the number of processes and threads alive at once.
func (s *Sandbox) PidsLimit(n int64) *Sandbox {
	if err := cgroup.CheckPids(n); err != nil {
		return s.fail("PidsLimit", n, "%v", err)
	}
	s.cfg.limits.pids = n
	return s
}

// CPUQuota caps the CPU bandwidth of the sandbox: 0.5 is half a core, 2 is
// two cores.
func (s *Sandbox) CPUQuota(cpus float64) *Sandbox {
	if err := cgroup.CheckCPUQuota(cpus); err != nil {
		return s.fail("CPUQuota", cpus, "%v", err)
	}
	s.cfg.limits.cpuQuota = cpus
	return s
}

// CPUTimeLimit stops the run when the user+system CPU time of all its
// processes together reaches d (Status CPUTimeLimitExceeded).
func (s *Sandbox) CPUTimeLimit(d time.Duration) *Sandbox {
	if d <= 0 {
		return s.fail("CPUTimeLimit", d, "duration must be positive")
	}
	s.cfg.limits.cpuTime = d
	return s
}

// OutputLimit caps the bytes the command may write: counted by the
// sandbox, to Stdout and Stderr together, whatever they are (a file, a
// pipe, a writer), and to each file it opens itself (RLIMIT_FSIZE).
// Reaching it on Stdout and Stderr ends the run with OutputLimitExceeded,
// whatever the command does with SIGXFSZ; they receive at most bytes. A
// file of its own stops growing at the limit: the write fails with EFBIG,
// or SIGXFSZ ends the command (Status Signaled, as the sandbox counts no
// such bytes and a command may raise SIGXFSZ itself).
func (s *Sandbox) OutputLimit(bytes int64) *Sandbox {
	if bytes <= 0 {
		return s.fail("OutputLimit", bytes, "must be positive")
	}
	s.cfg.limits.output = bytes
	return s
}

// CgroupParent sets the cgroup below which per-run groups are made, as a
// path relative to the cgroup root (e.g. "/judge.slice") or an absolute path
// under /sys/fs/cgroup. By default groups are made below the caller's own
// cgroup, so limits set on the embedding service still bind its sandboxes.
func (s *Sandbox) CgroupParent(path string) *Sandbox {
	if path == "" || strings.ContainsRune(path, 0) || strings.Contains(path, "..") {
		return s.fail("CgroupParent", path, "bad cgroup path")
	}
	s.cfg.limits.cgroupParent = path
	return s
}
