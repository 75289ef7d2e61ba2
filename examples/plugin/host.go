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

	MinBackoff time.Duration // wait before the first restart; default 50 ms
	MaxBackoff time.Duration // the longest wait; default 5 s
	MaxLine    int           // the longest answer accepted; default 1 MiB

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
	cfg Config
	sb  *sandbox.Sandbox
	log *zap.Logger
	id  atomic.Uint64

	mu        sync.Mutex
	cur       *instance // nil between a death and the next call
	closed    bool
	failures  int       // deaths since the last answered request
	notBefore time.Time // no restart before this
	starts    int
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
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	sb := sandbox.New().
		Bind(cfg.Dir, "/plugin").
		MemoryLimit(cfg.MemoryLimit).
		PidsLimit(cfg.PidsLimit).
		CPUQuota(cfg.CPUQuota)
	return &Host{cfg: cfg, sb: sb, log: cfg.Logger}, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Call sends one request and waits for its answer. When ctx ends first the
// plugin is taken to be hung: it is killed, and restarted by a later call.
func (h *Host) Call(ctx context.Context, op, arg string) (string, error) {
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

func (e *CallError) Error() string { return fmt.Sprintf("plugin: %s: %s", e.Op, e.Msg) }

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
				h.failed()
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
	cmd.Stderr = &logWriter{log: h.log}
	proc, err := h.sb.Start(cmd)
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	h.starts++
	inst := &instance{
		h: h, proc: proc, stdin: inW, started: time.Now(),
		pending: map[uint64]chan response{}, done: make(chan struct{}),
	}
	h.log.Info("plugin started", zap.Int("pid", proc.Pid()), zap.Int("start", h.starts))
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
func (h *Host) failed() time.Duration {
	h.failures++
	backoff := h.cfg.MaxBackoff
	if h.failures <= 30 {
		backoff = min(h.cfg.MinBackoff<<(h.failures-1), h.cfg.MaxBackoff)
	}
	h.notBefore = time.Now().Add(backoff)
	return backoff
}

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
	return h.failed(), false
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
