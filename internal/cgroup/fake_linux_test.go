package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/sys/mountinfo"
)

// v1Files are the interface files the fake kernel creates in a new v1
// group, per controller, with their initial contents.
var v1Files = map[string]map[string]string{
	"memory": {
		"cgroup.procs": "", "memory.limit_in_bytes": "", "memory.memsw.limit_in_bytes": "", "memory.max_usage_in_bytes": "12345678\n",
		"memory.oom_control": "oom_kill_disable 1\nunder_oom 0\noom_kill 3\n",
	},
	"cpu":     {"cgroup.procs": "", "cpu.cfs_period_us": "", "cpu.cfs_quota_us": ""},
	"cpuacct": {"cgroup.procs": "", "cpuacct.usage": "1500000000\n"},
	"pids":    {"cgroup.procs": "", "pids.max": "", "pids.events": "max 2\n", "pids.peak": "5\n"},
	"freezer": {"cgroup.procs": "", "freezer.state": "THAWED\n"},
}

var v2Files = map[string]string{
	"cgroup.procs": "", "cgroup.events": "populated 0\nfrozen 0\n", "cgroup.kill": "",
	"cpu.stat": "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n", "cpu.max": "",
	"memory.max": "", "memory.swap.max": "", "memory.peak": "7654321\n",
	"memory.events": "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n",
	"pids.max":      "", "pids.events": "max 4\n", "pids.peak": "6\n",
}

func fakeMkdir(files func(ctrl string) map[string]string) func(ctrl, dir string) error {
	return func(ctrl, dir string) error {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		for name, content := range files(ctrl) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func fakeV1(t *testing.T, ctrls ...string) (*Manager, string) {
	root := t.TempDir()
	f := &fakeFS{mode: Hybrid, parents: map[string]string{}, mkdir: fakeMkdir(func(c string) map[string]string { return v1Files[c] })}
	for _, c := range ctrls {
		dir := filepath.Join(root, c, "parent")
		must(0, os.MkdirAll(dir, 0o755))
		for name, content := range v1Files[c] {
			must(0, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
		}
		f.parents[c] = dir
	}
	m, err := NewManager("", withFake(f))
	if err != nil {
		t.Fatal(err)
	}
	return m, root
}

func fakeV2(t *testing.T, files map[string]string) (*Manager, string) {
	dir := filepath.Join(t.TempDir(), "parent")
	must(0, os.Mkdir(dir, 0o755))
	must(0, os.WriteFile(filepath.Join(dir, "cgroup.controllers"), []byte("cpuset cpu io memory pids\n"), 0o644))
	must(0, os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("memory\n"), 0o644))
	f := &fakeFS{mode: Unified, parents: map[string]string{"": dir}, mkdir: fakeMkdir(func(string) map[string]string { return files })}
	m, err := NewManager("", withFake(f))
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

func TestFakeV1(t *testing.T) {
	m, _ := fakeV1(t, v1Controllers[:]...)
	if !m.memsw || len(m.missing) != 0 {
		t.Fatalf("memsw=%v missing=%v", m.memsw, m.missing)
	}
	g, err := m.New(Limits{Memory: 64 << 20, Pids: 8, CPUQuota: 1.5})
	if err != nil {
		t.Fatal(err)
	}
	v1 := g.(*v1Group)
	for file, want := range map[string]string{
		"memory/memory.limit_in_bytes":       "67108864",
		"memory/memory.memsw.limit_in_bytes": "67108864",
		"memory/memory.oom_control":          "0", // OOM killer re-enabled
		"pids/pids.max":                      "8",
		"cpu/cpu.cfs_quota_us":               "150000",
		"cpu/cpu.cfs_period_us":              "100000",
	} {
		ctrl, name, _ := strings.Cut(file, "/")
		got := string(must(os.ReadFile(filepath.Join(v1.ctrl[ctrl], name))))
		if name == "memory.oom_control" {
			got = got[:1] // the fake does not truncate
		}
		if got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if procs := g.ProcsFiles(); len(procs) != len(v1.dirs) || procs[0] != filepath.Join(v1.ctrl["freezer"], "cgroup.procs") {
		t.Errorf("ProcsFiles = %v, want one per hierarchy, freezer first", procs)
	}
	for _, p := range v1.procs {
		must(0, os.WriteFile(p, nil, 0o644)) // "exited"
	}
	s, err := g.Stats()
	want := Stats{CPUUsage: 1500 * time.Millisecond, MemoryPeak: 12345678, OOMKills: 3, PidsPeak: 5}
	if err != nil || s != want {
		t.Errorf("Stats = %+v, %v; want %+v", s, err, want)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	if st := string(must(os.ReadFile(filepath.Join(v1.ctrl["freezer"], "freezer.state")))); !strings.HasPrefix(st, "THAWED") {
		t.Errorf("freezer.state = %q after Kill, want THAWED", st)
	}
	if err := g.Delete(); err != nil {
		t.Fatal(err)
	}
	for _, d := range v1.dirs {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left: %v", d, err)
		}
	}
}

func TestFakeV1MissingController(t *testing.T) {
	m, _ := fakeV1(t, "memory", "cpuacct", "freezer") // no pids, no cpu
	if _, err := m.New(Limits{Pids: 8}); !errors.Is(err, ErrCgroupUnavailable) || !strings.Contains(err.Error(), "pids") {
		t.Errorf("New(Pids) = %v, want ErrCgroupUnavailable naming pids", err)
	}
	if _, err := m.New(Limits{CPUQuota: 1}); !errors.Is(err, ErrCgroupUnavailable) {
		t.Errorf("New(CPUQuota) = %v, want ErrCgroupUnavailable", err)
	}
	g, err := m.New(Limits{Memory: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	must(0, g.Delete())
	f := &fakeFS{mode: Legacy, parents: map[string]string{"memory": t.TempDir()}}
	if _, err := NewManager("", withFake(f)); !errors.Is(err, ErrCgroupUnavailable) {
		t.Errorf("NewManager without freezer = %v", err)
	}
}

func TestFakeV2(t *testing.T) {
	m, parent := fakeV2(t, v2Files)
	if len(m.missing) != 0 {
		t.Fatalf("missing = %v", m.missing)
	}
	g, err := m.New(Limits{Memory: 64 << 20, Pids: 8, CPUQuota: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Delete()
	if filepath.Dir(g.Path()) != parent || !strings.HasPrefix(filepath.Base(g.Path()), m.prefix) {
		t.Errorf("Path = %s", g.Path())
	}
	for file, want := range map[string]string{"memory.max": "67108864", "memory.swap.max": "0", "pids.max": "8", "cpu.max": "25000 100000"} {
		if got := string(must(os.ReadFile(filepath.Join(g.Path(), file)))); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if procs := g.ProcsFiles(); len(procs) != 1 || procs[0] != filepath.Join(g.Path(), "cgroup.procs") {
		t.Errorf("ProcsFiles = %v", procs)
	}
	s, err := g.Stats()
	want := Stats{CPUUsage: 2500 * time.Millisecond, MemoryPeak: 7654321, OOMKills: 2, PidsPeak: 6}
	if err != nil || s != want {
		t.Errorf("Stats = %+v, %v; want %+v", s, err, want)
	}
	// A populated group: the fake kernel empties it when cgroup.kill is written.
	events := filepath.Join(g.Path(), "cgroup.events")
	setEvents := func(s string) {
		must(0, os.WriteFile(events+".tmp", []byte(s), 0o644))
		must(0, os.Rename(events+".tmp", events))
	}
	setEvents("populated 1\nfrozen 0\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for string(must(os.ReadFile(filepath.Join(g.Path(), "cgroup.kill")))) != "1" {
			time.Sleep(time.Millisecond)
		}
		setEvents("populated 0\nfrozen 0\n")
	}()
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	dir := g.Path()
	if err := g.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left", dir)
	}
	if err := g.Delete(); err != nil {
		t.Errorf("second Delete = %v", err)
	}
}

func TestFakeV2MemoryPeakMissing(t *testing.T) {
	files := map[string]string{}
	for k, v := range v2Files {
		if k != "memory.peak" && k != "pids.peak" {
			files[k] = v
		}
	}
	m, _ := fakeV2(t, files)
	g := must(m.New(Limits{}))
	defer g.Delete()
	s, err := g.Stats()
	for _, f := range []string{"memory.peak", "pids.peak"} {
		if !errors.Is(err, ErrStatUnavailable) || !strings.Contains(err.Error(), f) {
			t.Errorf("Stats error = %v, want ErrStatUnavailable naming %s", err, f)
		}
	}
	if s.MemoryPeak != -1 || s.PidsPeak != -1 || s.OOMKills != 2 || s.CPUUsage != 2500*time.Millisecond {
		t.Errorf("Stats = %+v, want MemoryPeak and PidsPeak -1 and the rest read", s)
	}
}

// TestFakeV1PidsPeakMissing: before Linux 6.1 there is no pids.peak; the
// peak is -1, never 0, and the rest is read.
func TestFakeV1PidsPeakMissing(t *testing.T) {
	m, _ := fakeV1(t, v1Controllers[:]...)
	g := must(m.New(Limits{}))
	defer g.Delete()
	must(0, os.Remove(filepath.Join(g.(*v1Group).ctrl["pids"], "pids.peak")))
	s, err := g.Stats()
	if !errors.Is(err, ErrStatUnavailable) || !strings.Contains(err.Error(), "pids.peak") {
		t.Errorf("Stats error = %v, want ErrStatUnavailable naming pids.peak", err)
	}
	if s.PidsPeak != -1 || s.MemoryPeak != 12345678 || s.OOMKills != 3 {
		t.Errorf("Stats = %+v, want PidsPeak -1 and the rest read", s)
	}
}

func TestFakeV2NoDelegation(t *testing.T) {
	m, parent := fakeV2(t, v2Files)
	// A parent whose subtree_control cannot be written, as when it holds
	// processes: limits fail with guidance, a run without limits works.
	sub := filepath.Join(parent, "cgroup.subtree_control")
	must(0, os.Remove(sub))
	must(0, os.Mkdir(sub, 0o755)) // write fails
	m, err := NewManager("", withFake(m.fake))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.New(Limits{Pids: 4}); !errors.Is(err, ErrCgroupUnavailable) || !strings.Contains(err.Error(), parent) {
		t.Errorf("New(Pids) = %v, want ErrCgroupUnavailable naming %s", err, parent)
	}
	g, err := m.New(Limits{})
	if err != nil {
		t.Fatal(err)
	}
	must(0, g.Delete())
}

func TestFakeSweep(t *testing.T) {
	m, _ := fakeV1(t, v1Controllers[:]...)
	live := must(m.New(Limits{}))
	defer live.Delete()
	stale := fmt.Sprintf("sandbox-%d-1-7", os.Getpid()) // our pid, another start time
	for _, name := range []string{stale, "sandbox-x-1-1", "other"} {
		for _, p := range m.parents {
			must(0, os.Mkdir(filepath.Join(p, name), 0o755))
		}
	}
	if err := m.Sweep(); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.parents {
		if _, err := os.Stat(filepath.Join(p, stale)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stale group in %s not swept", p)
		}
		for _, keep := range []string{"sandbox-x-1-1", "other", filepath.Base(live.Path())} {
			if _, err := os.Stat(filepath.Join(p, keep)); err != nil {
				t.Errorf("Sweep removed %s: %v", keep, err)
			}
		}
	}
}

func TestParseName(t *testing.T) {
	for name, ok := range map[string]bool{
		"sandbox-12-345-6": true, "sandbox-12-345": false, "sandbox-0-1-1": false,
		"sandbox-a-1-1": false, "sandbox-1-2-3-4": false, "sandboxes": false,
	} {
		if _, _, got := parseName(name); got != ok {
			t.Errorf("parseName(%q) ok = %v", name, got)
		}
	}
}

func TestParentDirs(t *testing.T) {
	v1 := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/cpu,cpuacct", Root: "/", FSType: "cgroup", VFSOptions: "rw,cpu,cpuacct"},
		{Mountpoint: "/sys/fs/cgroup/memory", Root: "/", FSType: "cgroup", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/pids", Root: "/", FSType: "cgroup", VFSOptions: "rw,pids"},
		{Mountpoint: "/sys/fs/cgroup/freezer", Root: "/", FSType: "cgroup", VFSOptions: "rw,freezer"},
	}
	self := []byte("9:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n6:freezer:/\n0::/\n")
	for _, tc := range []struct {
		parent string
		want   map[string]string
	}{
		{"", map[string]string{"memory": "/sys/fs/cgroup/memory/process_api/abc", "cpu": "/sys/fs/cgroup/cpu,cpuacct/x",
			"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/x", "pids": "/sys/fs/cgroup/pids", "freezer": "/sys/fs/cgroup/freezer"}},
		{"/judge", map[string]string{"memory": "/sys/fs/cgroup/memory/judge", "cpu": "/sys/fs/cgroup/cpu,cpuacct/judge",
			"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/judge", "pids": "/sys/fs/cgroup/pids/judge", "freezer": "/sys/fs/cgroup/freezer/judge"}},
		{"/sys/fs/cgroup/memory/judge/", map[string]string{"memory": "/sys/fs/cgroup/memory/judge", "cpu": "/sys/fs/cgroup/cpu,cpuacct/judge",
			"cpuacct": "/sys/fs/cgroup/cpu,cpuacct/judge", "pids": "/sys/fs/cgroup/pids/judge", "freezer": "/sys/fs/cgroup/freezer/judge"}},
	} {
		got, err := parentDirs(tc.parent, false, v1, self)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("v1 parentDirs(%q) = %v, %v; want %v", tc.parent, got, err, tc.want)
		}
	}
	v2 := []*mountinfo.Info{{Mountpoint: "/sys/fs/cgroup", Root: "/", FSType: "cgroup2"}}
	self = []byte("0::/system.slice/judge.service\n")
	for parent, want := range map[string]string{
		"":                              "/sys/fs/cgroup/system.slice/judge.service",
		"/system.slice/judge.service":   "/sys/fs/cgroup/system.slice/judge.service",
		"/sys/fs/cgroup/sandboxes":      "/sys/fs/cgroup/sandboxes",
		"/sys/fs/cgroup":                "/sys/fs/cgroup",
		"system.slice/judge.service/..": "/sys/fs/cgroup/system.slice",
	} {
		got, err := parentDirs(parent, true, v2, self)
		if err != nil || got[""] != want {
			t.Errorf("v2 parentDirs(%q) = %v, %v; want %s", parent, got, err, want)
		}
	}
	// A cgroup namespace or bind mount whose root hides our path.
	v2[0].Root = "/other"
	if _, err := parentDirs("", true, v2, self); err == nil {
		t.Error("parentDirs with an invisible path: no error")
	}
}

func TestLimitsValidate(t *testing.T) {
	for _, tc := range []struct {
		l    Limits
		want string // "" = valid
	}{
		{Limits{}, ""},
		{Limits{Memory: 64 << 20, Pids: 32, CPUQuota: 0.5}, ""},
		{Limits{Memory: -1}, "memory limit -1"},
		{Limits{Memory: 1 << 60}, "memory limit"},
		{Limits{Pids: -5}, "pids limit -5"},
		{Limits{CPUQuota: -0.5}, "CPU quota -0.5"},
		{Limits{CPUQuota: math.NaN()}, "CPU quota NaN"},
		{Limits{CPUQuota: 0.001}, "between 0.01 and 65536"},
		{Limits{CPUQuota: math.Inf(1)}, "CPU quota +Inf"},
		{Limits{Memory: 4096}, "between 1 MiB and 1 PiB"},
		{Limits{Pids: 1 << 23}, "between 1 and 4194304"},
		{Limits{Memory: MinMemory, Pids: MaxPids, CPUQuota: MaxCPUQuota}, ""},
		{Limits{Memory: MaxMemory, Pids: 1, CPUQuota: MinCPUQuota}, ""},
	} {
		err := tc.l.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v.Validate() = %v, want %q", tc.l, err, tc.want)
		}
	}
	if err := (Limits{Memory: -1, Pids: -1}).Validate(); strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("want both errors joined, got %v", err)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{Unavailable: "unavailable", Legacy: "legacy", Hybrid: "hybrid", Unified: "unified", 9: "Mode(9)"} {
		if m.String() != want {
			t.Errorf("%d.String() = %q", int(m), m.String())
		}
	}
}
