package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// v2Group is one cgroup v2 group.
type v2Group struct {
	m   *Manager
	dir string

	mu      sync.Mutex
	deleted bool
}

func (m *Manager) v2Group(name string) *v2Group {
	return &v2Group{m: m, dir: filepath.Join(m.parents[""], name)}
}

func (g *v2Group) file(name string) string { return filepath.Join(g.dir, name) }

func (g *v2Group) ProcsFiles() []string { return []string{g.file("cgroup.procs")} }

// create makes the directory and writes the limits; on failure it removes
// the directory. fs.ErrExist means the name is taken.
func (g *v2Group) create(l Limits) error {
	if err := g.m.mkdir("", g.dir); err != nil {
		return err
	}
	if err := g.setLimits(l); err != nil {
		return errors.Join(err, g.Delete())
	}
	return nil
}

func (g *v2Group) setLimits(l Limits) error {
	if l.Memory > 0 {
		if err := writeFile(g.file("memory.max"), strconv.FormatInt(l.Memory, 10)); err != nil {
			return err
		}
		// memory.swap.max exists only with swap accounting (CONFIG_MEMCG_SWAP
		// and swapaccount); without it there is no swap to forbid.
		if err := writeFile(g.file("memory.swap.max"), "0"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if l.Pids > 0 {
		if err := writeFile(g.file("pids.max"), strconv.FormatInt(l.Pids, 10)); err != nil {
			return err
		}
	}
	if l.CPUQuota > 0 {
		if err := writeFile(g.file("cpu.max"), strconv.FormatInt(l.quotaUS(), 10)+" "+strconv.Itoa(cpuPeriod)); err != nil {
			return err
		}
	}
	return nil
}

func (g *v2Group) Path() string { return g.dir }

func (g *v2Group) CPUUsage() (time.Duration, error) {
	us, err := readKey(g.file("cpu.stat"), "usage_usec")
	return time.Duration(us) * time.Microsecond, err
}

func (g *v2Group) Stats() (Stats, error) {
	s := Stats{MemoryPeak: -1, PidsPeak: -1}
	var errs []error
	var err error
	if s.CPUUsage, err = g.CPUUsage(); err != nil {
		errs = append(errs, err)
	}
	// memory.peak appeared in Linux 5.19; never report a missing one as 0.
	if peak, err := readUint(g.file("memory.peak")); err == nil {
		s.MemoryPeak = int64(peak)
	} else {
		errs = append(errs, statMissing(err))
	}
	if s.OOMKills, err = readKey(g.file("memory.events"), "oom_kill"); err != nil {
		errs = append(errs, statMissing(err))
	}
	if s.PidsPeak, err = readPeak(g.file("pids.peak")); err != nil {
		errs = append(errs, err)
	}
	return s, errors.Join(errs...)
}

// populated reads "populated" from cgroup.events; a removed group is empty.
func (g *v2Group) populated() (bool, error) {
	n, err := readKey(g.file("cgroup.events"), "populated")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return n != 0, err
}

// Kill writes cgroup.kill (Linux 5.14) or, without it, freezes the group,
// kills every listed process and thaws it; then it waits until the group
// is empty.
func (g *v2Group) Kill() error {
	deadline := time.Now().Add(killTimeout)
	empty := func() (bool, error) { p, err := g.populated(); return !p, err }
	for {
		if ok, err := empty(); err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return &Error{Op: "kill", Path: g.dir, Err: errStillPopulated}
		}
		err := writeFile(g.file("cgroup.kill"), "1")
		if errors.Is(err, fs.ErrNotExist) {
			err = g.freezeKill()
		}
		if err != nil {
			return err
		}
		if ok, err := poll(deadline, empty); err != nil || ok {
			return err
		}
	}
}

// freezeKill is Kill for kernels without cgroup.kill (5.2 ≤ Linux < 5.14).
func (g *v2Group) freezeKill() error {
	frozen := false
	if err := writeFile(g.file("cgroup.freeze"), "1"); err == nil {
		frozen, _ = poll(time.Now().Add(50*time.Millisecond), func() (bool, error) {
			n, err := readKey(g.file("cgroup.events"), "frozen")
			return n == 1, err
		})
	}
	_, kerr := killListed([]string{g.file("cgroup.procs")}, frozen)
	if err := writeFile(g.file("cgroup.freeze"), "0"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return kerr
}

func (g *v2Group) Delete() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted {
		return nil
	}
	if err := rmdirRetry(g.dir, g.m.fake != nil, g.Kill); err != nil {
		return fmt.Errorf("cgroup: delete: %w", err)
	}
	g.deleted = true
	return nil
}
