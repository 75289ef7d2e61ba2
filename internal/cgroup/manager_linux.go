package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// v1Controllers are the cgroup v1 controllers a Manager uses, in the order
// a process is added to them. cpuacct and freezer are required (CPU usage,
// Kill); the others only when a limit needs them.
var v1Controllers = [...]string{"freezer", "memory", "pids", "cpu", "cpuacct"}

// v2Controllers are enabled in the parent's cgroup.subtree_control.
var v2Controllers = [...]string{"memory", "pids", "cpu"}

// Manager makes groups below one parent. It is safe for concurrent use.
type Manager struct {
	v2      bool
	fake    *fakeFS
	parents map[string]string // controller ("" on v2) → parent dir
	missing map[string]error  // controller → why a limit cannot use it
	memsw   bool              // v1: memory.memsw.* exists (swap accounting)
	prefix  string            // "sandbox-<pid>-<start>-"
	seq     atomic.Uint64
}

// NewManager returns a Manager that creates groups directly below parent.
// parent is a cgroup path as in /proc/self/cgroup ("/system.slice/x"), or a
// directory below a cgroup mount ("/sys/fs/cgroup/system.slice/x"); on v1 it
// names the same path in every controller's hierarchy. "" means the caller's
// own cgroup (per controller on v1). A parent that does not exist or is not
// a cgroup is an *Error naming it; missing permission wraps
// ErrCgroupUnavailable with what to delegate.
func NewManager(parent string, opts ...Option) (*Manager, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	pid := os.Getpid()
	start, err := procStart(pid)
	if err != nil {
		return nil, err
	}
	m := &Manager{fake: o.fake, prefix: fmt.Sprintf("sandbox-%d-%d-", pid, start), missing: map[string]error{}}
	mode := DetectMode()
	if o.fake != nil {
		mode, m.parents = o.fake.mode, o.fake.parents
	}
	switch mode {
	case Unavailable:
		return nil, fmt.Errorf("%w: no cgroup filesystem is mounted at /sys/fs/cgroup", ErrCgroupUnavailable)
	case Unified:
		m.v2 = true
	}
	if o.fake == nil {
		if m.parents, err = resolveParents(parent, m.v2); err != nil {
			return nil, err
		}
	}
	for ctrl, dir := range m.parents {
		if o.fake == nil {
			magic := int64(cgroupMagic)
			if m.v2 {
				magic = cgroup2Magic
			}
			if err := checkMagic(dir, magic); err != nil {
				return nil, err
			}
		}
		if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
			return nil, fmt.Errorf("%w: may not create groups in %s (%v): run as root, or give CgroupParent a group delegated to uid %d (systemd: Delegate=yes)",
				ErrCgroupUnavailable, dir, err, os.Geteuid())
		}
		if ctrl == "memory" {
			_, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
			m.memsw = err == nil
		}
	}
	if m.v2 {
		m.enableV2(m.parents[""])
	} else {
		for _, c := range []string{"freezer", "cpuacct"} {
			if m.parents[c] == "" {
				return nil, fmt.Errorf("%w: the cgroup v1 %s controller is not mounted", ErrCgroupUnavailable, c)
			}
		}
		for _, c := range v1Controllers {
			if m.parents[c] == "" {
				m.missing[c] = fmt.Errorf("%w: the cgroup v1 %s controller is not mounted", ErrCgroupUnavailable, c)
			}
		}
	}
	return m, nil
}

// enableV2 enables the v2Controllers in dir's cgroup.subtree_control and
// records, for each it cannot, the error a limit that needs it will get.
// One write per controller, to dir only: cgroup2.ToggleControllers writes
// every ancestor and keeps only the last error (doc.go).
func (m *Manager) enableV2(dir string) {
	var a, b [256]byte
	avail, _ := readFile(filepath.Join(dir, "cgroup.controllers"), a[:])
	enabled, _ := readFile(filepath.Join(dir, "cgroup.subtree_control"), b[:])
	for _, c := range v2Controllers {
		if hasField(enabled, c) {
			continue
		}
		if !hasField(avail, c) {
			m.missing[c] = fmt.Errorf("%w: the %s controller is not delegated to %s (not in its cgroup.controllers): enable it in %s/cgroup.subtree_control, or run under systemd with Delegate=yes",
				ErrCgroupUnavailable, c, dir, filepath.Dir(dir))
			continue
		}
		err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), "+"+c)
		switch {
		case err == nil:
		case errors.Is(err, unix.EBUSY):
			m.missing[c] = fmt.Errorf("%w: cannot enable the %s controller below %s because that group holds processes (cgroup v2 \"no internal processes\" rule); "+
				"give CgroupParent a delegated group that holds no processes, e.g. %q after moving the service into a leaf of it (systemd: Delegate=yes and DelegateSubgroup=main)",
				ErrCgroupUnavailable, c, dir, filepath.Dir(dir))
		default:
			m.missing[c] = fmt.Errorf("%w: enable the %s controller below %s: %w", ErrCgroupUnavailable, c, dir, err)
		}
	}
}

func hasField(b []byte, f string) bool {
	for _, x := range bytes.Fields(b) {
		if string(x) == f {
			return true
		}
	}
	return false
}

// need returns the error of the first controller l needs and lacks.
func (m *Manager) need(l Limits) error {
	if l.Memory > 0 && m.missing["memory"] != nil {
		return m.missing["memory"]
	}
	if l.Pids > 0 && m.missing["pids"] != nil {
		return m.missing["pids"]
	}
	if l.CPUQuota > 0 && m.missing["cpu"] != nil {
		return m.missing["cpu"]
	}
	return nil
}

// New makes a fresh group with limits l written before any process joins.
func (m *Manager) New(l Limits) (Group, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := m.need(l); err != nil {
		return nil, err
	}
	for range 1000 {
		name := m.prefix + strconv.FormatUint(m.seq.Add(1), 10)
		var g interface {
			Group
			create(Limits) error
		}
		if m.v2 {
			g = m.v2Group(name)
		} else {
			g = m.v1Group(name)
		}
		err := g.create(l)
		if errors.Is(err, fs.ErrExist) {
			continue // a group of another Manager of this process
		}
		if err != nil {
			return nil, err
		}
		return g, nil
	}
	return nil, fmt.Errorf("cgroup: no free group name below %v", m.parents)
}

// mkdir makes one group directory with mkdir(2), which fails if it exists:
// a group is never adopted (containerd/cgroups' MkdirAll would; see "Why
// not containerd/cgroups" in doc.go).
func (m *Manager) mkdir(ctrl, dir string) error {
	var err error
	if m.fake != nil {
		err = m.fake.mkdir(ctrl, dir)
	} else {
		err = ignoringEINTR(func() error { return unix.Mkdir(dir, 0o755) })
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EROFS):
		return fmt.Errorf("%w: mkdir %s: %w: run as root, or give CgroupParent a delegated group (systemd: Delegate=yes)", ErrCgroupUnavailable, dir, err)
	}
	return &Error{Op: "mkdir", Path: dir, Err: err}
}

// Sweep removes the groups below the parent that a host process which is
// gone left behind ("sandbox-<pid>-<start>-*" whose process no longer
// exists): it kills what still runs in them and removes them.
func (m *Manager) Sweep() error {
	seen := map[string]bool{}
	var errs []error
	for _, dir := range m.parents {
		ents, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range ents {
			name := e.Name()
			pid, start, ok := parseName(name)
			if !e.IsDir() || !ok || seen[name] {
				continue
			}
			seen[name] = true
			if s, err := procStart(pid); err == nil && s == start {
				continue // its host process is alive
			}
			var g Group
			if m.v2 {
				g = m.v2Group(name)
			} else {
				g = m.v1Group(name)
			}
			errs = append(errs, g.Delete())
		}
	}
	return errors.Join(errs...)
}

// parseName splits "sandbox-<pid>-<start>-<seq>".
func parseName(name string) (pid int, start uint64, ok bool) {
	rest, ok := strings.CutPrefix(name, "sandbox-")
	f := strings.Split(rest, "-")
	if !ok || len(f) != 3 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(f[0])
	start, err2 := strconv.ParseUint(f[1], 10, 64)
	_, err3 := strconv.ParseUint(f[2], 10, 64)
	return pid, start, err1 == nil && err2 == nil && err3 == nil && pid > 0
}

// procStart returns the start time of process pid in clock ticks since boot
// (field 22 of /proc/<pid>/stat, proc(5)); with the pid it names a process
// uniquely across pid reuse.
func procStart(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	if i < 0 || len(f) < 20 {
		return 0, fmt.Errorf("cgroup: cannot parse /proc/%d/stat", pid)
	}
	return strconv.ParseUint(string(f[19]), 10, 64)
}
