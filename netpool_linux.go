package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"sync"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
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
// closes (TCP TIME_WAIT) and IPv6 flow labels, which linger. The next run's
// init compares what the namespace shows with what a pristine one shows (a
// fingerprint the parent takes once per process, in a namespace it makes
// for the purpose) and makes a fresh namespace on any difference.
// FreshNetwork opts out.

// netCheckFiles are the files compared, under /proc/self/net: every
// counter of IPv4, IPv6 and the loopback device; the per-namespace socket
// counts (O(1) to read, where /proc/net/tcp walks the host's whole
// connection table): "sockets: used" counts every socket of the namespace,
// of any family, and "tw" the TCP TIME_WAIT ones, IPv6 too; and the IPv6
// flow labels, which outlive their sockets and raise no counter.
var netCheckFiles = []string{"snmp", "snmp6", "netstat", "dev", "sockstat", "ip6_flowlabel"}

// pristineNet is the fingerprint of a pristine network namespace, taken
// once per process; an error turns the pool off.
var pristineNet = sync.OnceValues(func() (*child.NetCheck, error) {
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
	nc := &child.NetCheck{}
	nc.Dir = nc.Str("/proc/self/net")
	for i, name := range netCheckFiles {
		f := &nc.Files[i]
		f.Path = nc.Str(name)
		f.Counters = name == "sockstat"
		text, ok := r.texts[name]
		switch {
		case !ok:
			f.Absent = true
		case len(text) > 0:
			nc.Bytes(text)
			f.Want, f.Len = &text[0], uintptr(len(text))
		}
	}
	return nc, nil
})

// readPristineNet makes a network namespace for the calling thread,
// brings its loopback up as init does and reads netCheckFiles there.
func readPristineNet() (map[string][]byte, error) {
	if len(netCheckFiles) > child.NetCheckFiles {
		return nil, fmt.Errorf("%d files to check, room for %d", len(netCheckFiles), child.NetCheckFiles)
	}
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

// planNet decides where the run's network namespace comes from: a pooled
// one (joined by init right after the sync) or a fresh one (clone flag),
// which the parent opens after the fork to pool it later.
func (p *Process) planNet(s *runSpec) {
	if !p.cfg.poolable(s.ns) {
		return
	}
	nc, err := pristineNet()
	if err != nil {
		p.debug("network namespaces are not reused", zap.Error(err))
		return
	}
	s.pool = true
	fd := p.cfg.net.get()
	if fd < 0 {
		return
	}
	s.netCheck = nc
	s.fds.joinNet = fd
	p.netfd = fd
}

// openNet captures a fresh run's network namespace right after the fork,
// before init can leave it.
func (p *Process) openNet() {
	fd, err := unix.Open("/proc/"+strconv.Itoa(p.pid)+"/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		p.netfd = fd
	}
}

// releaseNet returns the run's namespace to the pool (clean is false when
// it must not be reused) or closes it.
func (p *Process) releaseNet(clean bool) {
	if p.netfd < 0 {
		return
	}
	if clean {
		p.cfg.net.put(p.netfd)
	} else {
		unix.Close(p.netfd)
	}
	p.netfd = -1
}

// netPoolMax bounds the idle namespaces a Sandbox keeps.
var netPoolMax = 2*runtime.GOMAXPROCS(0) + 2

// netPoolState holds the idle namespaces' descriptors.
type netPoolState struct {
	mu  sync.Mutex
	fds []int
}

// netPool is what Sandboxes (and their clones) point to; when none does any
// more, a cleanup closes the descriptors. Close does it at once.
type netPool struct{ st *netPoolState }

func newNetPool() *netPool {
	np := &netPool{st: &netPoolState{}}
	runtime.AddCleanup(np, func(st *netPoolState) { st.closeAll() }, np.st)
	return np
}

func (st *netPoolState) closeAll() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, fd := range st.fds {
		unix.Close(fd)
	}
	st.fds = nil
}

// release closes the idle namespaces now (Sandbox.Close).
func (np *netPool) release() { np.st.closeAll() }

func (np *netPool) get() int {
	np.st.mu.Lock()
	defer np.st.mu.Unlock()
	if n := len(np.st.fds); n > 0 {
		fd := np.st.fds[n-1]
		np.st.fds = np.st.fds[:n-1]
		return fd
	}
	return -1
}

func (np *netPool) put(fd int) {
	np.st.mu.Lock()
	defer np.st.mu.Unlock()
	if len(np.st.fds) < netPoolMax {
		np.st.fds = append(np.st.fds, fd)
		return
	}
	unix.Close(fd)
}
