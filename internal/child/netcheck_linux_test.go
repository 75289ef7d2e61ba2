package child

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

var checked = []string{"snmp", "snmp6", "netstat", "dev", "sockstat", "ip6_flowlabel"}

// inFreshNet runs f on a thread of its own in a new network namespace with
// its loopback up. The thread is never unlocked: it ends with f.
func inFreshNet(t testing.TB, f func()) {
	t.Helper()
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		if err := loUp(); err != nil {
			done <- err
			return
		}
		f()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func loUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// snapshot is a NetCheck of the calling thread's namespace as it is now.
func snapshot(t testing.TB) *NetCheck { return snapshotOf(t, checked) }

func snapshotOf(t testing.TB, checked []string) *NetCheck {
	nc := &NetCheck{}
	nc.Dir = nc.Str("/proc/thread-self/net")
	for i, name := range checked {
		path := "/proc/thread-self/net/" + name
		f := &nc.Files[i]
		f.Path = nc.Str(name)
		f.Counters = name == "sockstat"
		b, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.Absent = true
		case err != nil:
			t.Error(err)
		case len(b) > 0:
			nc.Bytes(b)
			f.Want, f.Len = &b[0], uintptr(len(b))
		}
	}
	return nc
}

// TestNetDirty: a namespace that shows what it showed is clean, whatever
// other namespaces do to the counters the kernel keeps for all of them
// (sockstat's alloc and mem); one packet, a socket or a flow label make it
// dirty.
func TestNetDirty(t *testing.T) {
	testutil.RequireRoot(t)
	inFreshNet(t, func() {
		p := snapshot(t)
		if p.Dirty() {
			t.Errorf("a namespace differs from itself")
		}
		// Sockets elsewhere change the global TCP counters.
		host := make(chan int)
		go func() {
			fd, _ := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
			host <- fd
		}()
		if fd := <-host; fd >= 0 {
			defer unix.Close(fd)
		}
		if p.Dirty() {
			t.Errorf("dirty after another namespace's socket")
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Dirty() {
			t.Errorf("clean with a socket open")
		}
		err = unix.Sendto(fd, []byte("x"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}})
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Dirty() {
			t.Errorf("clean after a datagram")
		}
	})
	inFreshNet(t, func() {
		p := snapshot(t)
		p.Files[0].Path = p.Str("no-such-file")
		if !p.Dirty() {
			t.Errorf("clean though a file is missing")
		}
	})
}

// BenchmarkNetDirty is what the parent spends checking a namespace a run left: the
// files it checks, and for comparison the socket counts alone.
func BenchmarkNetDirty(b *testing.B) {
	b.Run("traces", func(b *testing.B) { benchNetDirty(b, checked) })
	b.Run("sockets", func(b *testing.B) { benchNetDirty(b, []string{"sockstat", "sockstat6", "unix"}) })
}

func benchNetDirty(b *testing.B, files []string) {
	testutil.RequireRoot(b)
	inFreshNet(b, func() {
		p := snapshotOf(b, files)
		var r0, r1 unix.Rusage
		unix.Getrusage(unix.RUSAGE_THREAD, &r0)
		for b.Loop() {
			if p.Dirty() {
				b.Fatal("dirty")
			}
		}
		unix.Getrusage(unix.RUSAGE_THREAD, &r1)
		// CPU time is what the check costs; wall time also counts waiting
		// for a CPU on a busy machine.
		cpu := r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano()
		b.ReportMetric(float64(cpu)/float64(b.N)/1e3, "cpu-µs/op")
	})
}
