package cgroup

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Mode is the cgroup layout of the host.
type Mode int

const (
	Unavailable Mode = iota // no cgroup filesystem at /sys/fs/cgroup
	Legacy                  // cgroup v1 only
	Hybrid                  // cgroup v1 controllers plus a cgroup2 hierarchy at /sys/fs/cgroup/unified
	Unified                 // cgroup v2 only
)

func (m Mode) String() string {
	switch m {
	case Unavailable:
		return "unavailable"
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Limits are the resource limits of one group. A zero field means no limit.
type Limits struct {
	Memory   int64   // bytes of RAM, and no swap beyond it
	Pids     int64   // number of tasks (processes and threads)
	CPUQuota float64 // CPUs, e.g. 0.5 = half a core, over a 100 ms period
}

// cpuPeriod is the CFS period used with Limits.CPUQuota, in microseconds.
const cpuPeriod = 100000

// The bounds of a limit that is set. They are the only ones: the sandbox's
// builder checks its arguments with CheckMemory, CheckPids and
// CheckCPUQuota, and Validate with the same functions.
const (
	MinMemory   = 1 << 20 // below this even the dynamic loader cannot start
	MaxMemory   = 1 << 50 // 1 PiB: larger is a mistake
	MaxPids     = 1 << 22 // the kernel's PID_MAX_LIMIT
	MinCPUQuota = 0.01    // 1 ms per 100 ms period: the kernel's minimum cpu.max quota is 1000 µs
	MaxCPUQuota = 1 << 16 // CPUs
)

// CheckMemory reports why bytes is not a valid memory limit, or nil.
func CheckMemory(bytes int64) error {
	if bytes < MinMemory || bytes > MaxMemory {
		return errors.New("must be between 1 MiB and 1 PiB")
	}
	return nil
}

// CheckPids reports why n is not a valid limit of tasks, or nil.
func CheckPids(n int64) error {
	if n < 1 || n > MaxPids {
		return fmt.Errorf("must be between 1 and %d", MaxPids)
	}
	return nil
}

// CheckCPUQuota reports why cpus is not a valid CPU quota, or nil.
func CheckCPUQuota(cpus float64) error {
	// Written so that NaN fails too.
	if !(cpus >= MinCPUQuota && cpus <= MaxCPUQuota) {
		return fmt.Errorf("must be between %v and %d CPUs", MinCPUQuota, MaxCPUQuota)
	}
	return nil
}

// Validate reports every bad field of l (a set field out of its bounds),
// joined.
func (l Limits) Validate() error {
	var errs []error
	if err := CheckMemory(l.Memory); l.Memory != 0 && err != nil {
		errs = append(errs, fmt.Errorf("cgroup: memory limit %d bytes: %w", l.Memory, err))
	}
	if err := CheckPids(l.Pids); l.Pids != 0 && err != nil {
		errs = append(errs, fmt.Errorf("cgroup: pids limit %d: %w", l.Pids, err))
	}
	if err := CheckCPUQuota(l.CPUQuota); l.CPUQuota != 0 && err != nil {
		errs = append(errs, fmt.Errorf("cgroup: CPU quota %v: %w", l.CPUQuota, err))
	}
	return errors.Join(errs...)
}

// quotaUS is the CFS quota for one cpuPeriod, in microseconds.
func (l Limits) quotaUS() int64 { return int64(math.Round(l.CPUQuota * cpuPeriod)) }

// Stats are what the kernel accounted for a group.
type Stats struct {
	// CPUUsage is the user+system CPU time of every process that ever ran
	// in the group (v2 cpu.stat usage_usec, v1 cpuacct.usage).
	CPUUsage time.Duration
	// MemoryPeak is the group's highest memory usage in bytes (v2
	// memory.peak, v1 memory.max_usage_in_bytes), or -1 when the kernel
	// does not provide it; Stats then also returns an error wrapping
	// ErrStatUnavailable. It may exceed the limit by a page: judge memory
	// verdicts by OOMKills.
	MemoryPeak int64
	// OOMKills counts the processes of the group the kernel OOM killer
	// killed (v2 memory.events oom_kill, v1 memory.oom_control oom_kill).
	OOMKills uint64
	// PidsPeak is the most tasks (processes and threads) the group held
	// at once (pids.peak, v1 and v2, Linux 6.1), or -1 when the kernel
	// does not provide it (Stats then returns ErrStatUnavailable too).
	PidsPeak int64
}

// Group is one cgroup (v2) or one set of per-controller cgroups (v1). Its
// methods are safe for concurrent use, e.g. Kill from a timer while the
// caller polls CPUUsage.
type Group interface {
	// Path names the group for logs: its cgroup path (v1: the memory one).
	Path() string
	// ProcsFiles are the group's cgroup.procs files (v1: one per
	// hierarchy). Writing "0" to each moves the writer into the group.
	ProcsFiles() []string
	// CPUUsage is cheap enough to poll every 10 ms.
	CPUUsage() (time.Duration, error)
	// Stats reads the accounting; see Stats for partial results.
	Stats() (Stats, error)
	// Kill sends SIGKILL to every process in the group and waits (up to
	// killTimeout) until it is empty. It never signals a process outside.
	Kill() error
	// Delete kills what is left and removes the group. It is idempotent.
	Delete() error
}

// ErrCgroupUnavailable reports that the caller may not create or limit
// cgroups here; the wrapping message says what to delegate.
var ErrCgroupUnavailable = errors.New("cgroup: unavailable")

// ErrNotCgroup reports a path that is not on a cgroup filesystem.
var ErrNotCgroup = errors.New("not on a cgroup filesystem")

// ErrStatUnavailable reports a statistic the kernel does not provide (e.g.
// memory.peak before Linux 5.19).
var ErrStatUnavailable = errors.New("cgroup: statistic unavailable")

// Error reports a failed operation on a cgroup file or directory.
type Error struct {
	Op   string // e.g. "mkdir", "write", "read", "rmdir", "kill"
	Path string
	Err  error
}

func (e *Error) Error() string { return "cgroup: " + e.Op + " " + e.Path + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Option configures a Manager.
type Option func(*options)
