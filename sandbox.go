package sandbox

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"path"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Sandbox is a reusable sandbox configuration, built by chaining methods on
// New(). Setters change the Sandbox they are called on and return it; they
// only record and validate their argument: bad values are kept as
// *ConfigError and returned, joined, by Run and Start. Configure first, then
// run: one Sandbox may serve many concurrent runs, each taking a snapshot of
// it. Clone derives a variant without changing the original.
type Sandbox struct {
	cfg  config
	errs []error
}

// mountKind says what a mount entry is.
type mountKind int

const (
	mountBind mountKind = iota
	mountTmpfs
)

type mountSpec struct {
	kind     mountKind
	src, dst string
	writable bool
	size     int64
}

// config is the snapshot a run works from.
type config struct {
	root     string
	ns       Namespace
	nsSet    bool
	hostname string
	mounts   []mountSpec
	uid, gid int
	runAs    bool
	wallTime time.Duration
	logger   *zap.Logger
	timeMono time.Duration
	timeBoot time.Duration
	timeSet  bool
	seccomp  seccompSetting
	rlimits  []rlimitSpec
	limits   limits
	net      *netPool
	freshNet bool
	roots    *rootCache
	backend  Backend
	gvisor   gvisorConfig

	landlockBestEffort bool     // see LandlockBestEffort
	probe              bool     // a backend's availability probe: skip the availability check
	uids               *uidPool // host uids of runs (UIDRange)
	perRunRoot         bool     // tests: assemble the root in every run, never copy a template (roottemplate_linux.go)
}

type rlimitSpec struct {
	resource int
	cur, max uint64
}

// DefaultUID and DefaultGID are the identity the command has inside a user
// namespace ("nobody" and "nogroup" on Debian), mapped to the run's host uid
// (UIDRange) or, rootless, to the caller's own ids. Without a user
// namespace a root caller's command runs as a uid of UIDRange instead.
const (
	DefaultUID = 65534
	DefaultGID = 65534
)

// DefaultHostname is the host name inside the sandbox unless Hostname says
// otherwise.
const DefaultHostname = "sandbox"

// DefaultTmpSize is the size of the sandbox's /tmp unless Tmpfs("/tmp", n)
// says otherwise.
const DefaultTmpSize = 128 << 20

// New returns the default sandbox: see the package documentation for what
// it isolates.
func New() *Sandbox {
	return &Sandbox{cfg: config{
		uid:      DefaultUID,
		gid:      DefaultGID,
		hostname: DefaultHostname,
		logger:   zap.NewNop(),
		seccomp:  defaultSeccomp(),
		net:      newNetPool(),
		roots:    &rootCache{},
		uids:     defaultUIDs(),
	}}
}

// Clone returns an independent copy of s, to derive variants from a base
// configuration: base.Clone().MemoryLimit(n) leaves base as it was.
func (s *Sandbox) Clone() *Sandbox {
	c := &Sandbox{cfg: s.cfg, errs: append([]error(nil), s.errs...)}
	c.cfg.mounts = append([]mountSpec(nil), s.cfg.mounts...)
	c.cfg.rlimits = append([]rlimitSpec(nil), s.cfg.rlimits...)
	c.cfg.roots = &rootCache{}
	return c
}

// Err returns what the builder calls so far did wrong, each a *ConfigError
// naming the method and the value, joined; nil when nothing did. Run and
// Start return the same error before starting anything: Err lets a caller
// check a configuration where it builds it, not at its first run.
func (s *Sandbox) Err() error { return errors.Join(s.errs...) }

func (s *Sandbox) fail(method string, value any, format string, args ...any) *Sandbox {
	s.errs = append(s.errs, &ConfigError{Method: method, Value: value, Reason: fmt.Sprintf(format, args...)})
	return s
}

// Chroot makes dir the root of the sandbox, read-only. Its top-level
// entries are bound into a fresh root; dir itself is never modified. /proc,
// /dev and /tmp are always the sandbox's own.
func (s *Sandbox) Chroot(dir string) *Sandbox {
	switch {
	case dir == "":
		return s.fail("Chroot", dir, "empty path")
	case strings.ContainsRune(dir, 0):
		return s.fail("Chroot", dir, "contains a NUL byte")
	}
	s.cfg.root = dir
	return s
}

// Namespaces replaces the set of namespaces to unshare. See New for the
// default set.
func (s *Sandbox) Namespaces(ns ...Namespace) *Sandbox {
	var set Namespace
	for _, n := range ns {
		if n == 0 || n&^allNamespaces != 0 {
			return s.fail("Namespaces", uint(n), "unknown namespace")
		}
		set |= n
	}
	s.cfg.ns = set
	s.cfg.nsSet = true
	return s
}

// Hostname sets the host name inside the sandbox (UTS namespace).
func (s *Sandbox) Hostname(name string) *Sandbox {
	switch {
	case name == "":
		return s.fail("Hostname", name, "empty host name")
	case len(name) > 64:
		return s.fail("Hostname", name, "longer than 64 bytes")
	case strings.ContainsRune(name, 0):
		return s.fail("Hostname", name, "contains a NUL byte")
	}
	s.cfg.hostname = name
	return s
}

// checkDst validates a path inside the sandbox.
func checkDst(dst string) (string, string) {
	switch {
	case dst == "":
		return "", "empty destination"
	case !path.IsAbs(dst):
		return "", "destination must be absolute"
	case strings.ContainsRune(dst, 0):
		return "", "contains a NUL byte"
	}
	for _, part := range strings.Split(dst, "/") {
		if part == ".." {
			return "", "destination must not contain .."
		}
	}
	clean := path.Clean(dst)
	if clean == "/" {
		return "", "cannot mount over the sandbox's root; use Chroot"
	}
	return clean, ""
}

func (s *Sandbox) bind(method, src, dst string, writable bool) *Sandbox {
	if src == "" || strings.ContainsRune(src, 0) {
		return s.fail(method, src, "bad source path")
	}
	clean, why := checkDst(dst)
	if why != "" {
		return s.fail(method, dst, "%s", why)
	}
	s.cfg.mounts = append(s.cfg.mounts, mountSpec{kind: mountBind, src: src, dst: clean, writable: writable})
	return s
}

// Bind makes the host's src visible read-only at dst inside the sandbox.
func (s *Sandbox) Bind(src, dst string) *Sandbox { return s.bind("Bind", src, dst, false) }

// BindWritable makes the host's src visible and writable at dst.
//
// A mount inside it (a Bind at dst/a/b) is only as fixed as the tree
// around it: whoever can write the tree (the run, a concurrent run given
// the same src, a host process) can rename a directory above the mount,
// and the mount moves with the directory, leaving dst/a/b to be whatever
// the renamer puts there. Give such a run's inputs a destination outside
// its writable trees.
func (s *Sandbox) BindWritable(src, dst string) *Sandbox {
	return s.bind("BindWritable", src, dst, true)
}

// Tmpfs mounts an empty, writable tmpfs of at most size bytes at dst.
func (s *Sandbox) Tmpfs(dst string, size int64) *Sandbox {
	clean, why := checkDst(dst)
	if why != "" {
		return s.fail("Tmpfs", dst, "%s", why)
	}
	if size <= 0 {
		return s.fail("Tmpfs", size, "size must be positive")
	}
	s.cfg.mounts = append(s.cfg.mounts, mountSpec{kind: mountTmpfs, dst: clean, size: size})
	return s
}

// RunAs sets the user and group IDs the command runs as.
func (s *Sandbox) RunAs(uid, gid int) *Sandbox {
	if uid < 0 || uid > 1<<31-2 {
		return s.fail("RunAs", uid, "uid out of range")
	}
	if gid < 0 || gid > 1<<31-2 {
		return s.fail("RunAs", gid, "gid out of range")
	}
	s.cfg.uid, s.cfg.gid, s.cfg.runAs = uid, gid, true
	return s
}

// WallTimeLimit stops the run after d of real time
// (Status WallTimeLimitExceeded).
func (s *Sandbox) WallTimeLimit(d time.Duration) *Sandbox {
	if d <= 0 {
		return s.fail("WallTimeLimit", d, "duration must be positive")
	}
	s.cfg.wallTime = d
	return s
}

// TimeOffsets gives the sandbox its own CLOCK_MONOTONIC and CLOCK_BOOTTIME
// offsets and so a Time namespace (added to the set of namespaces). Each
// may be negative, to a fraction of a second. An offset beyond ±146 years
// (KTIME_SEC_MAX/2 seconds, the range the kernel allows a namespace's
// clock) is a *ConfigError; one that would take the clock out of that range
// when the run starts (a negative offset larger than the host's clock)
// fails the run's setup (a *SetupError, ERANGE).
func (s *Sandbox) TimeOffsets(monotonic, boottime time.Duration) *Sandbox {
	for _, d := range []time.Duration{monotonic, boottime} {
		if sec, _ := splitOffset(d); sec > maxOffsetSec || sec < -maxOffsetSec {
			return s.fail("TimeOffsets", d, "beyond ±%d s, the range of a time namespace's clock (time_namespaces(7))", maxOffsetSec)
		}
	}
	s.cfg.timeMono, s.cfg.timeBoot, s.cfg.timeSet = monotonic, boottime, true
	return s
}

// maxOffsetSec bounds a time namespace's offsets: the kernel refuses an
// offset that puts its clock past KTIME_SEC_MAX/2 seconds (KTIME_SEC_MAX
// is KTIME_MAX/NSEC_PER_SEC, include/linux/time64.h) or below 0
// (kernel/time/namespace.c), and no host clock is past that either.
const maxOffsetSec = math.MaxInt64 / 1_000_000_000 / 2

// splitOffset splits d as /proc/PID/timens_offsets takes it: seconds,
// rounded down, and nanoseconds in [0, 1e9).
func splitOffset(d time.Duration) (sec, nsec int64) {
	sec, nsec = int64(d/time.Second), int64(d%time.Second)
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	return sec, nsec
}

// FreshNetwork makes every run create its own network namespace instead of
// reusing one left by an earlier run of this Sandbox. A namespace is reused
// only when it shows no trace of that run (its counters, sockets and flow
// labels as in a pristine one), so a run learns nothing from the one before.
func (s *Sandbox) FreshNetwork() *Sandbox {
	s.cfg.freshNet = true
	return s
}

// Close releases what the Sandbox keeps between runs (idle network
// namespaces, once the checks of those its last runs left have ended, the
// planned root filesystem, its template mount namespace and the
// descriptors it holds).
// The garbage collector does it too, once no Sandbox shares them; a
// Sandbox may still run after Close.
//
// Until then the Sandbox holds its Bind sources and its Chroot directory
// open, and its root template's mounts keep their filesystems in use: the
// host cannot unmount one (the target is busy; umount -l detaches it, and
// mkfs and fsck still refuse its device) until Close.
func (s *Sandbox) Close() error {
	if s.cfg.net != nil {
		s.cfg.net.release()
	}
	if s.cfg.roots != nil {
		s.cfg.roots.release()
	}
	return nil
}

// Logger sets where the sandbox logs: one debug line per setup step and one
// info line per finished run. The default logs nothing.
func (s *Sandbox) Logger(l *zap.Logger) *Sandbox {
	if l == nil {
		l = zap.NewNop()
	}
	s.cfg.logger = l
	return s
}

// Result is what happened to a command that started.
//
// The fields after MemoryPeak are the run statistics of isolate's meta
// file and more. Each says where it comes from, and each is -1 when the
// run left no such evidence: this kernel or configuration does not give
// it, or init died before it could report (a run the sandbox stops, by a
// limit, Kill or a context, still has init's report). Such a field is
// never estimated, and never 0 for unknown.
// "Every process of the run" in the rusage fields means every process
// whose exit was waited for, by init or by its own parent; the kernel
// reaps the children of a process that ignores SIGCHLD without counting
// them anywhere.
type Result struct {
	Status   Status
	ExitCode int            // exit code, or -1 if it was killed by a signal
	Signal   syscall.Signal // the signal that killed it, or 0
	// CPUTime is the user+system CPU of every process of the run: the
	// run's cgroup's (cpu.stat usage_usec on v2, cpuacct.usage on v1);
	// without a cgroup, the rusage of every process init reaped, summed
	// (init's own, with what it reaped, if init died before it reported).
	CPUTime  time.Duration
	WallTime time.Duration // from start to the end of the last process, by the sandbox's clock
	// MemoryPeak is the run's peak memory in bytes: the run's cgroup's
	// (memory.peak on v2, memory.max_usage_in_bytes on v1). Without a
	// cgroup, or without that file, it is MaxRSS; under the Landlock
	// backend's polling, the larger of MaxRSS and the largest peak
	// resident set (VmHWM) of one process the polls saw. -1 when none of
	// these is known.
	MemoryPeak int64

	// VoluntarySwitches and ForcedSwitches are the context switches of
	// every process of the run (rusage ru_nvcsw and ru_nivcsw, summed by
	// init): the times a process gave up the CPU (to wait, sleep or
	// yield) and the times the scheduler took it away. isolate's
	// csw-voluntary and csw-forced. Both include the command's process
	// from its fork, so its waits while the sandbox set it up too.
	VoluntarySwitches int64
	ForcedSwitches    int64
	// MaxRSS is the largest peak resident set of any single process of
	// the run, in bytes (rusage ru_maxrss, the largest init reaped):
	// isolate's max-rss. Linux counts in ru_maxrss the memory a process
	// left at execve, and the command's process starts from the
	// embedding process's memory (shared or copied), so a value not
	// above that memory's peak (the command's own ru_maxrss just before
	// its execve, and init's after it) by more than the kernel's RSS
	// counters may lag (4 MiB; 16 KiB per CPU past 256 CPUs) is no
	// evidence of the command's, and MaxRSS is -1: a program not larger
	// than the embedding process gets -1, and MemoryPeak from a cgroup
	// instead.
	MaxRSS int64
	// DiskReadBytes and DiskWriteBytes are what every process of the run
	// read from and wrote to storage (rusage ru_inblock and ru_oublock,
	// the kernel's per-task I/O accounting, in 512-byte units): a read
	// the page cache serves counts nothing, a buffered write counts when
	// it dirties the page cache (whenever the kernel writes it back), a
	// file on tmpfs counts nothing. -1 when the kernel has no task I/O
	// accounting (no /proc/self/io).
	DiskReadBytes  int64
	DiskWriteBytes int64
	// StdoutBytes and StderrBytes are the bytes the command wrote to
	// Stdout and Stderr, counted by the sandbox as it drains them from a
	// pipe of its own (an io.Writer, a regular file, a socket; a pipe
	// when the caller is not root, and a terminal, under OutputLimit):
	// bytes past OutputLimit that it dropped count too. -1 where the
	// command writes to the caller's descriptor itself (a terminal; a
	// pipe, reopened, as root without OutputLimit) or to /dev/null (nil).
	// When Stdout and Stderr are the same writer they share one pipe:
	// StdoutBytes counts both and StderrBytes is -1.
	StdoutBytes int64
	StderrBytes int64
	// Processes is how many processes and threads the run created, the
	// command included: the last PID of the run's PID namespace
	// (ns_last_pid, numbers are handed out in order from init's 1), read
	// by init at the end, minus init. Exact until the namespace runs out
	// of numbers: past its pid_max (kernel.pid_max, often 32768) the
	// kernel hands out freed ones again and the count reads low. -1
	// without a PID namespace. (A command given CAP_SYS_ADMIN or
	// CAP_CHECKPOINT_RESTORE over its namespaces could set ns_last_pid:
	// for such a command the count is its own word.)
	Processes int64
	// ProcessesPeak is the most processes and threads of the run alive at
	// once, as PidsLimit counts them (the run's cgroup pids.peak, v1 and
	// v2, Linux 6.1). -1 without a cgroup: a run without limits has none.
	ProcessesPeak int64
}

// Run runs cmd in the sandbox and waits for it. It returns a nil Result
// and the error when the command did not start (a *ConfigError, a
// *SetupError, an *UnavailableError; under GVisor also runsc's failure
// before the command started, see Process.Wait), else the Result, with a
// *WaitError beside it when a step at the run's end failed.
func (s *Sandbox) Run(cmd *exec.Cmd) (*Result, error) {
	return s.RunContext(context.Background(), cmd)
}

// RunContext is Run with a context: when ctx ends before the command, every
// process of the sandbox is killed, and the error wraps ctx.Err() beside a
// Result whose Status is Killed.
func (s *Sandbox) RunContext(ctx context.Context, cmd *exec.Cmd) (*Result, error) {
	p, err := s.start(ctx, cmd)
	if err != nil {
		return nil, err
	}
	res, err := p.Wait()
	switch {
	case p.ctxErr != nil && err != nil:
		err = fmt.Errorf("sandbox: run canceled: %w; %w", p.ctxErr, err)
	case p.ctxErr != nil:
		err = fmt.Errorf("sandbox: run canceled: %w", p.ctxErr)
	}
	return res, err
}

// Start starts cmd in the sandbox and returns without waiting for it.
//
// A run is started from a thread of the library's own, not the caller's:
// it goes on if the caller's goroutine ends while locked to its thread,
// and it takes nothing from that thread's own settings (a namespace
// entered with setns, CPU affinity).
func (s *Sandbox) Start(cmd *exec.Cmd) (*Process, error) {
	return s.start(context.Background(), cmd)
}
