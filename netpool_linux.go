package sandbox

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Creating a network namespace is the most expensive step of a run, and it
// serialises in the kernel. A Sandbox therefore keeps the namespaces of its
// finished runs (up to netPoolMax) and the next run joins one with setns
// instead of making its own. A namespace is kept only when nothing of its
// run can be left in it: the run had its own PID namespace, which the
// kernel empties before init's exit completes, and nothing of the run but
// its processes could change it (only loopback, no capabilities). What a
// finished run can leave behind is sockets the kernel still closes (TCP
// TIME_WAIT): the next run's init counts them first (/proc/net/sockstat,
// sockstat6, unix) and makes a fresh namespace if there are any.
// FreshNetwork opts out.

// netCheckFiles tell whether a network namespace still holds sockets (see
// child.Plan.NetCheck): per-namespace socket counters, O(1) to read, where
// /proc/net/tcp walks the host's whole connection table (about a
// millisecond here), and the unix sockets.
var netCheckFiles = [3]string{"/proc/self/net/sockstat", "/proc/self/net/sockstat6", "/proc/self/net/unix"}

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
	fd := p.cfg.net.get()
	if fd < 0 {
		return
	}
	s.netCheck = netCheckFiles
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
