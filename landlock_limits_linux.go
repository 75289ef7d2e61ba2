package sandbox

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// Without a cgroup (an unprivileged caller without a delegated subtree),
// the Landlock backend enforces the limits itself:
//
//	MemoryLimit   the resident anonymous and shared memory (RssAnon +
//	              RssShmem) of every process of the run together, polled
//	              every memoryPollInterval; at the limit the run is killed
//	              (MemoryLimitExceeded). Result.MemoryPeak is the largest
//	              peak RSS (VmHWM) of one process the polls saw, or MaxRSS
//	              when that is larger (a peak between two polls). (The wait
//	              status's ru_maxrss alone cannot serve: execve records the
//	              peak RSS of the memory it replaces, which for a command
//	              started from the embedding process is that process's own;
//	              see Result.MaxRSS.)
//	CPUTimeLimit  the user+system time of every process of the run (those
//	              still running, and those reaped), polled as with a
//	              cgroup; RLIMIT_CPU is the per-process backstop.
//	PidsLimit     RLIMIT_NPROC, which the kernel counts per user, not per
//	              run: the run may create n more processes and threads
//	              than its user had when it started; other processes of the
//	              same user (the caller's own, when unprivileged, and other
//	              runs) share that count as it changes.
//	CPUQuota      cannot be enforced: an error before start.

// memoryPollInterval is how often a run's memory is read without a cgroup.
const memoryPollInterval = 5 * time.Millisecond

// makeCgroup makes the run's cgroup. For the Landlock backend, a host
// where the caller may not make one falls back to polling, unless the
// caller named the parent or asked for a CPU quota, which only a cgroup
// enforces.
func (p *Process) makeCgroup() (cgroup.Group, error) {
	ll := p.ll
	canPoll := ll != nil && p.cfg.limits.cgroupParent == "" && p.cfg.limits.cpuQuota == 0
	if !canPoll || time.Since(time.Unix(0, cgroupRefused.Load())) > cgroupRetry {
		cg, err := newRunCgroup(p.cfg)
		if err == nil || !canPoll || !errors.Is(err, ErrCgroupUnavailable) {
			return cg, err
		}
		cgroupRefused.Store(time.Now().UnixNano())
	}
	ll.polling = true
	if n := p.cfg.limits.pids; n > 0 {
		// The run's user's processes and threads now, plus init when it is
		// the same user (an unprivileged caller).
		uid := p.cfg.uid
		if !ll.root {
			uid = os.Geteuid()
			n++
		}
		lim := uint64(tasksOf(uid) + n)
		p.cfg.rlimits = append([]rlimitSpec{{resource: unix.RLIMIT_NPROC, cur: lim, max: lim}}, p.cfg.rlimits...)
	}
	return nil, nil
}

// cgroupRefused is when a Landlock run last found that this process may
// not make cgroups (unix nanoseconds): later runs poll without asking again
// for cgroupRetry.
var cgroupRefused atomic.Int64

// cgroupRetry is how long a refusal of cgroups is believed: a delegation
// granted later is used from then on.
const cgroupRetry = time.Minute

// tasksOf counts the processes and threads of real user uid that this
// process can see. /proc/PID's owner (the process's effective uid) picks
// the candidates, their status says the real uid and the threads. (A
// process of uid that is not dumpable shows as root's and is not counted:
// the limit then errs on the tight side.)
func tasksOf(uid int) int64 {
	f, err := os.Open("/proc")
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	var n int64
	buf := make([]byte, 4096)
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+name, &st) != nil || int(st.Uid) != uid {
			continue
		}
		b := readProc("/proc/"+name+"/status", buf)
		if u, ok := field(b, "Uid:"); ok && u == int64(uid) {
			t, _ := field(b, "Threads:")
			n += max(t, 1)
		}
	}
	return n
}

// pollTree enforces MemoryLimit and CPUTimeLimit of a run without a
// cgroup, reading /proc for every process below init.
func (p *Process) pollTree() {
	l := p.ll.limits
	interval := memoryPollInterval
	if l.memory == 0 {
		interval = cpuPollInterval(l.cpuTime)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	w := treeWalker{buf: make([]byte, 4096)}
	for {
		select {
		case <-p.done:
			return
		case <-tick.C:
			cpu, mem, hwm := w.usage(p.pid)
			if hwm > p.ll.peak.Load() {
				p.ll.peak.Store(hwm)
			}
			if l.memory > 0 && mem >= l.memory {
				p.stop(stopMemory)
				return
			}
			if l.cpuTime > 0 && cpu >= l.cpuTime {
				p.stop(stopCPU)
				return
			}
		}
	}
}

// landlockEvidence adds what a run without a cgroup shows at its end: the
// CPU time of every process (counted by init) at CPUTimeLimit; and it
// reports as MemoryPeak the larger of MaxRSS and the largest peak the
// polls saw, or -1 when neither is known (no poll ran, or none saw a
// process, and MaxRSS is unknown).
func (p *Process) landlockEvidence(res *Result, ev *evidence) {
	if p.ll == nil || !p.ll.polling {
		return
	}
	l := p.ll.limits
	if peak := p.ll.peak.Load(); peak > 0 && peak > res.MemoryPeak {
		res.MemoryPeak = peak
	}
	ev.cpuLimit = ev.cpuLimit || (l.cpuTime > 0 && res.CPUTime >= l.cpuTime)
}

// clockTick is the unit of /proc/PID/stat's times (USER_HZ).
const clockTick = 10 * time.Millisecond

// treeWalker reads the usage of a process tree from /proc.
type treeWalker struct {
	buf   []byte
	stack []int
}

// usage returns the CPU time of init's reaped children and of every
// process below init (with the children they reaped), the resident
// anonymous and shared memory of those processes together, and the largest
// peak RSS of one of them.
func (w *treeWalker) usage(init int) (cpu time.Duration, mem, hwm int64) {
	ticks := int64(0)
	if st := statFields(readProc("/proc/"+strconv.Itoa(init)+"/stat", w.buf)); st != nil {
		ticks += st[16] + st[17] // cutime, cstime
	}
	w.stack = w.children(init, w.stack[:0])
	for len(w.stack) > 0 {
		pid := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		dir := "/proc/" + strconv.Itoa(pid)
		if st := statFields(readProc(dir+"/stat", w.buf)); st != nil {
			ticks += st[14] + st[15] + st[16] + st[17] // utime, stime, cutime, cstime
		}
		b := readProc(dir+"/status", w.buf)
		anon, _ := field(b, "RssAnon:")
		shm, _ := field(b, "RssShmem:")
		mem += (anon + shm) << 10
		if peak, ok := field(b, "VmHWM:"); ok {
			hwm = max(hwm, peak<<10)
		}
		w.stack = w.children(pid, w.stack)
	}
	return time.Duration(ticks) * clockTick, mem, hwm
}

// children appends the children of every thread of pid.
func (w *treeWalker) children(pid int, out []int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, _ := os.ReadDir(dir)
	for _, t := range tasks {
		for _, f := range bytes.Fields(readProc(dir+t.Name()+"/children", w.buf)) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// readProc reads a small /proc file into buf; nil if it cannot.
func readProc(path string, buf []byte) []byte {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, buf)
	if err != nil || n <= 0 {
		return nil
	}
	return buf[:n]
}

// statFields returns fields 4 to 17 of /proc/PID/stat as numbers, indexed
// by their number in proc(5) (14 utime, 15 stime, 16 cutime, 17 cstime);
// nil if b is not such a file. The fields are counted from the end of the
// command name, which may hold spaces and parentheses.
func statFields(b []byte) []int64 {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3, the state
	if len(f) < 15 {
		return nil
	}
	out := make([]int64, 18)
	for k := 4; k <= 17; k++ {
		out[k], _ = strconv.ParseInt(string(f[k-3]), 10, 64)
	}
	return out
}

// field returns the first number after key in a /proc status file.
func field(b []byte, key string) (int64, bool) {
	i := bytes.Index(b, []byte("\n"+key))
	if i < 0 {
		return 0, false
	}
	f := bytes.Fields(b[i+1+len(key):])
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(f[0]), 10, 64)
	return n, err == nil
}
