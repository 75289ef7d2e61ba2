package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
	"github.com/sandboxkit/sandbox/internal/child"
)

// Why the sandbox stopped a run; bits of Process.stopped.
const (
	stopWall uint32 = 1 << iota
	stopCPU
	stopOutput
	stopKill
	stopMemory // the Landlock backend's poller (no cgroup)
)

// Process is a command running in a sandbox.
type Process struct {
	cfg     *config
	cmd     *command
	log     *zap.Logger
	rp      *runPlan
	pid     int
	pidfd   int
	report  *os.File
	io      *stdio
	out     *outputCounter
	cg      cgroup.Group
	ll      *landlockRun // the Landlock backend's run, or nil
	netfd   int          // the run's network namespace, to pool after it, or -1
	netLent bool         // netfd came from the pool (else the run made it)
	lease   *uidLease    // the run's own host uid, or nil
	ttys    []*ttyState
	started time.Time

	stopped  atomic.Uint32
	running  atomic.Bool // init reported that the command started
	mu       sync.Mutex  // guards pidfd against close, and finished
	finished bool
	done     chan struct{}
	waitOnce sync.Once
	res      *Result
	err      error
	ctxErr   error
	timer    *time.Timer
	watchers sync.WaitGroup
	gv       *gvisorRun // a GVisor run's runsc (gvisor_run_linux.go), or nil
}

// Pid returns the host PID of the sandbox's init, the parent of the
// command (with a PID namespace, PID 1 inside it); under GVisor, of the
// runsc process.
func (p *Process) Pid() int { return p.pid }

// Kill stops every process of the sandbox. The run ends with Status Killed
// unless a limit was hit first. Killing a finished run does nothing.
func (p *Process) Kill() error { return p.stop(stopKill) }

// stop records why the run is stopped and kills it. Before launch has a
// pidfd (output can overflow that early) it only records: launch kills.
func (p *Process) stop(why uint32) error {
	p.stopped.Or(why)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished || p.pidfd < 0 {
		return nil
	}
	err := unix.PidfdSendSignal(p.pidfd, p.stopSignal(), nil, 0)
	if p.cg != nil {
		p.cg.Kill()
	}
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

func (s *Sandbox) start(ctx context.Context, cmd *exec.Cmd) (*Process, error) {
	if len(s.errs) > 0 {
		return nil, errors.Join(s.errs...)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	cfg := s.cfg
	cfg.mounts = append([]mountSpec(nil), cfg.mounts...)
	if cfg.backend == GVisor {
		return startGVisorRun(ctx, &cfg, cmd)
	}
	if err := cfg.ready(); err != nil {
		return nil, err
	}
	ns, err := cfg.namespaces()
	if err != nil {
		return nil, err
	}
	c, err := checkCmd(cmd)
	if err != nil {
		return nil, err
	}
	filter, err := cfg.seccomp.instructions()
	if err != nil {
		return nil, err
	}
	p := &Process{cfg: &cfg, cmd: c, log: cfg.logger, done: make(chan struct{}), pidfd: -1, netfd: -1}
	if err := p.leaseUID(ns&User != 0); err != nil { // before anything is made for the uid
		return nil, err
	}
	if cfg.backend == Landlock {
		if p.ll, err = prepareLandlock(&cfg, c); err != nil {
			p.releaseUID()
			return nil, err
		}
	}
	if err := p.launch(ns, cmd, filter); err != nil {
		return nil, cfg.nativeRefused(err)
	}
	p.watch(ctx)
	return p, nil
}

// namespaces resolves the run's namespace set and checks that the rest of
// the configuration can work with it.
func (c *config) namespaces() (Namespace, error) {
	if c.backend == Landlock {
		return 0, nil // checkLandlock checked the rest
	}
	ns := defaultNamespaces
	if c.nsSet {
		ns = c.ns
	} else if os.Geteuid() != 0 {
		ns |= User
	}
	if c.timeSet {
		ns |= Time
	}
	if ns&Mount == 0 && (c.root != "" || len(c.mounts) > 0) {
		return 0, &ConfigError{Method: "Namespaces", Value: ns.String(), Reason: "Chroot, Bind and Tmpfs need the Mount namespace"}
	}
	if ns&UTS == 0 && c.hostname != DefaultHostname {
		return 0, &ConfigError{Method: "Hostname", Value: c.hostname, Reason: "needs the UTS namespace"}
	}
	return ns, nil
}

// parentPidfd is a pidfd of this process, opened once and kept: init polls
// it to check that the embedding process has not died before init's
// parent-death signal was set (planParentAlive).
var parentPidfd = sync.OnceValues(func() (int, error) { return unix.PidfdOpen(os.Getpid(), 0) })

// launch starts a run in three steps: prepare makes what the run needs in
// the parent (pipes, stdio, cgroup, network namespace, root filesystem),
// planRun turns that into the child's steps, and fork starts init and waits
// until the command has started or failed to.
func (p *Process) launch(ns Namespace, cmd *exec.Cmd, filter []unix.SockFilter) (err error) {
	spec := &runSpec{cfg: p.cfg, ns: ns, cmd: p.cmd, filter: filter, landlock: p.ll}
	h := &launchFDs{syncW: -1}
	defer func() {
		h.closeChild()
		if h.syncW >= 0 {
			unix.Close(h.syncW)
		}
		if err != nil {
			p.cleanupFailed() // init is reaped: its command is gone too
		}
		if h.vmRun {
			endVMRun()
		}
	}()
	if err := p.prepare(spec, cmd, h); err != nil {
		return err
	}
	p.rp = planRun(spec)
	p.planIDFiles()
	return p.fork(spec, h)
}

// launchFDs are the descriptors the parent holds only until init is
// forked, and its end of the sync pipe.
type launchFDs struct {
	child []int // the child's ends: closed once it has its copies
	syncW int
	vmRun bool // beginVMRun was called
}

func (h *launchFDs) closeChild() {
	for _, fd := range h.child {
		unix.Close(fd)
	}
	h.child = nil
}

func setupErr(stage child.Stage, err error) *SetupError {
	return &SetupError{Stage: stage.String(), Index: -1, Err: err}
}

// prepare makes what the run needs in the parent and records it in s.
func (p *Process) prepare(s *runSpec, cmd *exec.Cmd, h *launchFDs) (err error) {
	cfg := p.cfg
	s.vm = canShareMemory(cfg, s.ns)
	s.boundingEmpty = child.BoundingSetEmpty()
	s.clearSighand = child.ClearSighandSupported()
	if s.vm {
		if err := beginVMRun(); err != nil {
			return setupErr(child.StagePrctl, err)
		}
		h.vmRun = true
	}
	tmpl := -1
	if s.ns&Mount != 0 {
		rr, err := cfg.rootFor(s.ns&User != 0)
		if err != nil {
			return err
		}
		s.assemble, s.root, tmpl = rr.assemble, rr.steps, rr.tmpl
		if tmpl >= 0 {
			h.child = append(h.child, tmpl)
		}
	}

	// Both ends of the report pipe are non-blocking: the read end for the
	// runtime's poller, and init's few writes of one small record each
	// never fill a pipe.
	var reportPipe, execPipe [2]int
	if err := unix.Pipe2(reportPipe[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return setupErr(child.StagePipe, err)
	}
	p.report = os.NewFile(uintptr(reportPipe[0]), "sandbox-report")
	h.child = append(h.child, reportPipe[1])
	if err := unix.Pipe2(execPipe[:], unix.O_CLOEXEC); err != nil {
		return setupErr(child.StagePipe, err)
	}
	h.child = append(h.child, execPipe[0], execPipe[1])
	s.fds = runFDs{report: reportPipe[1], execR: execPipe[0], execW: execPipe[1], sync: -1, parent: -1, joinNet: -1, template: tmpl}
	if fd, err := parentPidfd(); err == nil {
		s.fds.parent = fd
	}

	if cfg.limits.output > 0 {
		p.out = &outputCounter{limit: cfg.limits.output, onExceed: func() { p.stop(stopOutput) }}
	}
	if p.io, err = setupStdio(cmd, p.out); err != nil {
		return stdioError(err)
	}
	p.ttys = saveTerminals(callerFiles(p.io))
	for _, f := range p.io.files {
		fd := -1
		if f != nil {
			fd = int(f.Fd())
		}
		s.fds.stdio = append(s.fds.stdio, fd)
	}
	if cfg.limits.needCgroup() {
		if p.cg, err = p.makeCgroup(); err != nil {
			return err
		}
	}
	if p.cg != nil {
		if s.fds.cgroupProcs, err = openProcs(p.cg); err != nil {
			return err
		}
		h.child = append(h.child, s.fds.cgroupProcs...)
	}
	// The rules' descriptors: the child's, closed here once it has them.
	s.fds.landlock = p.ll.takeFDs()
	h.child = append(h.child, s.fds.landlock...)
	p.planNet(s)
	// The sync pipe, when init is to wait for the parent's "go" (planInit).
	if s.waitGo() {
		var syncPipe [2]int
		if err := unix.Pipe2(syncPipe[:], unix.O_CLOEXEC); err != nil {
			return setupErr(child.StagePipe, err)
		}
		h.child, h.syncW = append(h.child, syncPipe[0]), syncPipe[1]
		s.fds.sync = syncPipe[0]
	}
	return nil
}

// fork starts init and does the parent's side of the handshake: write the
// id maps (User), say "go", read whether the command started.
func (p *Process) fork(s *runSpec, h *launchFDs) error {
	plan := p.rp.plan
	p.debug("clone", zap.Stringer("namespaces", s.ns), zap.Int("init ops", len(plan.Init.Ops)), zap.Int("command ops", len(plan.Cmd.Ops)))
	pid, pidfd, err := child.Start(plan)
	if err != nil {
		return setupErr(child.StageClone, err)
	}
	p.mu.Lock()
	p.pid, p.pidfd = pid, pidfd
	p.mu.Unlock()
	if p.netfd < 0 && s.pool {
		p.openNet()
	}
	if p.stopped.Load() != 0 {
		p.stop(0)
	}
	// Close at once what only the child needs: init sees EOF on the exec
	// pipe only when no copy of its write end is left.
	h.closeChild()
	p.io.closeParentEnds()

	if p.rp.userns {
		outUID, outGID := p.rp.insideUID, p.rp.insideGID
		if os.Geteuid() != 0 {
			outUID, outGID = os.Geteuid(), os.Getegid()
		} else if uid := p.hostUID(); uid >= 0 {
			outUID, outGID = uid, uid
		}
		if err := writeIDMaps(pid, idMap(p.rp.insideUID, outUID), idMap(p.rp.insideGID, outGID)); err != nil {
			return err
		}
		p.debug("id maps written")
	}
	if s.waitGo() {
		if _, err := unix.Write(h.syncW, []byte{1}); err != nil {
			return setupErr(child.StageSync, err)
		}
	}
	var m child.Msg
	if !readMsg(p.report, &m) {
		if p.stopped.Load()&stopOutput != 0 {
			// The command wrote past OutputLimit so fast that we killed it
			// before init could say it started: it did start.
			p.started = time.Now()
			return nil
		}
		return setupErr(child.StageInit, errors.New("init ended before the command started"))
	}
	switch m.Kind {
	case child.MsgStarted:
		p.started = time.Now()
		p.running.Store(true)
		p.debug("started", zap.Int("pid", pid))
		return nil
	case child.MsgError:
		return p.childError(&m)
	}
	return setupErr(child.StageInit, fmt.Errorf("unexpected message kind %d", m.Kind))
}

// childError turns a failure the child reported into a *SetupError.
func (p *Process) childError(m *child.Msg) error {
	info := p.rp.plan.Describe(m.List, m.Index)
	errno := syscall.Errno(m.Errno)
	err := &SetupError{Stage: info.Stage.String(), Index: info.Index, Path: info.Path, Err: detailErr(info.Detail, errno)}
	switch {
	case info.Stage == child.StageEnterRoot:
		p.cfg.roots.templateFailed()
	case m.List == child.ListRoot:
		p.cfg.roots.failed(p.rp.plan.Root, int(m.Index), err)
	case m.List == child.ListAssemble:
		p.cfg.roots.failed(p.rp.plan.Assemble, int(m.Index), err)
	}
	if info.Stage == child.StageExecve {
		err.Path = p.cmd.name
		if errno == syscall.ENOENT {
			err.Err = fmt.Errorf("%w: %w", ErrCommandNotFound, errno)
		}
	}
	return err
}

// detailErr is errno with what the failed step was given (Info.Detail),
// if anything.
func detailErr(detail string, errno syscall.Errno) error {
	if detail != "" {
		return fmt.Errorf("%s: %w", detail, errno)
	}
	return errno
}

// cleanupFailed undoes a launch that failed: kills and reaps init, closes
// everything.
func (p *Process) cleanupFailed() {
	p.mu.Lock()
	p.finished = true
	if p.pidfd >= 0 {
		unix.PidfdSendSignal(p.pidfd, unix.SIGKILL, nil, 0)
	}
	p.mu.Unlock()
	if p.pid > 0 {
		reap(p.pid)
	}
	restoreTerminals(p.ttys)
	if p.rp != nil {
		p.rp.plan.Release()
	}
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
	}
	if p.io != nil {
		p.io.closeParentEnds()
		p.io.wg.Wait()
		p.io.closeReaders()
	}
	if p.report != nil {
		p.report.Close()
	}
	if p.cg != nil {
		removeCgroup(p.cg)
	}
	p.ll.release()
	p.releaseNet(false)
	p.releaseUID()
	close(p.done)
}

func reap(pid int) (unix.WaitStatus, unix.Rusage) {
	var ws unix.WaitStatus
	var ru unix.Rusage
	for {
		_, err := unix.Wait4(pid, &ws, 0, &ru)
		if err != unix.EINTR {
			return ws, ru
		}
	}
}

func readMsg(f *os.File, m *child.Msg) bool {
	b := unsafe.Slice((*byte)(unsafe.Pointer(m)), unsafe.Sizeof(*m))
	_, err := io.ReadFull(f, b)
	return err == nil
}

func (p *Process) debug(msg string, fields ...zap.Field) {
	if ce := p.log.Check(zap.DebugLevel, msg); ce != nil {
		ce.Write(fields...)
	}
}

func isEPIPE(err error) bool { return errors.Is(err, syscall.EPIPE) }
