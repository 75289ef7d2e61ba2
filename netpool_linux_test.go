package sandbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newNetNS makes a network namespace as a run's init would leave it
// (loopback up) and returns a descriptor of it; dirty sends one datagram
// on its loopback first, a trace the check must find. The thread that made
// it goes back to its own (inNewNet).
func newNetNS(t *testing.T, dirty bool) int {
	t.Helper()
	fd := -1
	err := inNewNet(func() error {
		if dirty {
			s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(s)
			if err := unix.Sendto(s, []byte("x"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
		}
		var err error
		fd, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// settle waits until the pool has no check running and returns what it
// holds and owns.
func settle(t *testing.T, np *netPool) (idle, owned int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		np.st.mu.Lock()
		checking, idle, owned := np.st.checking, len(np.st.fds), np.st.owned
		np.st.mu.Unlock()
		if checking == 0 {
			return idle, owned
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks still running after 5 s", checking)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNetPool: the pool keeps a namespace a run leaves only when its
// check finds it pristine; it closes a dirty one and every one it holds
// at release, and while it owns two it waits for a check rather than
// have the run make a third.
func TestNetPool(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	nc, err := pristineNet()
	if err != nil {
		t.Fatal(err)
	}
	hostNet, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	before := threadsNotIn(t, hostNet)
	np := newNetPool()
	clean, dirty := newNetNS(t, false), newNetNS(t, true)
	var stClean, stDirty unix.Stat_t
	if unix.Fstat(clean, &stClean) != nil || unix.Fstat(dirty, &stDirty) != nil {
		t.Fatal("fstat")
	}
	np.put(dirty, false, nc)
	if idle, owned := settle(t, np); idle != 0 || owned != 0 {
		t.Fatalf("after a dirty namespace: %d idle, %d owned; want 0, 0", idle, owned)
	}
	np.put(clean, false, nc)
	if idle, owned := settle(t, np); idle != 1 || owned != 1 {
		t.Fatalf("after a clean namespace: %d idle, %d owned; want 1, 1", idle, owned)
	}
	fd := np.get()
	var st unix.Stat_t
	if fd < 0 || unix.Fstat(fd, &st) != nil || st.Ino != stClean.Ino {
		t.Fatalf("get = %d, want the clean namespace (inode %d)", fd, stClean.Ino)
	}
	if got := np.get(); got != -1 {
		t.Fatalf("get from an empty pool = %d, want -1", got)
	}

	// The pool owns two, both being checked: get waits for a check.
	second := newNetNS(t, false)
	np.put(fd, true, nc)
	np.put(second, false, nc)
	if got := np.get(); got < 0 {
		t.Errorf("get while two clean namespaces are checked = -1, want one of them")
	} else {
		np.put(got, true, nc)
	}
	if idle, owned := settle(t, np); idle != 2 || owned != 2 {
		t.Fatalf("%d idle, %d owned; want 2, 2", idle, owned)
	}
	np.release()
	if idle, owned := settle(t, np); idle != 0 || owned != 0 {
		t.Fatalf("after release: %d idle, %d owned; want 0, 0", idle, owned)
	}
	// Close waits for the checks under way: a namespace being checked is
	// closed before release returns.
	np.put(newNetNS(t, false), false, nc)
	np.release()
	pool := np.st
	pool.mu.Lock()
	checking, idle, owned := pool.checking, len(pool.fds), pool.owned
	pool.mu.Unlock()
	if checking != 0 || idle != 0 || owned != 0 {
		t.Errorf("release returned with %d checks under way, %d idle, %d owned; want none", checking, idle, owned)
	}
	// Every thread of the process is back in its own namespace (but any
	// that were elsewhere before), those of the checks and of newNetNS.
	deadline := time.Now().Add(2 * time.Second)
	for {
		moved := threadsNotIn(t, hostNet)
		for task := range before {
			delete(moved, task)
		}
		if len(moved) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("threads left in another network namespace: %v", moved)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// threadsNotIn maps the threads of this process whose network namespace is
// not ns (a readlink of /proc/self/ns/net) to theirs.
func threadsNotIn(t *testing.T, ns string) map[string]string {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	moved := map[string]string{}
	for _, task := range tasks {
		if got, err := os.Readlink(task); err == nil && got != ns {
			moved[task] = got
		}
	}
	return moved
}

// TestNetPoolCheckAfterRelease: a check that began before the pool's
// namespaces were closed (by the cleanup of a Sandbox the GC found
// unreachable, which does not wait for checks as Close does) closes its
// namespace instead of pooling it, and get does not wait for a check while
// the pool owns fewer than two namespaces: the run makes the second.
func TestNetPoolCheckAfterRelease(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	nc, err := pristineNet()
	if err != nil {
		t.Fatal(err)
	}
	np := newNetPool()
	st := np.st
	fd := newNetNS(t, false)
	// As put does, but the check runs here, after the release.
	st.mu.Lock()
	st.owned++
	st.checking++
	gen := st.gen
	st.mu.Unlock()
	got := make(chan int)
	go func() { got <- np.get() }()
	select {
	case g := <-got:
		if g != -1 {
			t.Errorf("get with one namespace owned, being checked = %d, want -1", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("get waits for a check while the pool owns one namespace")
	}
	st.closeAll()
	st.check(fd, gen, nc)
	if idle, owned := settle(t, np); idle != 0 || owned != 0 {
		t.Errorf("a check from before the release: %d idle, %d owned; want 0, 0", idle, owned)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != unix.EBADF {
		t.Errorf("the namespace's descriptor is still open (%v)", err)
	}
}
