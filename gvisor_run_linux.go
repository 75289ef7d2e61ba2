package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// A GVisor run is one `runsc run` process, a child of the embedding
// process, in a directory of its own:
//
//	/run/sandbox-gvisor/sandbox-<pid>-<start>-<n>/
//		bundle/config.json, bundle/rootfs/   the OCI bundle
//		state/                               runsc --root
//		runsc-error.json                     runsc's errors (--log)
//
// runsc's own log comes through a pipe (runscLog).
//
// runsc starts its Sentry and Gofer in the run's cgroup (made by the
// library as for Native, with its limits, and named to runsc as the spec's
// cgroupsPath); `runsc run` itself only waits. The command's stdio are
// runsc's stdio, so the command gets what Native would give it.
//
// The Process of a GVisor run is the same struct as Native's: Pid is the
// runsc process, Kill SIGKILLs it (through a pidfd) and kills every
// process of the cgroup, and the wall timer, the context and the CPU
// poller work unchanged. Only Wait differs (gvisorWait).
//
// Nothing outlives a run: when runsc is killed its Sentry and Gofer die
// too (runsc gives them PDEATHSIG, and the cgroup is killed), and Wait
// removes the directory and the groups. When the embedding process dies,
// runsc dies of its own PDEATHSIG and the rest follows; the next process
// to start a GVisor run removes what is left (sweepGVisor).

// gvisorBase holds the run directories.
const gvisorBase = "/run/sandbox-gvisor"

// gvisorRun is the GVisor side of a Process.
type gvisorRun struct {
	host        *gvisorHost
	dir         string
	cgroupsPath string
	cmd         *exec.Cmd
	log         *runscLog
}

var gvisorSeq atomic.Uint64

// startGVisorRun starts cmd under cfg with the GVisor backend.
func startGVisorRun(ctx context.Context, cfg *config, cmd *exec.Cmd) (*Process, error) {
	if err := cfg.gvisorCompatible(); err != nil {
		return nil, err
	}
	h, err := probeGVisor(cfg.gvisor)
	if err != nil {
		return nil, err
	}
	return startGVisor(ctx, cfg, cmd, h)
}

// gvisorCompatible refuses what the GVisor backend cannot honour.
func (c *config) gvisorCompatible() error {
	const always = PID | Net | Mount | IPC | UTS
	switch {
	case c.nsSet && c.ns&always != always:
		return &ConfigError{Method: "Namespaces", Value: c.ns.String(),
			Reason: "the GVisor backend always gives the command its own pid, net, mnt, ipc and uts namespaces (the Sentry's)"}
	case c.timeSet:
		return &ConfigError{Method: "TimeOffsets", Value: c.timeMono,
			Reason: "the GVisor backend has no time namespace"}
	case c.seccomp.policy != nil:
		return &ConfigError{Method: "Seccomp", Value: "policy",
			Reason: "the GVisor backend installs no seccomp policy in the sandbox (its boundary is the Sentry); use Seccomp(nil) or the Native backend"}
	}
	return nil
}

// startGVisor starts one run on h.
func startGVisor(ctx context.Context, cfg *config, cmd *exec.Cmd, h *gvisorHost) (_ *Process, err error) {
	c, err := checkCmd(cmd)
	if err != nil {
		return nil, err
	}
	if len(cmd.ExtraFiles) > 0 && !h.passFD {
		return nil, unavailable(fmt.Sprintf("runsc run --pass-fd, for ExtraFiles (runsc %s has none)", h.version),
			"install a gVisor release from 2023-03-29 or later: https://gvisor.dev/docs/user_guide/install/", nil)
	}
	p := &Process{cfg: cfg, cmd: c, log: cfg.logger, done: make(chan struct{}), pidfd: -1, netfd: -1}
	gv := &gvisorRun{host: h}
	p.gv = gv
	defer func() {
		if err != nil {
			p.gvisorCleanupFailed()
		}
	}()
	if gv.dir, err = makeRunDir(); err != nil {
		return nil, err
	}
	if err := p.gvisorCgroup(); err != nil {
		return nil, err
	}
	sweepGVisor(gv.cgroupsPath)
	b, err := cfg.writeBundle(filepath.Join(gv.dir, "bundle"), c, gv.cgroupsPath)
	if err != nil {
		return nil, err
	}
	if err := b.checkStart(c); err != nil {
		return nil, err
	}
	if cfg.limits.output > 0 {
		p.out = &outputCounter{limit: cfg.limits.output, onExceed: func() { p.stop(stopOutput) }}
	}
	stdioCmd, stdin, err := gvisorStdio(cmd)
	if err != nil {
		return nil, stdioError(err)
	}
	if p.io, err = setupStdio(stdioCmd, p.out); err != nil {
		if stdin != nil {
			stdin.Close()
		}
		return nil, stdioError(err)
	}
	p.ttys = saveTerminals(callerFiles(p.io))
	files := p.io.files
	logR, logW, err := os.Pipe()
	if err != nil {
		return nil, &SetupError{Stage: "pipe", Index: -1, Err: err}
	}
	defer logW.Close()
	gv.log = newRunscLog(logR, p.commandStarted)
	args := []string{
		"--root", filepath.Join(gv.dir, "state"),
		"--platform", h.platform,
		"--network", "none",
		"--log", filepath.Join(gv.dir, "runsc-error.json"),
		// The logs of runsc run and of the Sentry, at runsc's default
		// level, come through a pipe: they say when the command starts
		// and how it ended (runscLog).
		"--debug-log", "/proc/self/fd/" + strconv.Itoa(len(files)), "--debug-command", "run,boot",
		"run", "--bundle", b.dir,
	}
	for i := 3; i < len(files); i++ {
		if files[i] != nil {
			args = append(args, "--pass-fd", fmt.Sprintf("%d:%d", i, i))
		}
	}
	args = append(args, filepath.Base(gv.dir))
	rc := &exec.Cmd{
		Path: h.runsc, Args: append([]string{"runsc"}, args...), Env: []string{}, Dir: b.dir,
		Stdin: files[0], Stdout: files[1], Stderr: files[2], ExtraFiles: append(files[3:len(files):len(files)], logW),
		// runsc kills its Sentry and Gofer when it dies (they get
		// PDEATHSIG too); it must die with the embedding process.
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	p.debug("runsc run", zap.String("dir", gv.dir), zap.String("platform", h.platform), zap.String("cgroup", gv.cgroupsPath))
	p.started = time.Now()
	if err := startRunsc(rc); err != nil {
		return nil, &SetupError{Stage: "runsc", Index: -1, Path: h.runsc, Err: err}
	}
	gv.cmd = rc
	logW.Close()
	// Not reaped before Wait: the pid cannot be reused, the pidfd is the
	// runsc process's.
	pidfd, err := unix.PidfdOpen(rc.Process.Pid, 0)
	if err != nil {
		rc.Process.Kill()
		rc.Wait()
		gv.cmd = nil
		return nil, &SetupError{Stage: "pidfd_open", Index: -1, Err: err}
	}
	p.mu.Lock()
	p.pid, p.pidfd = rc.Process.Pid, pidfd
	p.mu.Unlock()
	p.io.closeParentEnds()
	if p.stopped.Load() != 0 {
		p.stop(0)
	}
	p.watch(ctx)
	if p.timer != nil {
		// Until runsc starts the command, the Sentry boots: bounded, but
		// not by the command's wall time (commandStarted restarts it).
		p.timer.Reset(p.cfg.wallTime + gvisorBootTime)
	}
	// Only now: commandStarted uses the timer. (The pipe holds what runsc
	// logs meanwhile.)
	go gv.log.read()
	return p, nil
}

// startRunsc starts cmd from the runsc starter's thread: runsc's
// parent-death signal fires when the thread that forked it exits, not the
// process (go.dev/issue/27505), and a caller's thread may exit (that of a
// goroutine that ends while locked to it). The starter thread never does.
func startRunsc(cmd *exec.Cmd) error {
	req := runscReq{cmd: cmd, err: make(chan error, 1)}
	runscStarter() <- req
	return <-req.err
}

type runscReq struct {
	cmd *exec.Cmd
	err chan error
}

// runscStarter starts, once, the goroutine that starts every runsc, locked
// to an OS thread of its own for the life of the process. (cmd.Start only
// forks and execs there: runsc's stdio are files, so no copying goroutine
// starts.)
var runscStarter = sync.OnceValue(func() chan<- runscReq {
	ch := make(chan runscReq)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as the process
		for req := range ch {
			req.err <- req.cmd.Start()
		}
	}()
	return ch
})

// gvisorBootTime bounds how long runsc may take to start the command.
const gvisorBootTime = 30 * time.Second

// gvisorStdio returns cmd, or, when its Stdin is a regular file, a copy
// of it whose Stdin is a reader of that file from the caller's offset, so
// that the command gets a pipe the library feeds: the Sentry reads a
// regular host file it is handed from offset 0, not from the file's
// offset. The reader is a description of the run's own (the caller's
// offset does not move), closed when the copy ends; the caller closes it
// when setupStdio fails. Regular Stdout and Stderr are pipes already
// (setupStdio splices them into the file).
func gvisorStdio(cmd *exec.Cmd) (*exec.Cmd, io.Closer, error) {
	if err := checkFiles(cmd); err != nil {
		return nil, nil, err
	}
	f, ok := cmd.Stdin.(*os.File)
	if !ok || !fileKind(f).IsRegular() {
		return cmd, nil, nil
	}
	var r *closingReader
	if nf, err := privateReader(f); err == nil {
		r = &closingReader{nf, nf}
	} else {
		// Not to be opened again (its mode changed, say): read the
		// caller's description by offset, without moving the offset.
		dup, err := dupFile(f)
		if err != nil {
			return nil, nil, err
		}
		off, err := unix.Seek(int(dup.Fd()), 0, io.SeekCurrent)
		if err != nil {
			dup.Close()
			return nil, nil, err
		}
		r = &closingReader{io.NewSectionReader(dup, off, 1<<62), dup}
	}
	c := *cmd
	c.Stdin = r
	return &c, r, nil
}

// makeRunDir makes the run's directory, root's only.
func makeRunDir() (string, error) {
	prefix, err := cgroup.OwnerPrefix()
	if err != nil {
		return "", &SetupError{Stage: "gvisor run directory", Index: -1, Err: err}
	}
	if err := os.Mkdir(gvisorBase, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return "", &SetupError{Stage: "gvisor run directory", Index: -1, Path: gvisorBase, Err: err}
	}
	for {
		dir := filepath.Join(gvisorBase, prefix+strconv.FormatUint(gvisorSeq.Add(1), 10))
		err := os.Mkdir(dir, 0o700)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", &SetupError{Stage: "gvisor run directory", Index: -1, Path: dir, Err: err}
		}
		return dir, nil
	}
}

// gvisorCgroup makes the run's cgroup, with its limits, for runsc to
// start the Sentry and the Gofer in: it also gives the run its CPU time,
// memory peak and OOM count, and kills what is left. A run that asks for
// no limit goes on without one where no group can be made.
func (p *Process) gvisorCgroup() error {
	cgCfg := *p.cfg
	if n := cgCfg.limits.pids; n > 0 {
		cgCfg.limits.pids = gvisorHostPids(n)
	}
	cg, err := newRunCgroup(&cgCfg)
	if err != nil {
		if p.cfg.limits.needCgroup() {
			return err
		}
		p.debug("no cgroup", zap.Error(err))
		return nil
	}
	p.cg = &gvisorCgroup{Group: cg}
	path, err := cgroup.OCIPath(cg)
	if err != nil {
		return &SetupError{Stage: "cgroup", Index: -1, Path: cg.Path(), Err: err}
	}
	p.gv.cgroupsPath = path
	return nil
}

// gvisorHostPids is the host cgroup's pids.max for PidsLimit(n): the
// Sentry enforces n itself (RLIMIT_NPROC), the host limit only bounds the
// host tasks a run may use. A trivial run uses about 70 here (the Sentry's
// and the Gofer's threads, ptrace stubs), and every process of the command
// about ten more on the ptrace platform.
func gvisorHostPids(n int64) int64 { return 256 + 16*n }

// gvisorCgroup is a run's cgroup whose CPU usage counts from the moment
// runsc starts the command: the Sentry's boot before it is not the
// command's.
type gvisorCgroup struct {
	cgroup.Group
	base atomic.Int64 // CPU usage when the command was started, ns
}

func (g *gvisorCgroup) CPUUsage() (time.Duration, error) {
	d, err := g.Group.CPUUsage()
	return max(d-time.Duration(g.base.Load()), 0), err
}

func (g *gvisorCgroup) Stats() (cgroup.Stats, error) {
	st, err := g.Group.Stats()
	st.CPUUsage = max(st.CPUUsage-time.Duration(g.base.Load()), 0)
	return st, err
}

// commandStarted is called when runsc starts the command: CPU time and
// wall time count from here, and the wall timer restarts.
func (p *Process) commandStarted(at time.Time) {
	if g, ok := p.cg.(*gvisorCgroup); ok {
		if d, err := g.Group.CPUUsage(); err == nil {
			g.base.Store(int64(d))
		}
	}
	p.gv.log.setStarted(at)
	if p.timer != nil {
		p.timer.Reset(p.cfg.wallTime)
	}
}

// gvisorCleanupFailed undoes a start that failed.
func (p *Process) gvisorCleanupFailed() {
	p.mu.Lock()
	p.finished = true
	p.mu.Unlock()
	if p.io != nil {
		p.io.closeParentEnds()
		p.io.wg.Wait()
		p.io.closeReaders()
	}
	if p.gv.log != nil && p.gv.cmd == nil {
		p.gv.log.r.Close()
	}
	p.gv.removeAll(p.cg)
	restoreTerminals(p.ttys)
	close(p.done)
}

// removeAll removes the run's cgroups and directory. Each failure is a
// *WaitError.
func (gv *gvisorRun) removeAll(cg cgroup.Group) error {
	var errs []error
	if cg != nil {
		cg.Kill()
		errs = append(errs, removeCgroup(cg))
	}
	if gv.cgroupsPath != "" {
		if err := cgroup.RemoveOCIDirs(gv.cgroupsPath); err != nil {
			errs = append(errs, &WaitError{Step: WaitRunDirRemove, Path: gv.cgroupsPath, Err: err})
		}
	}
	if gv.dir != "" {
		if err := removeRunDir(gv.dir); err != nil {
			errs = append(errs, &WaitError{Step: WaitRunDirRemove, Path: gv.dir, Err: err})
		}
	}
	return errors.Join(errs...)
}

// removeRunDir removes a run directory. runsc since 2025 pins an empty
// network namespace for its Gofers by bind-mounting it at
// <--root>/null-netns (its "shared root"), in the host's mount namespace,
// and leaves it there for the next run; each run has its own --root, so it
// is unmounted first (as often as mounted: concurrent pins stack).
func removeRunDir(dir string) error {
	pin := filepath.Join(dir, "state", "null-netns")
	for i := 0; i < 64 && unix.Unmount(pin, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW) == nil; i++ {
	}
	return os.RemoveAll(dir)
}

// gvisorWait is Wait for a GVisor run.
func (p *Process) gvisorWait() {
	gv := p.gv
	gv.cmd.Wait() // its exit code is not the command's: see runscLog
	end := time.Now()
	if p.cg != nil {
		// The Sentry and the Gofer, the last writers of runsc's log.
		p.cg.Kill()
	}
	ws, reported := gv.log.wait(copyGrace)
	// After the log: a start mark read late restarts the timer.
	p.stopWatchers()

	ev := evidence{exited: true}
	// Of the run statistics only what the library counts itself is known
	// (StdoutBytes, StderrBytes): the rest would be the Sentry's and the
	// Gofer's (their switches, RSS, I/O, threads), not the command's.
	res := &Result{MemoryPeak: -1}
	unknownStats(res)
	ru, _ := gv.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru != nil {
		res.CPUTime = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		res.MemoryPeak = ru.Maxrss << 10
	}
	if p.cg != nil {
		p.cgroupEvidence(res, &ev) // not the run statistics: the Sentry's
	}
	if started := gv.log.startedAt(); !started.IsZero() {
		p.started = started
	}
	res.WallTime = end.Sub(p.started)
	runscErr := gv.runscError()
	if err := gv.removeAll(p.cg); err != nil && p.err == nil {
		p.err = err
	}
	// Every process of the run is gone: nothing changes its terminals now.
	restoreTerminals(p.ttys)
	p.finishIO()
	outputStats(res, p.io)
	p.markFinished()

	why := p.stopped.Load()
	failed := false // runsc failed: the error, not the Result, says so
	if reported {
		ev.exitCode, ev.signal = exitOf(ws)
	} else {
		// runsc ended without the command's status: we killed it, or the
		// OOM killer took the Sentry, or runsc failed.
		ev.exitCode, ev.signal = -1, int(unix.SIGKILL)
		var we *WaitError
		if why == 0 && !ev.oomKilled && (p.err == nil || errors.As(p.err, &we)) {
			p.err = gv.failure(runscErr, p.cmd.name)
			failed = true
		}
	}
	p.stopEvidence(res, &ev, why) // stopMemory is the Landlock poller's: never set here
	setVerdict(res, ev)
	if failed && gv.log.startedAt().IsZero() {
		// The command never started: no Result, as when Native's Start
		// fails.
		return
	}
	p.res = res
	p.logFinished(res, "gvisor")
}

// runscError returns the errors runsc wrote to its --log as JSON lines.
func (gv *gvisorRun) runscError() error {
	b, err := os.ReadFile(filepath.Join(gv.dir, "runsc-error.json"))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var msgs []string
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var m struct {
			Msg string `json:"msg"`
		}
		if err := dec.Decode(&m); err != nil {
			break
		}
		msgs = append(msgs, m.Msg)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, strings.TrimSpace(string(b)))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// failure is the error of a run whose runsc ended without reporting the
// command's status, and that no limit or Kill explains.
func (gv *gvisorRun) failure(runscErr error, name string) error {
	if runscErr == nil {
		runscErr = fmt.Errorf("runsc ended (%v) without the command's status", gv.cmd.ProcessState)
	}
	err := &SetupError{Stage: "runsc", Index: -1, Path: gv.host.runsc, Err: runscErr}
	msg := runscErr.Error()
	if strings.Contains(msg, "no such file or directory") && (strings.Contains(msg, "executable") || strings.Contains(msg, "failed to load")) {
		err.Stage, err.Path = "execve", name
		err.Err = fmt.Errorf("%w: %w", ErrCommandNotFound, runscErr)
	}
	return err
}

var (
	gvisorSweepMu   sync.Mutex
	gvisorLastSweep time.Time
)

// sweepGVisor removes, at most once a minute, the run directories and the
// groups runsc made that processes which are gone left behind. cgroupsPath
// is a current run's, to find where runsc puts its groups.
func sweepGVisor(cgroupsPath string) {
	gvisorSweepMu.Lock()
	defer gvisorSweepMu.Unlock()
	if time.Since(gvisorLastSweep) < sweepInterval {
		return
	}
	gvisorLastSweep = time.Now()
	if cgroupsPath != "" {
		cgroup.SweepOCIDirs(cgroupsPath)
	}
	ents, err := os.ReadDir(gvisorBase)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() && cgroup.Stale(e.Name()) {
			removeRunDir(filepath.Join(gvisorBase, e.Name()))
		}
	}
}
