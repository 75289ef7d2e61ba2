package sandbox

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newNetNS makes a network namespace as a run's init would leave it
// (loopback up) and returns a descriptor of it; dirty sends one datagram
// on its loopback first, a trace the check must find.
func newNetNS(t *testing.T, dirty bool) int {
	t.Helper()
	type result struct {
		fd  int
		err error
	}
	ch := make(chan result)
	go func() {
		// Never unlocked: the thread ends with the goroutine.
		runtime.LockOSThread()
		fd, err := func() (int, error) {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return -1, err
			}
			s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return -1, err
			}
			defer unix.Close(s)
			if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, loopbackUp()); err != nil {
				return -1, err
			}
			if dirty {
				if err := unix.Sendto(s, []byte("x"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
					return -1, err
				}
			}
			return unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		}()
		ch <- result{fd, err}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.fd
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
}
