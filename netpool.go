package sandbox

import (
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

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
