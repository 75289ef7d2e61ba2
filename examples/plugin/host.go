package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandboxkit/sandbox"
	"go.uber.org/zap"
)

// Config says which plugin to run and how to confine it.
type Config struct {
	Dir  string   // host directory holding the plugin, bound read-only at /plugin
	Exe  string   // the executable's name in Dir
	Args []string // its arguments

	MemoryLimit int64   // bytes for all its processes; default 64 MiB
	PidsLimit   int64   // processes and threads; default 32
	CPUQuota    float64 // CPUs; default 0.5

	// OutputLimit is what one instance may write, answers and stderr
	// together, over its whole life; past it the instance is stopped and
	// restarted (its calls in flight fail). Default 1 GiB.
	OutputLimit int64

	MinBackoff  time.Duration // wait before the first restart; default 50 ms
	MaxBackoff  time.Duration // the longest wait; default 5 s
	MaxLine     int           // the longest answer accepted; default 1 MiB
	CallTimeout time.Duration // deadline of a call whose context has none; default 10 s

	// StderrRate is how many bytes a second of the plugin's stderr the
	// host logs, one entry per line, after a burst of four times that;
	// the rest is dropped and counted. The host reads stderr no faster
	// than 16 times this rate: a plugin writing faster blocks on its own
	// stderr. Default 64 KiB.
	StderrRate int

	Logger *zap.Logger // default: no logs
}

// ErrPluginExited is returned by a call whose plugin ended before answering.
var ErrPluginExited = errors.New("plugin exited before answering")

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("plugin host closed")

// Host runs one plugin in a long-lived sandbox and restarts it, with
// exponential backoff, when it crashes, exceeds a limit, breaks the
// protocol or leaves a request unanswered past its deadline. A Host is safe
// for concurrent use; the plugin sees the requests one line at a time.
type Host struct {
	cfg    Config
	sb     *sandbox.Sandbox
	log    *zap.Logger
	id     atomic.Uint64
	stderr *stderrBudget
	stats  struct{ starts, violations, stderrBytes, stderrDropped atomic.Int64 }

	mu            sync.Mutex
	cur           *instance // nil between a death and the next call
	closed        bool
	failures      int       // deaths since the last answered request
	violations    int       // protocol violations since the last forgiven
	lastViolation time.Time // when the last one was
	notBefore     time.Time // no restart before this
}

// Stats are a Host's counters since it was made, for metrics.
type Stats struct {
	Starts             int64 // instances started
	ProtocolViolations int64 // instances stopped for breaking the protocol
	StderrBytes        int64 // bytes the plugin wrote to stderr
	StderrDropped      int64 // of those, bytes not logged (over StderrRate)
}

// Stats returns the Host's counters.
func (h *Host) Stats() Stats {
	return Stats{
		Starts:             h.stats.starts.Load(),
		ProtocolViolations: h.stats.violations.Load(),
		StderrBytes:        h.stats.stderrBytes.Load(),
		StderrDropped:      h.stats.stderrDropped.Load(),
	}
}

// NewHost returns a Host for cfg. The plugin starts with the first call.
func NewHost(cfg Config) (*Host, error) {
	if cfg.Dir == "" || cfg.Exe == "" || path.Base(cfg.Exe) != cfg.Exe {
		return nil, fmt.Errorf("plugin: need a directory and an executable name in it, got %q and %q", cfg.Dir, cfg.Exe)
	}
	setDefault(&cfg.MemoryLimit, 64<<20)
	setDefault(&cfg.PidsLimit, 32)
	setDefault(&cfg.CPUQuota, 0.5)
	setDefault(&cfg.MinBackoff, 50*time.Millisecond)
	setDefault(&cfg.MaxBackoff, 5*time.Second)
	setDefault(&cfg.MaxLine, 1<<20)
	setDefault(&cfg.CallTimeout, 10*time.Second)
	setDefault(&cfg.OutputLimit, 1<<30)
	setDefault(&cfg.StderrRate, 64<<10)
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	// Every restart gets a new network namespace (FreshNetwork): a reused
	// one would carry the last instance's flow labels and counters to the
	// next, and a restart is rare enough for the namespace's cost (about
	// a millisecond) not to matter. See "What a restart clears" in the
	// package documentation.
	sb := sandbox.New().
		Bind(cfg.Dir, "/plugin").
		MemoryLimit(cfg.MemoryLimit).
		PidsLimit(cfg.PidsLimit).
		CPUQuota(cfg.CPUQuota).
		OutputLimit(cfg.OutputLimit).
		FreshNetwork()
	if err := sb.Err(); err != nil {
		return nil, fmt.Errorf("plugin: %w", err)
	}
	h := &Host{cfg: cfg, sb: sb, log: cfg.Logger}
	h.stderr = newStderrBudget(cfg.StderrRate, h)
	return h, nil
}

// maxBackoff bounds Config.MaxBackoff, so that the backoff's doubling and
// the quiet period (forgiveAfter × MaxBackoff) cannot overflow.
const maxBackoff = 24 * time.Hour

// checkConfig names the first field of cfg, defaults set, out of range.
func checkConfig(cfg Config) error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("plugin: Config.%s = %v: %s", field, v, why)
	}
	switch {
	case cfg.MemoryLimit < 0:
		return bad("MemoryLimit", cfg.MemoryLimit, "negative")
	case cfg.PidsLimit < 0:
		return bad("PidsLimit", cfg.PidsLimit, "negative")
	case cfg.CPUQuota < 0:
		return bad("CPUQuota", cfg.CPUQuota, "negative")
	case cfg.OutputLimit < 0:
		return bad("OutputLimit", cfg.OutputLimit, "negative")
	case cfg.MinBackoff < 0:
		return bad("MinBackoff", cfg.MinBackoff, "negative")
	case cfg.MaxBackoff < cfg.MinBackoff:
		return bad("MaxBackoff", cfg.MaxBackoff, fmt.Sprintf("below MinBackoff (%v)", cfg.MinBackoff))
	case cfg.MaxBackoff > maxBackoff:
		return bad("MaxBackoff", cfg.MaxBackoff, fmt.Sprintf("above %v", maxBackoff))
	case cfg.MaxLine < 0:
		return bad("MaxLine", cfg.MaxLine, "negative")
	case cfg.CallTimeout < 0:
		return bad("CallTimeout", cfg.CallTimeout, "negative")
	case cfg.StderrRate < 0:
		return bad("StderrRate", cfg.StderrRate, "negative")
	}
	return nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Call sends one request and waits for its answer. When ctx ends first the
// plugin is taken to be hung: it is killed, and restarted by a later call.
// A ctx without a deadline gets Config.CallTimeout.
func (h *Host) Call(ctx context.Context, op, arg string) (string, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.cfg.CallTimeout)
		defer cancel()
	}
	inst, err := h.instance(ctx)
	if err != nil {
		return "", err
	}
	id := h.id.Add(1)
	ch, err := inst.register(id)
	if err != nil {
		return "", err
	}
	defer inst.unregister(id)
	if err := inst.send(ctx, request{ID: id, Op: op, Arg: arg}); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The call's deadline passed while the plugin did not read.
			inst.kill("deadline")
			return "", fmt.Errorf("plugin: sending request: %w", context.DeadlineExceeded)
		}
		inst.kill("write failed")
		return "", fmt.Errorf("plugin: sending request: %w", err)
	}
	select {
	case r := <-ch:
		h.answered(inst)
		if r.Error != "" {
			return "", &CallError{Op: op, Msg: r.Error}
		}
		return r.Result, nil
	case <-ctx.Done():
		inst.kill("deadline")
		return "", fmt.Errorf("plugin: %s: %w", op, ctx.Err())
	case <-inst.done:
		return "", fmt.Errorf("plugin: %s: %w (%s)", op, ErrPluginExited, inst.why())
	}
}

// CallError is an error the plugin answered with.
type CallError struct{ Op, Msg string }

// Error quotes the plugin's message: it is the plugin's text, which may
// hold terminal escape sequences or forged log lines.
func (e *CallError) Error() string { return fmt.Sprintf("plugin: %s: %q", e.Op, e.Msg) }

// instance returns the running plugin, starting one once the backoff after
// the last death has passed.
func (h *Host) instance(ctx context.Context) (*instance, error) {
	for {
		h.mu.Lock()
		switch {
		case h.closed:
			h.mu.Unlock()
			return nil, ErrClosed
		case h.cur != nil && h.cur.dying():
			// Killed but not yet reaped: wait for its end and backoff.
			inst := h.cur
			h.mu.Unlock()
			select {
			case <-inst.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("plugin: waiting to restart: %w", ctx.Err())
			}
			continue
		case h.cur != nil:
			inst := h.cur
			h.mu.Unlock()
			return inst, nil
		}
		wait := time.Until(h.notBefore)
		if wait <= 0 {
			inst, err := h.start()
			if err != nil {
				h.failed(false)
				h.mu.Unlock()
				return nil, fmt.Errorf("plugin: start: %w", err)
			}
			h.cur = inst
			h.mu.Unlock()
			return inst, nil
		}
		h.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("plugin: waiting to restart: %w", ctx.Err())
		}
	}
}

// start starts the plugin; h.mu is held.
func (h *Host) start() (*instance, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(path.Join("/plugin", h.cfg.Exe), h.cfg.Args...)
	cmd.Stdin, cmd.Stdout = inR, outW
	stderr := &stderrLog{b: h.stderr}
	cmd.Stderr = stderr
	proc, err := h.sb.Start(cmd)
	inR.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	starts := h.stats.starts.Add(1)
	inst := &instance{
		// outW stays open until the plugin has ended: under OutputLimit
		// the sandbox copies the plugin's output into it, counting.
		h: h, proc: proc, stdin: inW, stdoutW: outW, stderr: stderr, started: time.Now(),
		pending: map[uint64]chan response{}, done: make(chan struct{}),
	}
	h.log.Info("plugin started", zap.Int("pid", proc.Pid()), zap.Int64("start", starts))
	go inst.readLoop(outR)
	go inst.waitLoop()
	return inst, nil
}

// answered notes a healthy plugin: the next death restarts it at once.
func (h *Host) answered(inst *instance) {
	h.mu.Lock()
	if h.cur == inst {
		h.failures = 0
	}
	h.mu.Unlock()
}

// failed counts a death and pushes the next start back; h.mu is held.
// The wait doubles with each death since the last answer, and with each
// protocol violation: those an answer does not forgive, only a quiet
// period (see violated).
func (h *Host) failed(violation bool) time.Duration {
	if !violation {
		h.failures++
	}
	n := h.failures + h.violations
	backoff := h.cfg.MinBackoff
	for i := 1; i < n && backoff < h.cfg.MaxBackoff; i++ {
		backoff *= 2 // MaxBackoff ≤ maxBackoff (checkConfig): no overflow
	}
	backoff = min(backoff, h.cfg.MaxBackoff)
	h.notBefore = time.Now().Add(backoff)
	return backoff
}

// violated counts a protocol violation. One more than forgiveAfter ×
// MaxBackoff after the last starts the count again.
func (h *Host) violated() {
	h.stats.violations.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if now.Sub(h.lastViolation) > forgiveAfter*h.cfg.MaxBackoff {
		h.violations = 0
	}
	h.violations++
	h.lastViolation = now
}

// forgiveAfter (× MaxBackoff) is the quiet period after which protocol
// violations no longer lengthen the backoff.
const forgiveAfter = 10

// detach forgets a plugin that ended and sets the backoff before the next
// start. It returns the backoff, and whether the host is closed.
func (h *Host) detach(inst *instance) (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == inst {
		h.cur = nil
	}
	if h.closed {
		return 0, true
	}
	return h.failed(inst.violation()), false
}

// logEnd logs how a plugin ended, with the sandbox's Result.
func (h *Host) logEnd(inst *instance, res *sandbox.Result, err error, backoff time.Duration, closed bool) {
	fields := []zap.Field{zap.String("reason", inst.why()), zap.Int("pid", inst.proc.Pid()),
		zap.Duration("uptime", time.Since(inst.started))}
	if res != nil {
		fields = append(fields, zap.Stringer("status", res.Status), zap.Int("exit_code", res.ExitCode),
			zap.Duration("cpu", res.CPUTime), zap.Duration("wall", res.WallTime),
			zap.Int64("memory_peak", res.MemoryPeak))
		if res.Signal != 0 {
			fields = append(fields, zap.Stringer("signal", res.Signal))
		}
	}
	if err != nil {
		fields = append(fields, zap.Error(err))
	}
	if closed {
		h.log.Info("plugin stopped", fields...)
		return
	}
	h.log.Warn("plugin died, restarting", append(fields, zap.Duration("backoff", backoff))...)
}

// Pid returns the host PID of the running plugin's sandbox, or 0.
func (h *Host) Pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur == nil {
		return 0
	}
	return h.cur.proc.Pid()
}

// Close stops the plugin and refuses further calls.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	inst := h.cur
	h.mu.Unlock()
	if inst != nil {
		inst.kill("close")
		<-inst.done
	}
	return nil
}
