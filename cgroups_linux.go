package sandbox

import (
	"errors"
	"sync"
	"time"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// cgManager is the cgroup manager of one Sandbox, made on first use. The
// first use also sweeps groups left by a crashed process.
type cgManager struct {
	once sync.Once
	m    *cgroup.Manager
	err  error
}

func (c *cgManager) get(parent string) (*cgroup.Manager, error) {
	c.once.Do(func() {
		c.m, c.err = cgroup.NewManager(parent)
		if c.err == nil {
			c.m.Sweep()
		}
	})
	return c.m, c.err
}

// runCgroup is the root package's view of one run's cgroup.
type runCgroup interface {
	cloneFD() (int, bool)
	add(pid int) error
	cpuUsage() (time.Duration, error)
	stats() (cgStats, error)
	kill()
	remove() error
}

type cgStats struct {
	cpu        time.Duration
	memoryPeak int64 // -1 when the kernel does not provide it
	oomKills   uint64
}

type groupRun struct{ g cgroup.Group }

func (r groupRun) cloneFD() (int, bool)             { return r.g.CgroupFD() }
func (r groupRun) add(pid int) error                { return r.wrap("join", r.g.Add(pid)) }
func (r groupRun) cpuUsage() (time.Duration, error) { return r.g.CPUUsage() }
func (r groupRun) kill()                            { r.g.Kill() }
func (r groupRun) remove() error                    { return r.wrap("remove", r.g.Delete()) }

func (r groupRun) stats() (cgStats, error) {
	st, err := r.g.Stats()
	if err != nil && !errors.Is(err, cgroup.ErrStatUnavailable) {
		return cgStats{}, r.wrap("stats", err)
	}
	return cgStats{cpu: st.CPUUsage, memoryPeak: st.MemoryPeak, oomKills: st.OOMKills}, nil
}

func (r groupRun) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &SetupError{Stage: "cgroup " + op, Index: -1, Path: r.g.Path(), Err: err}
}

// newRunCgroup makes the run's own group with its limits.
func newRunCgroup(cfg *config) (runCgroup, error) {
	m, err := cfg.cgroups.get(cfg.limits.cgroupParent)
	if err != nil {
		return nil, &SetupError{Stage: "cgroup", Index: -1, Path: cfg.limits.cgroupParent, Err: err}
	}
	g, err := m.New(cgroup.Limits{Memory: cfg.limits.memory, Pids: cfg.limits.pids, CPUQuota: cfg.limits.cpuQuota})
	if err != nil {
		return nil, &SetupError{Stage: "cgroup", Index: -1, Path: cfg.limits.cgroupParent, Err: err}
	}
	return groupRun{g}, nil
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
			used, err := p.cg.cpuUsage()
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
