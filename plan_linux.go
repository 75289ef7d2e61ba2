package sandbox

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// runPlan is one run's plan plus what the parent must do around the fork.
type runPlan struct {
	plan      *child.Plan
	userns    bool
	insideUID int
	insideGID int
}

// runFDs are the descriptors the parent made for one run, by the numbers
// the child inherits them under.
type runFDs struct {
	report       int   // write end of the report pipe (init → parent)
	execR, execW int   // the exec pipe (command → init: EOF is success)
	sync         int   // read end of the sync pipe (parent → init: "go"), or -1 (waitGo)
	parent       int   // a pidfd of this process (parentPidfd), or -1
	joinNet      int   // a pooled network namespace for init to join, or -1
	template     int   // the root's template mount namespace, or -1 (roottemplate_linux.go)
	cgroupProcs  []int // the run's cgroup.procs files, for the command
	landlock     []int // the Landlock backend's rules' O_PATH descriptors, for the command
	stdio        []int // the command's descriptors 0, 1, 2, …; -1 is closed
}

// runSpec is everything planRun needs: the run's configuration, what the
// parent decided for it and the descriptors it made.
type runSpec struct {
	cfg      *config
	ns       Namespace
	cmd      *command
	filter   []unix.SockFilter // nil: no seccomp
	vm       bool              // init shares the embedder's memory (canShareMemory)
	root     *child.Shared     // the planned root filesystem, with Mount
	assemble *child.Shared     // the root's template steps, when the run takes them itself (rootFor)
	// boundingEmpty: init is cloned with an empty capability bounding
	// set (child.BoundingSetEmpty), so the command need not drop it.
	boundingEmpty bool
	// clearSighand: a VM init starts with the handlers reset
	// (child.Plan.ClearSighand), so the command resets only the signals
	// the embedding process ignores.
	clearSighand bool
	pool         bool         // the run's network namespace is pooled after it
	landlock     *landlockRun // the Landlock backend's run, or nil
	fds          runFDs
}

// planRun turns a run into the child's ordered lists of steps. It is pure:
// it makes no system call and takes nothing from the host but what spec
// holds, so the order of the steps can be tested without privileges.
//
// init: close what it does not need, pdeathsig, wait for the parent's "go"
// (after the id maps, or after it opened a fresh namespace to pool) or
// else check that the parent is alive, join a pooled network namespace,
// take the mapped ids (User) then set pdeathsig again and check the parent
// is alive, unshare the time namespace (Time), setsid, umask, note its
// PID; then the root filesystem (Root); then the host name, a fresh
// namespace's loopback, non-dumpable (InitPost); fork the command and
// close the command's ends (PostFork).
//
// The command: join the cgroup, unshare the cgroup namespace, its own
// process group, pdeathsig, descriptors, rlimits, capabilities and ids,
// pdeathsig again and a check that init is still its parent, chdir,
// no_new_privs, umask, signals (vfork only), seccomp, execve.
func planRun(s *runSpec) *runPlan {
	pl := child.NewPlan()
	rp := &runPlan{plan: pl, userns: s.ns&User != 0, insideUID: s.cfg.uid, insideGID: s.cfg.gid}
	pl.CloneFlags = cloneFlags(s.ns)
	if s.fds.joinNet >= 0 {
		pl.CloneFlags &^= unix.CLONE_NEWNET
	}
	if s.fds.template >= 0 {
		pl.CloneFlags &^= unix.CLONE_NEWNS // init copies the template instead
	}
	pl.PID1 = s.ns&PID != 0
	pl.VM = s.vm
	pl.ClearSighand = s.vm && s.clearSighand
	pl.ReportW, pl.ExecR, pl.ExecW = s.fds.report, s.fds.execR, s.fds.execW
	pl.Root, pl.Assemble = s.root, s.assemble
	planInit(s, rp)
	planCmd(s, rp, &pl.Cmd)
	return rp
}

// cloneFlags maps a namespace set to clone(2) flags. Cgroup and Time are
// unshared by init itself, after it joined its cgroup.
func cloneFlags(ns Namespace) uintptr {
	var f uintptr
	for n, flag := range map[Namespace]uintptr{
		PID: unix.CLONE_NEWPID, Net: unix.CLONE_NEWNET, Mount: unix.CLONE_NEWNS,
		IPC: unix.CLONE_NEWIPC, User: unix.CLONE_NEWUSER, UTS: unix.CLONE_NEWUTS,
	} {
		if ns&n != 0 {
			f |= flag
		}
	}
	return f
}

// gapsClose adds close_range steps that close every descriptor but keep.
func gapsClose(seq *child.Seq, keep []int) {
	keep = slices.Clone(keep)
	slices.Sort(keep)
	info := child.Info{Stage: child.StageCloseFDs, Index: -1}
	next := 0
	for _, fd := range keep {
		if fd < 0 {
			continue
		}
		if fd > next {
			seq.Add(info, unix.SYS_CLOSE_RANGE, uintptr(next), uintptr(fd-1), 0).Flags = child.FlagIgnore
		}
		next = fd + 1
	}
	seq.Add(info, unix.SYS_CLOSE_RANGE, uintptr(next), ^uintptr(0)>>32, 0).Flags = child.FlagIgnore
}

// loopbackUp is the request of ioctl(SIOCSIFFLAGS) that brings lo up.
func loopbackUp() *unix.Ifreq {
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		panic(err) // only for a name of IFNAMSIZ or more
	}
	ifr.SetUint16(unix.IFF_UP)
	return ifr
}

// info describes a step that is about no item and no path.
func info(stage child.Stage) child.Info { return child.Info{Stage: stage, Index: -1} }

// waitGo says whether init waits for the parent's "go" on the sync pipe
// (which exists only then): when the parent has something to do first,
// write the id maps (User) or open a fresh network namespace to pool before
// init can turn non-dumpable, or when it has no pidfd of its own to hand
// over (a read that gives EOF also means the parent died). Otherwise init
// goes on at once, once it has checked that the parent did not die before
// the parent-death signal was set.
func (s *runSpec) waitGo() bool {
	return s.ns&User != 0 || s.fds.parent < 0 || (s.pool && s.fds.joinNet < 0)
}

// planParentAlive has init check, without waiting, that the parent
// process is alive: a pidfd of it is readable once it has exited. Without
// one, the sync pipe's hang-up says so (the parent holds its write end
// until the command has started), but only once every process that holds
// a copy of that end has closed it, such as another init just cloned.
func planParentAlive(seq *child.Seq, pl *child.Plan, fds *runFDs) {
	pfd := &unix.PollFd{Fd: int32(fds.parent), Events: unix.POLLIN}
	if fds.parent < 0 {
		pfd = &unix.PollFd{Fd: int32(fds.sync)}
	}
	op := seq.Add(info(child.StageParentAlive), unix.SYS_PPOLL, child.Keep(&pl.Keeper, pfd), 1,
		child.Keep(&pl.Keeper, &unix.Timespec{}), 0, 0)
	op.Flags, op.Expect = child.FlagExpect, 0
}

// planInit plans init's own steps: everything that is shared by the whole
// sandbox (namespaces, the root filesystem, the host name, the network).
func planInit(s *runSpec, rp *runPlan) {
	c, pl, fds := s.cfg, rp.plan, &s.fds
	seq := &pl.Init
	// init keeps only what it needs; the fork hands it the whole table.
	keep := []int{fds.report, fds.execR, fds.execW, fds.sync, fds.parent, fds.joinNet, fds.template}
	keep = append(keep, fds.cgroupProcs...)
	keep = append(keep, fds.landlock...)
	keep = append(keep, fds.stdio...)
	gapsClose(seq, keep)
	planPdeathsig(seq)
	if s.waitGo() {
		op := seq.Add(info(child.StageSync), unix.SYS_READ, uintptr(fds.sync), pl.Bytes(make([]byte, 1)), 1)
		op.Flags, op.Expect = child.FlagExpect, 1
	} else {
		planParentAlive(seq, pl, fds)
	}
	if fds.joinNet >= 0 {
		seq.Add(info(child.StageJoinNet), unix.SYS_SETNS, uintptr(fds.joinNet), unix.CLONE_NEWNET)
	}
	if rp.userns {
		// Become the mapped IDs so files made from here on are ours.
		seq.Add(info(child.StageSetuid), unix.SYS_SETRESGID, uintptr(rp.insideGID), uintptr(rp.insideGID), uintptr(rp.insideGID))
		seq.Add(info(child.StageSetuid), unix.SYS_SETRESUID, uintptr(rp.insideUID), uintptr(rp.insideUID), uintptr(rp.insideUID))
		// The change of ids cleared the parent-death signal (prctl(2)).
		planPdeathsig(seq)
		planParentAlive(seq, pl, fds)
	}
	if s.ns&Time != 0 {
		seq.Add(info(child.StageUnshareTime), unix.SYS_UNSHARE, unix.CLONE_NEWTIME)
		if c.timeMono != 0 || c.timeBoot != 0 {
			ms, mns := splitOffset(c.timeMono)
			bs, bns := splitOffset(c.timeBoot)
			text := fmt.Sprintf("monotonic %d %d\nboottime %d %d\n", ms, mns, bs, bns)
			const path = "/proc/self/timens_offsets"
			at := child.Info{Stage: child.StageTimeOffsets, Index: -1, Path: path,
				Detail: fmt.Sprintf("monotonic %v, boottime %v", c.timeMono, c.timeBoot)}
			op := seq.Add(at, unix.SYS_OPENAT, child.AtFDCWD, pl.Str(path), unix.O_WRONLY|unix.O_CLOEXEC)
			op.Flags, op.Reg = child.FlagSave, 1
			op = seq.Add(at, unix.SYS_WRITE, 1, pl.Str(text), uintptr(len(text)))
			op.Use, op.Flags, op.Expect = 1, child.FlagExpect, uintptr(len(text))
			seq.Add(at, unix.SYS_CLOSE, 1).Use = 1
		}
	}
	seq.Add(info(child.StageSetsid), unix.SYS_SETSID)
	seq.Add(info(child.StageUmask), unix.SYS_UMASK, 0)
	// Its PID, for the command to check its parent against.
	op := seq.Add(info(child.StageParentAlive), unix.SYS_GETPID)
	op.Flags, op.Reg = child.FlagSave, child.RegInitPID
	if fds.template >= 0 {
		planEnterRoot(seq, fds.template)
	}

	seq = &pl.InitPost
	if s.ns&UTS != 0 {
		seq.Add(child.Info{Stage: child.StageSethostname, Index: -1, Detail: fmt.Sprintf("host name %q", c.hostname)}, unix.SYS_SETHOSTNAME,
			pl.Str(c.hostname), uintptr(len(c.hostname)))
	}
	// A pooled namespace's loopback is up already: the run that made it
	// brought it up, and no run has the capability to bring it down.
	if s.ns&Net != 0 && fds.joinNet < 0 {
		ifr := loopbackUp()
		op := seq.Add(info(child.StageLoopback), unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		op.Flags, op.Reg = child.FlagSave, 2
		seq.Add(info(child.StageLoopback), unix.SYS_IOCTL, 2, unix.SIOCSIFFLAGS, child.Keep(&pl.Keeper, ifr)).Use = 1
		seq.Add(info(child.StageLoopback), unix.SYS_CLOSE, 2).Use = 1
	}
	if !pl.VM {
		// init shares nothing with the embedding process: make its memory
		// and /proc/1/exe unreachable even for a command with its uid.
		seq.Add(info(child.StageNonDumpable), unix.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0)
	}
	gapsClose(&pl.PostFork, []int{fds.report, fds.execR})
}

// canShareMemory says whether init may share the embedding process's memory
// (child.Plan.VM): only where the command can never reach init, because it
// runs under another uid than init's root and without capabilities, or,
// with the Landlock backend, because Landlock refuses it ptrace access to
// any process outside its domain (so /proc/PID/mem and the like) — init's
// memory is then no more exposed than the embedding process itself, of the
// same uid — and init need not change the shared mm's state. A time
// namespace needs a real fork on Linux 6.1.
func canShareMemory(c *config, ns Namespace) bool {
	return child.VMSupported && ns&(User|Time) == 0 && (c.backend == Landlock || os.Geteuid() == 0 && c.uid != 0)
}

// sigactionSize is sizeof(struct sigaction) as rt_sigaction(2) takes it on
// this architecture's kernel (handler, flags, restorer, mask).
const sigactionSize = 32

// planPdeathsig adds the step that has the process killed when its parent
// dies. The kernel clears that setting on every change of the effective or
// file-system uid or gid (prctl(2)), so it is planned again after each.
func planPdeathsig(seq *child.Seq) {
	seq.Add(info(child.StagePdeathsig), unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL))
}

// planSignalReset puts every signal of the command back to its default
// action and, for a command started with vfork from an init that shares
// the embedding process's memory, which inherited init's full mask, blocks
// none. A forked command had the Go runtime's handlers reset by
// runtime_AfterForkInChild, and a vforked one by the clone of its init
// when that could reset them (ClearSighand): each resets only the signals
// the embedding process ignores (which survive both, and execve), as
// signal.Ignored knows them; an ignore made behind the runtime's back, by
// a raw system call, would be inherited, as by os/exec's commands. Any
// other vforked command resets every signal: its init has the runtime's
// handlers.
func planSignalReset(pl *child.Plan, seq *child.Seq) {
	info := info(child.StageSignals)
	dfl := pl.Bytes(make([]byte, sigactionSize))
	all := pl.VM && !pl.ClearSighand
	for sig := 1; sig <= 64; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) || !all && !signal.Ignored(syscall.Signal(sig)) {
			continue
		}
		seq.Add(info, unix.SYS_RT_SIGACTION, uintptr(sig), dfl, 0, 8).Flags = child.FlagIgnore
	}
	if !pl.VM {
		return
	}
	seq.Add(info, unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, pl.Bytes(make([]byte, 8)), 0, 8)
}

// planFDs adds the steps that put files[i] on descriptor i (-1: closed)
// and mark every other descriptor close-on-exec, in two passes as
// syscall.forkExec does.
func planFDs(seq *child.Seq, files []int, reserved []int) {
	info := info(child.StageFDs)
	fd := slices.Clone(files)
	next := len(files)
	for i := range fd {
		next = max(next, fd[i]+1)
	}
	for _, r := range reserved {
		next = max(next, r+1)
	}
	for i := range fd {
		if fd[i] >= 0 && fd[i] < i {
			seq.Add(info, unix.SYS_DUP3, uintptr(fd[i]), uintptr(next), unix.O_CLOEXEC)
			fd[i] = next
			next++
		}
	}
	for i := range fd {
		switch {
		case fd[i] == -1:
			seq.Add(info, unix.SYS_CLOSE, uintptr(i)).Flags = child.FlagIgnore
		case fd[i] == i:
			seq.Add(info, unix.SYS_FCNTL, uintptr(i), unix.F_SETFD, 0)
		default:
			seq.Add(info, unix.SYS_DUP3, uintptr(fd[i]), uintptr(i), 0)
		}
	}
	seq.Add(info, unix.SYS_CLOSE_RANGE, uintptr(len(files)), ^uintptr(0)>>32, unix.CLOSE_RANGE_CLOEXEC)
}

// planCmd plans the command's own steps, ending in execve.
func planCmd(s *runSpec, rp *runPlan, seq *child.Seq) {
	c, pl := s.cfg, rp.plan
	zero := pl.Str("0")
	for _, fd := range s.fds.cgroupProcs {
		op := seq.Add(info(child.StageCgroupJoin), unix.SYS_WRITE, uintptr(fd), zero, 1)
		op.Flags, op.Expect = child.FlagExpect, 1
	}
	if s.ns&Cgroup != 0 {
		// After joining: the command's cgroup root is its own group.
		seq.Add(info(child.StageUnshareCgroup), unix.SYS_UNSHARE, unix.CLONE_NEWCGROUP)
	}
	// A process group of its own in init's new session, which has no
	// controlling terminal: not being a session leader, the command can
	// never acquire one (TIOCSCTTY on a terminal handed in as stdin fails).
	seq.Add(info(child.StageSetpgid), unix.SYS_SETPGID, 0, 0)
	planPdeathsig(seq)
	planFDs(seq, s.fds.stdio, []int{pl.ExecW, pl.ReportW})
	for _, rl := range c.rlimitsFor() {
		lim := &unix.Rlimit{Cur: rl.cur, Max: rl.max}
		seq.Add(child.Info{Stage: child.StageRlimit, Index: -1, Detail: rl.String()}, unix.SYS_PRLIMIT64, 0, uintptr(rl.resource), child.Keep(&pl.Keeper, lim), 0)
	}
	if s.landlock != nil && !s.landlock.root {
		planUnprivilegedIdentity(pl, seq)
	} else {
		planIdentity(pl, seq, c.uid, c.gid, rp.userns, s.boundingEmpty)
	}
	// The change of ids cleared the parent-death signal: set it again,
	// then make sure init did not die before (the command would have been
	// reparented).
	planPdeathsig(seq)
	op := seq.Add(info(child.StageParentAlive), unix.SYS_GETPPID)
	op.Flags, op.Use, op.Expect = child.FlagExpect, child.UseExpect, child.RegInitPID
	dir := s.cmd.dir
	if dir == "" {
		dir = "/"
	}
	seq.Add(child.Info{Stage: child.StageChdir, Index: -1, Path: dir}, unix.SYS_CHDIR, pl.Str(dir))
	seq.Add(info(child.StageNoNewPrivs), unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	seq.Add(info(child.StageUmask), unix.SYS_UMASK, 0o022)
	planSignalReset(pl, seq)
	if s.landlock != nil {
		s.landlock.planRestrict(pl, seq)
	}
	planPeakRSS(pl, seq)
	if filter := s.filter; len(filter) > 0 {
		prog := &unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
		pl.Bytes(unsafe.Slice((*byte)(unsafe.Pointer(&filter[0])), len(filter)*int(unsafe.Sizeof(filter[0]))))
		seq.Add(info(child.StageSeccomp), unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, child.Keep(&pl.Keeper, prog))
	}
	argv := pl.StrArray(s.cmd.argv)
	envv := pl.StrArray(s.cmd.env)
	for _, cand := range s.cmd.candidates {
		seq.Add(child.Info{Stage: child.StageExecve, Index: -1, Path: cand}, unix.SYS_EXECVE, pl.Str(cand), argv, envv).Flags = child.FlagTry
	}
}

// planPeakRSS adds the command's last steps before seccomp and execve:
// write its own ru_maxrss to the exec pipe, the peak of the memory its
// execve leaves, which Linux keeps counting in its ru_maxrss (init's
// rssFloor). getrusage runs twice so that the second finds the page it
// writes to already in memory: nothing after it grows the command's
// resident set. Best effort: without it MaxRSS is -1.
func planPeakRSS(p *child.Plan, seq *child.Seq) {
	ru := new(unix.Rusage)
	at := child.Keep(&p.Keeper, ru)
	for range 2 {
		seq.Add(info(child.StagePeakRSS), unix.SYS_GETRUSAGE, unix.RUSAGE_SELF, at).Flags = child.FlagIgnore
	}
	seq.Add(info(child.StagePeakRSS), unix.SYS_WRITE, uintptr(p.ExecW), at+unsafe.Offsetof(ru.Maxrss),
		unsafe.Sizeof(ru.Maxrss)).Flags = child.FlagIgnore
}

// rlimitsFor returns the rlimits of the command: the defaults, then the
// limits' backstops, then the caller's own.
func (c *config) rlimitsFor() []rlimitSpec {
	out := []rlimitSpec{
		{resource: unix.RLIMIT_CORE, cur: 0, max: 0},
		{resource: unix.RLIMIT_NOFILE, cur: 1024, max: 4096},
	}
	if c.limits.output > 0 {
		n := uint64(c.limits.output)
		out = append(out, rlimitSpec{resource: unix.RLIMIT_FSIZE, cur: n, max: n})
	}
	if c.limits.cpuTime > 0 {
		// A backstop one second past the limit: the cgroup poller stops the
		// run first; SIGXCPU then SIGKILL if it could not.
		sec := uint64((c.limits.cpuTime+999999999)/1e9) + 1
		out = append(out, rlimitSpec{resource: unix.RLIMIT_CPU, cur: sec, max: sec + 1})
	}
	return append(out, c.rlimits...)
}

func idMap(inside, outside int) string { return fmt.Sprintf("%d %d 1\n", inside, outside) }

func writeIDMaps(pid int, uidMap, gidMap string) error {
	dir := fmt.Sprintf("/proc/%d/", pid)
	for _, f := range [][2]string{{"setgroups", "deny"}, {"gid_map", gidMap}, {"uid_map", uidMap}} {
		if err := os.WriteFile(dir+f[0], []byte(f[1]), 0); err != nil {
			return &SetupError{Stage: child.StageIDMaps.String(), Index: -1, Path: dir + f[0], Err: err}
		}
	}
	return nil
}
