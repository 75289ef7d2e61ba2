package sandbox

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// Creating a network namespace is the most expensive step of a run, and it
// serialises in the kernel. A Sandbox therefore keeps the namespaces of its
// finished runs (up to netPoolMax) and the next run joins one with setns
// instead of making its own. A namespace is kept only when nothing of its
// run can be left in it but what it shows: the run had its own PID
// namespace, which the kernel empties before init's exit completes, and
// nothing of the run but its processes could change it (only loopback, no
// capabilities). What a finished run can leave is counters it raised
// (packets sent, say: a channel to the next run), sockets the kernel still
// closes (TCP TIME_WAIT) and IPv6 flow labels, which linger.
//
// Once init is reaped, a goroutine moves a locked thread into the
// namespace and compares what it shows with what a pristine one shows (a
// fingerprint the parent takes once per process, in a namespace it makes
// for the purpose). Only a namespace without a difference joins the pool,
// and nothing can change it there: no process is in it, no socket of it is
// open, and only the pool holds it. The check runs beside the caller's
// next run rather than in its path: a Sandbox keeps two namespaces going,
// so that one is ready while the other is checked. FreshNetwork opts out.

// netCheckFiles are the files compared, under /proc/thread-self/net: every
// counter of IPv4, IPv6 and the loopback device; the per-namespace socket
// counts (O(1) to read, where /proc/net/tcp walks the host's whole
// connection table): "sockets: used" counts every socket of the namespace,
// of any family, and "tw" the TCP TIME_WAIT ones, IPv6 too; and the IPv6
// flow labels, which outlive their sockets and raise no counter.
var netCheckFiles = []string{"snmp", "snmp6", "netstat", "dev", "sockstat", "ip6_flowlabel"}

// pristineNet is the fingerprint of a pristine network namespace, taken
// once per process; an error turns the pool off.
var pristineNet = sync.OnceValues(func() (*netCheck, error) {
	type result struct {
		texts map[string][]byte
		err   error
	}
	ch := make(chan result)
	go func() {
		// The thread gets a namespace of its own: it is never unlocked,
		// so it ends with the goroutine.
		runtime.LockOSThread()
		texts, err := readPristineNet()
		ch <- result{texts, err}
	}()
	r := <-ch
	if r.err != nil {
		return nil, r.err
	}
	nc := &netCheck{dir: "/proc/thread-self/net"}
	for _, name := range netCheckFiles {
		text, ok := r.texts[name]
		nc.files = append(nc.files, netFile{name: name, want: text, absent: !ok, counters: name == "sockstat"})
	}
	return nc, nil
})

// readPristineNet makes a network namespace for the calling thread,
// brings its loopback up as init does and reads netCheckFiles there.
func readPristineNet() (map[string][]byte, error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	err = unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, loopbackUp())
	unix.Close(fd)
	if err != nil {
		return nil, err
	}
	texts := map[string][]byte{}
	for _, name := range netCheckFiles {
		b, err := os.ReadFile("/proc/thread-self/net/" + name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		texts[name] = b
	}
	return texts, nil
}

// poolable says whether a run may take part in network namespace reuse.
func (c *config) poolable(ns Namespace) bool {
	return !c.freshNet && c.net != nil && os.Geteuid() == 0 && ns&(Net|PID) == Net|PID && ns&User == 0
}

// planNet decides where the run's network namespace comes from: a pooled,
// checked one (joined by init once it has its parent-death signal and knows
// the parent alive) or a fresh one (clone flag), which the parent opens
// after the fork to pool it later.
func (p *Process) planNet(s *runSpec) {
	if !p.cfg.poolable(s.ns) {
		return
	}
	if _, err := pristineNet(); err != nil {
		p.debug("network namespaces are not reused", zap.Error(err))
		return
	}
	s.pool = true
	fd := p.cfg.net.get()
	if fd < 0 {
		return
	}
	s.fds.joinNet = fd
	p.netfd, p.netLent = fd, true
}

// openNet captures a fresh run's network namespace right after the fork,
// while init waits for the parent's "go" (planInit): before it can turn
// non-dumpable, which would deny the open without CAP_SYS_PTRACE, or end.
func (p *Process) openNet() {
	fd, err := unix.Open("/proc/"+strconv.Itoa(p.pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		p.netfd = fd
	}
}

// releaseNet gives the run's namespace back to the pool, which checks it
// before it keeps it; with done false (the run may still be in it) it
// closes it.
func (p *Process) releaseNet(done bool) {
	if p.netfd < 0 {
		return
	}
	nc, err := pristineNet()
	if done && err == nil {
		p.cfg.net.put(p.netfd, p.netLent, nc)
	} else {
		unix.Close(p.netfd)
		if p.netLent {
			p.cfg.net.forget()
		}
	}
	p.netfd, p.netLent = -1, false
}

// netPoolMax bounds the idle namespaces a Sandbox keeps.
var netPoolMax = 2*runtime.GOMAXPROCS(0) + 2

// netPoolState holds the idle namespaces' descriptors.
type netPoolState struct {
	mu       sync.Mutex
	fds      []int // checked: clean
	checking int   // namespaces being checked
	// owned counts the namespaces the pool gave out, checks or holds.
	owned   int
	checked sync.Cond // a check ended
	// gen counts closeAll's calls: a check that began before one closes
	// its namespace instead of pooling it.
	gen uint64
}

// netPool is what Sandboxes (and their clones) point to; when none does any
// more, a cleanup closes the descriptors. Close does it at once.
type netPool struct{ st *netPoolState }

func newNetPool() *netPool {
	np := &netPool{st: &netPoolState{}}
	np.st.checked.L = &np.st.mu
	runtime.AddCleanup(np, func(st *netPoolState) { st.closeAll() }, np.st)
	return np
}

func (st *netPoolState) closeAll() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, fd := range st.fds {
		unix.Close(fd)
	}
	st.owned -= len(st.fds)
	st.fds = nil
	st.gen++
}

// release closes the idle namespaces now (Sandbox.Close), once the checks
// under way have ended, so that nothing of the pool is left open.
func (np *netPool) release() {
	st := np.st
	st.mu.Lock()
	for st.checking > 0 {
		st.checked.Wait()
	}
	st.mu.Unlock()
	st.closeAll()
}

// get lends a clean namespace, or gives -1: the run makes a fresh one.
// With none idle but some being checked, it waits for their checks once
// the pool owns two (a check costs less than a fresh namespace); until
// then a run makes the second, so that a sequential caller's next run
// finds one checked while its last is being checked.
func (np *netPool) get() int {
	st := np.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.fds) == 0 && st.checking > 0 && st.owned >= 2 {
		st.checked.Wait()
	}
	n := len(st.fds)
	if n == 0 {
		return -1
	}
	fd := st.fds[n-1]
	st.fds = st.fds[:n-1]
	return fd
}

// put checks the namespace fd a finished run leaves, in the background,
// and pools it if it is clean; it closes it otherwise. lent: it came from
// get (else the run made it).
func (np *netPool) put(fd int, lent bool, nc *netCheck) {
	st := np.st
	st.mu.Lock()
	if !lent {
		st.owned++
	}
	st.checking++
	gen := st.gen
	st.mu.Unlock()
	go st.check(fd, gen, nc)
}

// forget: a namespace get lent was closed.
func (np *netPool) forget() {
	np.st.mu.Lock()
	np.st.owned--
	np.st.mu.Unlock()
}

func (st *netPoolState) check(fd int, gen uint64, nc *netCheck) {
	clean := netClean(fd, nc)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.checking--
	st.checked.Broadcast()
	if clean && st.gen == gen && len(st.fds) < netPoolMax {
		st.fds = append(st.fds, fd)
		return
	}
	unix.Close(fd)
	st.owned--
}

// netClean moves the calling goroutine's thread into the network namespace
// fd and says whether it shows no trace of an earlier run (nc.dirty). The
// thread goes back to its own namespace before it is unlocked; if it
// cannot, it stays locked and ends with the goroutine.
func netClean(fd int, nc *netCheck) bool {
	runtime.LockOSThread()
	own, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return false
	}
	defer unix.Close(own)
	if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return false
	}
	clean := !nc.dirty()
	if unix.Setns(own, unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return clean
}
