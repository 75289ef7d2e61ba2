package cgroup

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// v1Group is one group in each cgroup v1 hierarchy the Manager uses.
type v1Group struct {
	m     *Manager
	dirs  []string          // one per hierarchy, in v1Controllers order, deduplicated
	ctrl  map[string]string // controller → its directory
	procs []string          // cgroup.procs of each dir

	mu      sync.Mutex
	deleted bool
}

func (m *Manager) v1Group(name string) *v1Group {
	g := &v1Group{m: m, ctrl: make(map[string]string, len(v1Controllers))}
	for _, c := range v1Controllers {
		p, ok := m.parents[c]
		if !ok {
			continue
		}
		dir := filepath.Join(p, name)
		g.ctrl[c] = dir
		if !slices.Contains(g.dirs, dir) { // co-mounted, e.g. cpu,cpuacct
			g.dirs = append(g.dirs, dir)
			g.procs = append(g.procs, filepath.Join(dir, "cgroup.procs"))
		}
	}
	return g
}

// create makes the directories and writes the limits; on failure it
// removes what it made. fs.ErrExist means the name is taken.
func (g *v1Group) create(l Limits) error {
	for i, dir := range g.dirs {
		ctrl := ""
		for c, d := range g.ctrl {
			if d == dir {
				ctrl = c
			}
		}
		if err := g.m.mkdir(ctrl, dir); err != nil {
			for _, d := range slices.Backward(g.dirs[:i]) {
				rmdirRetry(d, g.m.fake != nil, nil)
			}
			return err
		}
	}
	if err := g.setLimits(l); err != nil {
		return errors.Join(err, g.Delete())
	}
	return nil
}

func (g *v1Group) setLimits(l Limits) error {
	if l.Memory > 0 {
		mem := g.ctrl["memory"]
		v := strconv.FormatInt(l.Memory, 10)
		// Keep the kernel OOM killer on: a new group inherits the
		// parent's oom_kill_disable (mm/memcontrol-v1.c).
		if err := writeFile(filepath.Join(mem, "memory.oom_control"), "0"); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(mem, "memory.limit_in_bytes"), v); err != nil {
			return err
		}
		// memsw is RAM+swap, so equal to the RAM limit means no swap; it
		// must be written after memory.limit_in_bytes (memsw ≥ limit).
		if g.m.memsw {
			if err := writeFile(filepath.Join(mem, "memory.memsw.limit_in_bytes"), v); err != nil {
				return err
			}
		}
	}
	if l.Pids > 0 {
		if err := writeFile(filepath.Join(g.ctrl["pids"], "pids.max"), strconv.FormatInt(l.Pids, 10)); err != nil {
			return err
		}
	}
	if l.CPUQuota > 0 {
		cpu := g.ctrl["cpu"]
		if err := writeFile(filepath.Join(cpu, "cpu.cfs_period_us"), strconv.Itoa(cpuPeriod)); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(cpu, "cpu.cfs_quota_us"), strconv.FormatInt(l.quotaUS(), 10)); err != nil {
			return err
		}
	}
	return nil
}

func (g *v1Group) Path() string {
	if p, ok := g.ctrl["memory"]; ok {
		return p
	}
	return g.dirs[0]
}

func (g *v1Group) ProcsFiles() []string { return g.procs }

func (g *v1Group) CPUUsage() (time.Duration, error) {
	ns, err := readUint(filepath.Join(g.ctrl["cpuacct"], "cpuacct.usage"))
	return time.Duration(ns), err
}

func (g *v1Group) Stats() (Stats, error) {
	s := Stats{MemoryPeak: -1, PidsPeak: -1}
	var errs []error
	var err error
	if s.CPUUsage, err = g.CPUUsage(); err != nil {
		errs = append(errs, err)
	}
	if mem, ok := g.ctrl["memory"]; ok {
		peak, err := readUint(filepath.Join(mem, "memory.max_usage_in_bytes"))
		if err == nil {
			s.MemoryPeak = int64(peak)
		} else {
			errs = append(errs, statMissing(err))
		}
		// oom_kill appeared in memory.oom_control in Linux 4.13.
		if s.OOMKills, err = readKey(filepath.Join(mem, "memory.oom_control"), "oom_kill"); err != nil {
			errs = append(errs, statMissing(err))
		}
	} else {
		errs = append(errs, fmt.Errorf("%w: no memory controller", ErrStatUnavailable))
	}
	if pids, ok := g.ctrl["pids"]; ok {
		s.PidsPeak, err = readPeak(filepath.Join(pids, "pids.peak"))
		if err != nil {
			errs = append(errs, err)
		}
	} else {
		errs = append(errs, fmt.Errorf("%w: no pids controller", ErrStatUnavailable))
	}
	return s, errors.Join(errs...)
}

// Kill freezes the group, kills every listed process, thaws it so the
// SIGKILLs are delivered, and repeats until no process is left.
func (g *v1Group) Kill() error {
	deadline := time.Now().Add(killTimeout)
	state := filepath.Join(g.ctrl["freezer"], "freezer.state")
	for {
		empty, err := g.empty()
		if err != nil || empty {
			return err
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: g.Path(), Err: errStillPopulated}
		}
		frozen := false
		if err := writeFile(state, "FROZEN"); err == nil {
			// FREEZING until every task is frozen; a task stuck in the
			// kernel may keep it there, so do not wait long.
			frozen, _ = poll(time.Now().Add(50*time.Millisecond), func() (bool, error) {
				var a [16]byte
				b, err := readFile(state, a[:])
				return string(b) == "FROZEN\n" || string(b) == "FROZEN", err
			})
		}
		_, kerr := killListed(g.procs, frozen)
		if err := writeFile(state, "THAWED"); err != nil {
			return err
		}
		if kerr != nil {
			return kerr
		}
		wait := time.Now().Add(100 * time.Millisecond)
		if wait.After(deadline) {
			wait = deadline
		}
		poll(wait, g.empty)
	}
}

// empty reports whether no hierarchy of the group lists a process.
func (g *v1Group) empty() (bool, error) {
	var pids []int
	for _, p := range g.procs {
		var err error
		if pids, err = readPids(p, pids[:0]); err != nil || len(pids) > 0 {
			return false, err
		}
	}
	return true, nil
}

func (g *v1Group) Delete() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted {
		return nil
	}
	var errs []error
	for _, dir := range g.dirs {
		errs = append(errs, rmdirRetry(dir, g.m.fake != nil, g.Kill))
	}
	err := errors.Join(errs...)
	g.deleted = err == nil
	return err
}
