package sandbox

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// stagesOf lists the stages of seq in order, each run of one stage once.
func stagesOf(seq *child.Seq) []child.Stage {
	var out []child.Stage
	for _, in := range seq.Info {
		if len(out) == 0 || out[len(out)-1] != in.Stage {
			out = append(out, in.Stage)
		}
	}
	return out
}

func stageNames(st []child.Stage) string {
	var b strings.Builder
	for i, s := range st {
		if i > 0 {
			b.WriteString(" → ")
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// planFor plans a run of sb as planRun would see it, with made-up
// descriptors: no privilege and no system call needed.
func planFor(t testing.TB, sb *Sandbox, ns Namespace, vm, joinNet bool) *runPlan {
	t.Helper()
	return planRun(specFor(t, sb, ns, vm, joinNet))
}

// specFor is the runSpec planFor plans, for a test to change first.
func specFor(t testing.TB, sb *Sandbox, ns Namespace, vm, joinNet bool) *runSpec {
	t.Helper()
	if len(sb.errs) > 0 {
		t.Fatal(sb.errs)
	}
	cfg := sb.cfg
	c, err := checkCmd(exec.Command("/bin/true"))
	if err != nil {
		t.Fatal(err)
	}
	filter, err := cfg.seccomp.instructions()
	if err != nil {
		t.Fatal(err)
	}
	s := &runSpec{cfg: &cfg, ns: ns, cmd: c, filter: filter, vm: vm,
		fds: runFDs{report: 10, execR: 11, execW: 12, sync: 13, parent: 15, joinNet: -1, template: -1, stdio: []int{5, 6, 6}}}
	if cfg.limits.needCgroup() {
		s.fds.cgroupProcs = []int{20, 21, 22}
	}
	if joinNet {
		s.fds.joinNet = 14
	}
	return s
}

// TestPlanOrder pins the order of the steps of init and of the command for
// representative configurations: the order is what makes each protection
// hold (a credential change clears the parent-death signal; seccomp must
// come last so that the setup's own calls need not be allowed; the cgroup
// namespace is unshared from inside the run's group, …).
func TestPlanOrder(t *testing.T) {
	const defaultNS = PID | Net | Mount | IPC | UTS | Cgroup
	tests := []struct {
		name    string
		sb      *Sandbox
		ns      Namespace
		vm      bool
		joinNet bool
	}{
		{"defaults, root, shared memory", New(), defaultNS, true, false},
		{"defaults, pooled network", New(), defaultNS, true, true},
		{"limits", New().MemoryLimit(64 << 20).PidsLimit(16), defaultNS, true, false},
		{"user namespace", New().MemoryLimit(64 << 20), defaultNS | User, false, false},
		{"no PID namespace", New(), Net | Mount | IPC | UTS, true, false},
		{"time namespace", New().TimeOffsets(time.Hour, time.Hour), defaultNS | Time, false, false},
		{"no seccomp, nothing", New().Seccomp(nil), 0, false, false},
		{"no seccomp, user namespace, forked", New().Seccomp(nil), User | Mount | PID, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp := planFor(t, tt.sb, tt.ns, tt.vm, tt.joinNet)
			p := rp.plan
			init, post, cmd := stagesOf(&p.Init), stagesOf(&p.InitPost), stagesOf(&p.Cmd)
			t.Logf("init: %s", stageNames(init))
			t.Logf("init after the root: %s", stageNames(post))
			t.Logf("command: %s", stageNames(cmd))
			before := func(list []child.Stage, a, b child.Stage) {
				t.Helper()
				i, j := slices.Index(list, a), slices.Index(list, b)
				if i < 0 || j < 0 {
					t.Errorf("%v or %v missing: %s", a, b, stageNames(list))
					return
				}
				last := i
				for k, s := range list {
					if s == a {
						last = k
					}
				}
				if last > j {
					t.Errorf("%v not before %v: %s", a, b, stageNames(list))
				}
			}
			absent := func(list []child.Stage, a child.Stage) {
				t.Helper()
				if slices.Contains(list, a) {
					t.Errorf("unexpected %v: %s", a, stageNames(list))
				}
			}

			// init: only its descriptors first; nothing before the gate
			// but the parent-death signal; the setup in its new session.
			// The gate is the parent's "go" with a user namespace (the id
			// maps are written then), else a check that the parent is
			// alive.
			if init[0] != child.StageCloseFDs {
				t.Errorf("init does not start by closing descriptors: %s", stageNames(init))
			}
			gate := child.StageSync
			if tt.ns&User == 0 {
				gate = child.StageParentAlive
				absent(init, child.StageSync)
			}
			if i := slices.Index(init, child.StagePdeathsig); i < 0 || i > slices.Index(init, gate) || init[i+1] != gate {
				t.Errorf("no pdeathsig right before the %v: %s", gate, stageNames(init))
			}
			afterGate := func(st child.Stage) {
				t.Helper()
				if i, j := slices.Index(init, gate), slices.Index(init, st); i < 0 || j < i {
					t.Errorf("%v not after the %v: %s", st, gate, stageNames(init))
				}
			}
			// The kernel clears the parent-death signal on a change of
			// credentials: it is set after the last one, then the parent is
			// checked to be alive still.
			pdeathAfterCreds := func(list []child.Stage, creds ...child.Stage) {
				t.Helper()
				last := -1
				for i, st := range list {
					if slices.Contains(creds, st) {
						last = i
					}
				}
				if last < 0 {
					return
				}
				rest := list[last+1:]
				i := slices.Index(rest, child.StagePdeathsig)
				if i < 0 || i+1 >= len(rest) || rest[i+1] != child.StageParentAlive {
					t.Errorf("no pdeathsig and parent check after the last change of credentials: %s", stageNames(list))
				}
			}
			pdeathAfterCreds(init, child.StageSetuid)
			pdeathAfterCreds(cmd, child.StageSetuid, child.StageCapabilities, child.StageSecurebits)
			if tt.joinNet {
				afterGate(child.StageJoinNet)
			} else {
				absent(init, child.StageJoinNet)
			}
			if tt.ns&User != 0 {
				afterGate(child.StageSetuid)
			} else {
				absent(init, child.StageSetuid)
			}
			if tt.ns&Time != 0 {
				afterGate(child.StageUnshareTime)
				before(init, child.StageUnshareTime, child.StageTimeOffsets)
			}
			afterGate(child.StageSetsid)
			// A pooled namespace's loopback is up already.
			if (tt.ns&Net != 0 && !tt.joinNet) != slices.Contains(post, child.StageLoopback) {
				t.Errorf("loopback (Net %v, joined %v): %s", tt.ns&Net != 0, tt.joinNet, stageNames(post))
			}
			if tt.vm == slices.Contains(post, child.StageNonDumpable) {
				t.Errorf("non-dumpable (shared memory %v): %s", tt.vm, stageNames(post))
			}

			// The command: the cgroup first, then its own group, then
			// rlimits and identity, no_new_privs, seccomp last, execve.
			if tt.sb.cfg.limits.needCgroup() {
				if cmd[0] != child.StageCgroupJoin {
					t.Errorf("the command does not join its cgroup first: %s", stageNames(cmd))
				}
				if tt.ns&Cgroup != 0 {
					before(cmd, child.StageCgroupJoin, child.StageUnshareCgroup)
				}
			} else {
				absent(cmd, child.StageCgroupJoin)
			}
			for _, st := range []child.Stage{child.StageSetpgid, child.StageFDs, child.StageRlimit,
				child.StageCapabilities, child.StageSecurebits, child.StageSetuid, child.StageChdir} {
				before(cmd, st, child.StageNoNewPrivs)
			}
			// The bounding set and securebits while privileged, the
			// capability sets emptied after the ids changed.
			before(cmd, child.StageSecurebits, child.StageSetuid)
			if cmd[slices.Index(cmd, child.StageSetuid)+1] != child.StageCapabilities {
				t.Errorf("the capability sets are not emptied after setuid: %s", stageNames(cmd))
			}
			if cmd[len(cmd)-1] != child.StageExecve {
				t.Errorf("the command does not end in execve: %s", stageNames(cmd))
			}
			if tt.sb.cfg.seccomp.off {
				absent(cmd, child.StageSeccomp)
			} else {
				before(cmd, child.StageNoNewPrivs, child.StageSeccomp)
				if cmd[len(cmd)-2] != child.StageSeccomp {
					t.Errorf("seccomp is not the last step before execve: %s", stageNames(cmd))
				}
			}
			// A forked command resets only what the test process
			// ignores (nohup's SIGHUP, say); a vforked one also unblocks.
			if tt.vm || anyIgnored() {
				before(cmd, child.StageSignals, child.StageExecve)
			} else {
				absent(cmd, child.StageSignals)
			}
			// The command's peak RSS is measured after every step but
			// seccomp and execve (rssFloor: nothing may grow it after).
			i := slices.Index(cmd, child.StagePeakRSS)
			if i < 0 || slices.ContainsFunc(cmd[i:], func(st child.Stage) bool {
				return st != child.StagePeakRSS && st != child.StageSeccomp && st != child.StageExecve
			}) {
				t.Errorf("the peak RSS is not measured last before seccomp and execve: %s", stageNames(cmd))
			}
		})
	}
}

// TestStageNames: every stage has its own name, which is what
// SetupError.Stage says.
func TestStageNames(t *testing.T) {
	seen := map[string]child.Stage{}
	unnamed := -1
	for s := child.StageUnknown; s < 255; s++ {
		name := s.String()
		if strings.HasPrefix(name, "Stage(") {
			if unnamed < 0 {
				unnamed = int(s)
			}
			continue
		}
		if unnamed >= 0 {
			t.Errorf("stage %d has no name, %d is %q", unnamed, s, name)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("stages %d and %d are both %q", prev, s, name)
		}
		seen[name] = s
	}
	if len(seen) < 40 {
		t.Errorf("only %d stages", len(seen))
	}
	if got := child.StageExecve.String(); got != "execve" {
		t.Errorf("StageExecve = %q", got)
	}
}

// BenchmarkPlanRun: planning a root run's steps in the parent, on every
// run's path before the clone (init inherits an empty bounding set and no
// signal handlers, as on this project's machines).
func BenchmarkPlanRun(b *testing.B) {
	s := specFor(b, New(), defaultNamespaces, true, true)
	s.boundingEmpty, s.clearSighand, s.fds.template = true, true, 15
	b.ReportAllocs()
	for b.Loop() {
		planRun(s)
	}
}

// TestPlanGate: init waits for the parent's "go" only when the parent has
// something to do first (id maps; opening a fresh namespace to pool) or
// has no pidfd of itself to hand over; otherwise it polls that pidfd, which
// shows the parent's death whoever else holds the sync pipe.
func TestPlanGate(t *testing.T) {
	for _, tt := range []struct {
		name     string
		ns       Namespace
		parent   int
		pool     bool
		joinNet  bool
		waitGo   bool
		pollFDs  []int32 // the descriptors init's parent-alive polls look at
		syncRead bool
	}{
		{"joined namespace", defaultNamespaces, 15, true, true, false, []int32{15}, false},
		{"no network pooling", defaultNamespaces, 15, false, false, false, []int32{15}, false},
		{"a fresh namespace to pool", defaultNamespaces, 15, true, false, true, nil, true},
		{"no pidfd", defaultNamespaces, -1, true, true, true, nil, true},
		{"user namespace", defaultNamespaces | User, 15, false, false, true, []int32{15}, true},
		{"user namespace, no pidfd", defaultNamespaces | User, -1, false, false, true, []int32{13}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := specFor(t, New(), tt.ns, true, tt.joinNet)
			s.fds.parent, s.pool = tt.parent, tt.pool
			rp := planRun(s)
			if s.waitGo() != tt.waitGo {
				t.Errorf("waitGo = %v, want %v", s.waitGo(), tt.waitGo)
			}
			var polls []int32
			syncRead := false
			for i, op := range rp.plan.Init.Ops {
				switch in := rp.plan.Init.Info[i]; {
				case op.Nr == unix.SYS_PPOLL && in.Stage == child.StageParentAlive:
					pfd := *(**unix.PollFd)(unsafe.Pointer(&op.Args[0])) // kept alive by the plan
					polls = append(polls, pfd.Fd)
					if pfd.Fd == int32(tt.parent) && pfd.Events != unix.POLLIN {
						t.Errorf("the pidfd is polled for %#x, want POLLIN", pfd.Events)
					}
				case op.Nr == unix.SYS_READ && in.Stage == child.StageSync:
					syncRead = op.Args[0] == uintptr(s.fds.sync)
				}
			}
			if !slices.Equal(polls, tt.pollFDs) || syncRead != tt.syncRead {
				t.Errorf("init polls %v and reads the sync pipe: %v; want %v and %v", polls, syncRead, tt.pollFDs, tt.syncRead)
			}
			if tt.parent >= 0 && closedByInit(rp.plan, tt.parent) {
				t.Errorf("init closes the pidfd %d before it polls it", tt.parent)
			}
		})
	}
}

// closedByInit says whether one of init's steps closes fd.
func closedByInit(pl *child.Plan, fd int) bool {
	for _, op := range pl.Init.Ops {
		a := op.Args
		switch {
		case op.Nr == unix.SYS_CLOSE_RANGE && a[2]&unix.CLOSE_RANGE_CLOEXEC == 0 && int(a[0]) <= fd && uint64(fd) <= uint64(a[1]):
			return true
		case op.Nr == unix.SYS_CLOSE && int(a[0]) == fd:
			return true
		}
	}
	return false
}
