package sandbox

import (
	"context"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
	"github.com/sandboxkit/sandbox/internal/child"
)

// copyGrace bounds how long Wait waits for Stdout/Stderr copies after the
// last process ended (a descendant outside the PID namespace may hold the
// pipe).
const copyGrace = 2 * time.Second

// watch starts what stops a run: the wall timer, the context, the CPU
// poller.
func (p *Process) watch(ctx context.Context) {
	if d := p.cfg.wallTime; d > 0 {
		p.timer = time.AfterFunc(d, func() { p.stop(stopWall) })
	}
	if ctx.Done() != nil {
		p.watchers.Add(1)
		go func() {
			defer p.watchers.Done()
			select {
			case <-ctx.Done():
				p.ctxErr = ctx.Err()
				p.stop(stopKill)
			case <-p.done:
			}
		}()
	}
	if p.ll != nil && p.ll.polling && (p.ll.limits.memory > 0 || p.ll.limits.cpuTime > 0) {
		p.watchers.Add(1)
		go func() {
			defer p.watchers.Done()
			p.pollTree()
		}()
	}
	if p.cg != nil && p.cfg.limits.cpuTime > 0 {
		p.watchers.Add(1)
		go func() {
			defer p.watchers.Done()
			p.pollCPU()
		}()
	}
}

// Wait waits for the run to end, removes everything it left and returns its
// Result, with a *WaitError beside it when a step at the run's end failed
// (its Step says which). It may be called more than once.
//
// The Result is nil only under the GVisor backend, when runsc ended of
// itself (not stopped by Kill, ctx or a limit) before it started the
// command; Start returns once runsc runs, before the Sentry boots. The
// error is then a *SetupError, as a failed Start's would be: Stage "runsc"
// with runsc's error, or Stage "execve" wrapping ErrCommandNotFound.
func (p *Process) Wait() (*Result, error) {
	p.waitOnce.Do(p.wait)
	return p.res, p.err
}

// wait ends a Native or Landlock run: init's report and wait status, then
// the cgroup's evidence, then what the run held is given back, and last
// the verdict.
func (p *Process) wait() {
	if p.gv != nil {
		p.gvisorWait()
		return
	}
	var m child.Msg
	exited := readMsg(p.report, &m) && m.Kind == child.MsgExited
	ws, ru := reap(p.pid)
	end := time.Now()
	p.rp.plan.Release()
	// init is reaped, so its PID namespace is empty: nothing of the run is
	// left in its network namespace but sockets the next user checks for.
	p.releaseNet(true)
	p.stopWatchers()

	res := &Result{WallTime: end.Sub(p.started), MemoryPeak: -1}
	unknownStats(res)
	ev := initEvidence(res, exited, &m, ws, &ru)
	if p.cg != nil {
		p.cg.Kill()
		if st, ok := p.cgroupEvidence(res, &ev); ok {
			cgroupRunStats(res, &st)
		}
		if err := removeCgroup(p.cg); err != nil && p.err == nil {
			p.err = err
		}
	}
	p.releaseRun(res)

	p.stopEvidence(res, &ev, p.stopped.Load())
	p.landlockEvidence(res, &ev)
	setVerdict(res, ev)
	p.res = res
	p.logFinished(res, "")
}

// stopWatchers stops the wall timer and waits for the run's watchers (the
// context's, the pollers) to end.
func (p *Process) stopWatchers() {
	if p.timer != nil {
		p.timer.Stop()
	}
	close(p.done)
	p.watchers.Wait()
}

// initEvidence is what init's end tells: the command's status and usage
// when init reported them (m), else init's own wait status and rusage.
func initEvidence(res *Result, exited bool, m *child.Msg, ws unix.WaitStatus, ru *unix.Rusage) evidence {
	ev := evidence{exited: true}
	if exited {
		st := unix.WaitStatus(m.Status)
		ev.exitCode, ev.signal = exitOf(st)
		res.CPUTime = time.Duration(m.Utime+m.Stime) * time.Microsecond
		initStats(res, m)
		res.MemoryPeak = res.MaxRSS
	} else {
		// init was killed before it could report: by us, or by the
		// parent-death or an OOM kill.
		ev.exitCode, ev.signal = exitOf(ws)
		if ev.signal == 0 {
			ev.signal = int(unix.SIGKILL)
		}
		res.CPUTime = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return ev
}

// cgroupEvidence reads the run's cgroup: its CPU time and memory peak
// replace the per-process figures, its OOM kills and CPU usage are
// evidence. It returns the statistics, or false when the cgroup could not
// be read, which is then the run's error.
func (p *Process) cgroupEvidence(res *Result, ev *evidence) (cgroup.Stats, bool) {
	st, err := cgroupStats(p.cg)
	if err != nil {
		p.err = err
		return st, false
	}
	res.CPUTime = st.CPUUsage
	if st.MemoryPeak >= 0 {
		res.MemoryPeak = st.MemoryPeak
	}
	ev.oomKilled = st.OOMKills > 0
	ev.cpuLimit = p.cfg.limits.cpuTime > 0 && st.CPUUsage >= p.cfg.limits.cpuTime
	return st, true
}

// releaseRun gives back, once every process of the run is gone, what the
// run held: the terminals, the Landlock backend's TMPDIR, the uid, the
// output copies (whose counts go into res), the pidfd and the report
// pipe.
func (p *Process) releaseRun(res *Result) {
	// Every process of the run is gone: nothing changes its terminals now.
	restoreTerminals(p.ttys)
	if err := p.ll.release(); err != nil && p.err == nil {
		p.err = err
	}
	p.releaseUID() // every process of the run is gone
	p.finishIO()
	outputStats(res, p.io)
	p.markFinished()
	p.report.Close()
}

// markFinished closes the pidfd: from now on stop signals nothing.
func (p *Process) markFinished() {
	p.mu.Lock()
	p.finished = true
	unix.Close(p.pidfd)
	p.mu.Unlock()
}

// stopEvidence adds to ev why the sandbox stopped the run (why: the bits
// of p.stopped), and the RLIMIT_CPU backstop's SIGXCPU when the run's
// measured CPU time (res.CPUTime) reached CPUTimeLimit.
//
// A signal number alone is no evidence: the command may send SIGXCPU or
// SIGXFSZ to itself. The kernel sends SIGXCPU at RLIMIT_CPU's soft limit,
// which rlimitsFor sets at least a second past CPUTimeLimit, so the
// kernel's always comes with a CPU time at the limit; a command's own
// comes with any. SIGXFSZ is never evidence: RLIMIT_FSIZE caps the files
// the command writes (the write fails with EFBIG, or SIGXFSZ ends it),
// but nothing of the sandbox counts those bytes; Stdout and Stderr are
// counted (stopOutput).
func (p *Process) stopEvidence(res *Result, ev *evidence, why uint32) {
	cpu := p.cfg.limits.cpuTime
	ev.wallLimit = why&stopWall != 0
	ev.cpuLimit = ev.cpuLimit || why&stopCPU != 0 ||
		(cpu > 0 && ev.signal == int(unix.SIGXCPU) && res.CPUTime >= cpu)
	ev.outputLimit = why&stopOutput != 0
	ev.killed = why&stopKill != 0
	ev.memoryLimit = why&stopMemory != 0
}

// setVerdict sets res's Status, ExitCode and Signal from ev.
func setVerdict(res *Result, ev evidence) {
	res.Status = classify(ev)
	res.ExitCode = ev.exitCode
	if ev.signal != 0 {
		res.ExitCode = -1
		res.Signal = unix.Signal(ev.signal)
	}
}

// logFinished logs the run's Result, naming the backend unless Native's
// or Landlock's ("").
func (p *Process) logFinished(res *Result, backend string) {
	ce := p.log.Check(zap.InfoLevel, "sandbox run finished")
	if ce == nil {
		return
	}
	fields := make([]zap.Field, 0, 8)
	if backend != "" {
		fields = append(fields, zap.String("backend", backend))
	}
	fields = append(fields, zap.String("command", p.cmd.name), zap.Stringer("status", res.Status),
		zap.Int("exit code", res.ExitCode), zap.Int("signal", int(res.Signal)),
		zap.Duration("cpu", res.CPUTime), zap.Duration("wall", res.WallTime),
		zap.Int64("memory peak", res.MemoryPeak))
	ce.Write(fields...)
}

func exitOf(ws unix.WaitStatus) (code, sig int) {
	switch {
	case ws.Exited():
		return ws.ExitStatus(), 0
	case ws.Signaled():
		return -1, int(ws.Signal())
	}
	return -1, int(unix.SIGKILL)
}

// finishIO waits for the output copies, bounded by copyGrace (or
// cmd.WaitDelay).
func (p *Process) finishIO() {
	if err := p.io.wait(); err != nil && p.err == nil {
		p.err = &WaitError{Step: WaitOutput, Err: err}
	}
}

// stopSignal is what ends a run: StopSignal, on which init kills every
// other process of the run, reaps them and reports (their rusage with
// them). The init of a PID namespace ignores it until it has blocked it,
// before the command starts: until init has said so, SIGKILL, with which
// the kernel kills the rest of the namespace.
func (p *Process) stopSignal() unix.Signal {
	if p.rp != nil && (!p.rp.plan.PID1 || p.running.Load()) {
		return child.StopSignal
	}
	return unix.SIGKILL
}
