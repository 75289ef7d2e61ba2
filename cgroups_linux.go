package sandbox

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
	"github.com/sandboxkit/sandbox/internal/child"
)

// cgManager is the cgroup manager for one parent, made on the first run
// that needs it, in this process. Making it also sweeps the groups that
// crashed processes left there, and so does a run every sweepInterval.
type cgManager struct {
	once      sync.Once
	m         *cgroup.Manager
	err       error
	lastSweep atomic.Int64 // unix nanoseconds
}

// sweepInterval spaces the sweeps of a long-lived process, which catch the
// groups of sibling processes that crashed.
const sweepInterval = time.Minute

// cgManagers caches the managers by parent ("" is the caller's own group):
// finding the hierarchy and sweeping are done once per process, not once per
// Sandbox.
var cgManagers sync.Map // string → *cgManager

func managerFor(parent string) (*cgroup.Manager, error) {
	v, _ := cgManagers.LoadOrStore(parent, &cgManager{})
	c := v.(*cgManager)
	c.once.Do(func() { c.m, c.err = cgroup.NewManager(parent) })
	if c.err != nil {
		// A parent that appears later (or comes back) gets another try.
		cgManagers.CompareAndDelete(parent, c)
		return nil, c.err
	}
	now := time.Now().UnixNano()
	if last := c.lastSweep.Load(); now-last > int64(sweepInterval) && c.lastSweep.CompareAndSwap(last, now) {
		c.m.Sweep()
	}
	return c.m, nil
}

// newRunCgroup makes the run's own group with its limits.
func newRunCgroup(cfg *config) (cgroup.Group, error) {
	m, err := managerFor(cfg.limits.cgroupParent)
	if err != nil {
		return nil, &SetupError{Stage: child.StageCgroup.String(), Index: -1, Path: cfg.limits.cgroupParent, Err: err}
	}
	g, err := m.New(cgroup.Limits{Memory: cfg.limits.memory, Pids: cfg.limits.pids, CPUQuota: cfg.limits.cpuQuota})
	if err != nil {
		return nil, &SetupError{Stage: child.StageCgroup.String(), Index: -1, Path: cfg.limits.cgroupParent, Err: err}
	}
	return g, nil
}

// cgroupStats reads what the kernel accounted for the run. A statistic the
// kernel does not provide is no error: it keeps its "unknown" value
// (MemoryPeak -1).
func cgroupStats(g cgroup.Group) (cgroup.Stats, error) {
	st, err := g.Stats()
	if err != nil && !errors.Is(err, cgroup.ErrStatUnavailable) {
		return st, &WaitError{Step: WaitCgroupStats, Path: g.Path(), Err: err}
	}
	return st, nil
}

// removeCgroup kills what is left in the run's group and removes it.
func removeCgroup(g cgroup.Group) error {
	if err := g.Delete(); err != nil {
		return &WaitError{Step: WaitCgroupRemove, Path: g.Path(), Err: err}
	}
	return nil
}

// openProcs opens the group's cgroup.procs files for the command, which
// joins the group by writing "0" to each just before execve. init stays in
// the caller's group: it is neither limited nor charged, and never the OOM
// killer's choice (it may share the embedding process's memory).
func openProcs(cg cgroup.Group) ([]int, error) {
	var fds []int
	for _, f := range cg.ProcsFiles() {
		fd, err := unix.Open(f, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, &SetupError{Stage: child.StageCgroupJoin.String(), Index: -1, Path: f, Err: err}
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// pollCPU stops the run when the cgroup's CPU usage reaches the limit.
func (p *Process) pollCPU() {
	limit := p.cfg.limits.cpuTime
	tick := time.NewTicker(cpuPollInterval(limit))
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-tick.C:
			used, err := p.cg.CPUUsage()
			if err == nil && used >= limit {
				p.stop(stopCPU)
				return
			}
		}
	}
}

// cpuPollInterval is a hundredth of the limit, between 2 and 50 ms: the
// overshoot past the limit is at most one interval per CPU.
func cpuPollInterval(limit time.Duration) time.Duration {
	return min(max(limit/100, 2*time.Millisecond), 50*time.Millisecond)
}

// CgroupMode names the cgroup hierarchy of this host: "unified" (v2),
// "hybrid" (v1 controllers with a v2 mount), "legacy" (v1) or
// "unavailable".
func CgroupMode() string { return cgroup.DetectMode().String() }
