//go:build linux

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sandboxkit/sandbox"
)

// options are sbx's parsed flags.
type options struct {
	root     string
	binds    []string
	bindsRW  []string
	tmpfs    []string
	hostname string
	mem      string
	pids     int64
	cpuQuota float64
	cpuTime  time.Duration
	wallTime time.Duration
	output   string
	ns       string
	seccomp  string
	json     bool
	logLevel string
	env      []string
	dir      string
	setEnv   []string
	backend  string
	runsc    string
	platform string

	landlockBestEffort bool
}

type listFlag struct{ v *[]string }

func (l listFlag) String() string     { return "" }
func (l listFlag) Set(s string) error { *l.v = append(*l.v, s); return nil }

func parseFlags(args []string) (*options, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet("sbx", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.root, "root", "", "directory to use as the root, read-only (default: a read-only view of the host's system directories)")
	fs.Var(listFlag{&o.binds}, "bind", "SRC[:DST] bind SRC read-only at DST (repeatable)")
	fs.Var(listFlag{&o.bindsRW}, "bind-rw", "SRC[:DST] bind SRC writable at DST (repeatable)")
	fs.Var(listFlag{&o.tmpfs}, "tmpfs", "DST[:SIZE] mount a tmpfs at DST (default size 64MiB, repeatable)")
	fs.StringVar(&o.hostname, "hostname", "", "host name inside the sandbox")
	fs.StringVar(&o.mem, "mem", "", "memory limit, e.g. 256MiB")
	fs.Int64Var(&o.pids, "pids", 0, "limit on processes and threads")
	fs.Float64Var(&o.cpuQuota, "cpu-quota", 0, "CPU bandwidth in CPUs, e.g. 0.5")
	fs.DurationVar(&o.cpuTime, "cpu-time", 0, "CPU time limit, e.g. 2s")
	fs.DurationVar(&o.wallTime, "wall-time", 0, "wall time limit, e.g. 5s")
	fs.StringVar(&o.output, "output-limit", "", "limit on bytes written, e.g. 64MiB")
	fs.StringVar(&o.ns, "ns", "", "comma-separated namespaces to unshare (pid,net,mnt,ipc,user,uts,cgroup,time); default: the library's")
	fs.StringVar(&o.seccomp, "seccomp", "default", "seccomp profile: default, strict, none, or a JSON policy file")
	fs.BoolVar(&o.json, "json", false, "print the Result as JSON on stderr")
	fs.StringVar(&o.logLevel, "log-level", "", "log the sandbox's steps at this level (debug, info) on stderr")
	fs.Var(listFlag{&o.setEnv}, "env", "KEY=VALUE environment variable for the command (repeatable; default: only PATH)")
	fs.StringVar(&o.dir, "dir", "", "working directory inside the sandbox (default /)")
	fs.StringVar(&o.backend, "backend", "native", "isolation backend: native, landlock or gvisor")
	fs.BoolVar(&o.landlockBestEffort, "landlock-best-effort", false, "with --backend landlock: run without the layers an older kernel's Landlock lacks")
	fs.StringVar(&o.runsc, "runsc", "", "the runsc binary of --backend gvisor (default: runsc on PATH)")
	fs.StringVar(&o.platform, "gvisor-platform", "", "the gVisor platform: systrap, kvm or ptrace (default: the fastest that works here)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, usage(fs)
		}
		return nil, nil, err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return nil, nil, usage(fs)
	}
	o.env = o.setEnv
	return o, argv, nil
}

func usage(fs *flag.FlagSet) error {
	var b strings.Builder
	b.WriteString("usage: sbx [flags] -- CMD ARGS…\n       sbx doctor\nflags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return errors.New(b.String())
}

// sandbox builds the Sandbox the flags describe.
func (o *options) sandbox() (*sandbox.Sandbox, error) {
	sb := sandbox.New()
	b, ok := sandbox.ParseBackend(o.backend)
	if !ok {
		return nil, fmt.Errorf("--backend: unknown backend %q (native, landlock, gvisor)", o.backend)
	}
	sb.Backend(b)
	if o.landlockBestEffort {
		sb.LandlockBestEffort()
	}
	if o.runsc != "" {
		sb.RunscPath(o.runsc)
	}
	if o.platform != "" {
		sb.GVisorPlatform(o.platform)
	}
	if o.hostname != "" {
		sb.Hostname(o.hostname)
	}
	for _, apply := range []func(*sandbox.Sandbox) error{o.applyMounts, o.applyLimits, o.applyNamespaces, o.applySeccomp, o.applyLogger} {
		if err := apply(sb); err != nil {
			return nil, err
		}
	}
	return sb, nil
}

// applyMounts applies --root, --bind, --bind-rw and --tmpfs.
func (o *options) applyMounts(sb *sandbox.Sandbox) error {
	if o.root != "" {
		sb.Chroot(o.root)
	}
	for _, b := range o.binds {
		src, dst := splitPair(b)
		sb.Bind(src, dst)
	}
	for _, b := range o.bindsRW {
		src, dst := splitPair(b)
		sb.BindWritable(src, dst)
	}
	for _, t := range o.tmpfs {
		dst, size := t, int64(64<<20)
		if i := strings.LastIndexByte(t, ':'); i >= 0 {
			n, err := parseSize(t[i+1:])
			if err != nil {
				return fmt.Errorf("--tmpfs %s: %w", t, err)
			}
			dst, size = t[:i], n
		}
		sb.Tmpfs(dst, size)
	}
	return nil
}

// applyLimits applies --mem, --pids, --cpu-quota, --cpu-time, --wall-time
// and --output-limit.
func (o *options) applyLimits(sb *sandbox.Sandbox) error {
	if o.mem != "" {
		n, err := parseSize(o.mem)
		if err != nil {
			return fmt.Errorf("--mem: %w", err)
		}
		sb.MemoryLimit(n)
	}
	if o.pids != 0 {
		sb.PidsLimit(o.pids)
	}
	if o.cpuQuota != 0 {
		sb.CPUQuota(o.cpuQuota)
	}
	if o.cpuTime != 0 {
		sb.CPUTimeLimit(o.cpuTime)
	}
	if o.wallTime != 0 {
		sb.WallTimeLimit(o.wallTime)
	}
	if o.output != "" {
		n, err := parseSize(o.output)
		if err != nil {
			return fmt.Errorf("--output-limit: %w", err)
		}
		sb.OutputLimit(n)
	}
	return nil
}

// applyNamespaces applies --ns.
func (o *options) applyNamespaces(sb *sandbox.Sandbox) error {
	if o.ns == "" {
		return nil
	}
	var set []sandbox.Namespace
	for _, name := range strings.Split(o.ns, ",") {
		n, ok := sandbox.ParseNamespace(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("--ns: unknown namespace %q", name)
		}
		set = append(set, n)
	}
	sb.Namespaces(set...)
	return nil
}

// applyLogger applies --log-level: zap's development logger at that level.
func (o *options) applyLogger(sb *sandbox.Sandbox) error {
	if o.logLevel == "" {
		return nil
	}
	var lvl zapcore.Level
	if err := lvl.Set(o.logLevel); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg := zap.NewDevelopmentConfig()
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	l, err := cfg.Build()
	if err != nil {
		return err
	}
	sb.Logger(l)
	return nil
}

// splitPair splits SRC[:DST]; DST defaults to SRC.
func splitPair(s string) (string, string) {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, s
}

// parseSize reads a byte count: 1024, 64k, 64KiB, 256M, 256MiB, 1G, 1GiB.
func parseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "ib"), "b")
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult != 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
