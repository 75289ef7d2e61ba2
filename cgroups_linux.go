package sandbox

import "time"

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
	memoryPeak int64
	oomKills   uint64
}

func newRunCgroup(cfg *config) (runCgroup, error) {
	return nil, &SetupError{Stage: "cgroup", Index: -1, Err: ErrNotSupported}
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

// cpuPollInterval is a tenth of the limit, between 5 and 100 ms.
func cpuPollInterval(limit time.Duration) time.Duration {
	return min(max(limit/10, 5*time.Millisecond), 100*time.Millisecond)
}
