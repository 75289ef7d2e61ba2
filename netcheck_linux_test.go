package sandbox

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// sockstat is /proc/net/sockstat of a namespace with no socket.
const sockstat = "sockets: used 0\nTCP: inuse 0 orphan 0 tw 0 alloc 0 mem 0\nUDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n"

// TestSameCounters: a sockstat text is the pristine one when every number
// is, but for those the kernel counts for every namespace together.
func TestSameCounters(t *testing.T) {
	for in, want := range map[string]bool{
		sockstat: true,
		strings.Replace(sockstat, "orphan 0", "orphan 3", 1):                     true, // global counters do not count
		strings.Replace(sockstat, "alloc 0", "alloc 1234", 1):                    true,
		strings.Replace(sockstat, "mem 0\nUDP", "mem 77\nUDP", 1):                true,
		strings.Replace(sockstat, "UDP: inuse 0 mem 0", "UDP: inuse 0 mem 9", 1): true,
		strings.Replace(sockstat, "used 0", "used 1", 1):                         false,
		strings.Replace(sockstat, "TCP: inuse 0", "TCP: inuse 1", 1):             false,
		strings.Replace(sockstat, "tw 0", "tw 12", 1):                            false,
		strings.Replace(sockstat, "RAW: inuse 0", "RAW: inuse 9", 1):             false,
		strings.Replace(sockstat, "memory 0", "memory 4096", 1):                  false, // FRAG's is the namespace's own
		strings.TrimSuffix(sockstat, "FRAG: inuse 0 memory 0\n"):                 false,
		sockstat + "EXTRA: 0\n":                                                  false,
		"":                                                                       false,
	} {
		if got := sameCounters([]byte(in), []byte(sockstat)); got != want {
			t.Errorf("sameCounters(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestNetCheckFiles: a namespace is dirty when a file differs from its
// pristine text in any byte (however long), when a file cannot be read, or
// when a file the pristine namespace has not is there; a file absent from
// both counts for nothing.
func TestNetCheckFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("Ip6InReceives 0\n", 1024)
	write("snmp6", long)
	write("sockstat", strings.Replace(sockstat, "alloc 0", "alloc 5", 1))
	write("flowlabel", "Label S Owner\n")
	write("flowlabel-held", "Label S Owner\n12345 1 0\n")
	write("empty", "")
	text := func(name, want string) netFile { return netFile{name: name, want: []byte(want)} }
	for _, c := range []struct {
		name  string
		files []netFile
		dirty bool
	}{
		{"pristine", []netFile{text("snmp6", long), {name: "sockstat", want: []byte(sockstat), counters: true},
			text("flowlabel", "Label S Owner\n"), text("empty", "")}, false},
		{"a counter far into a long file", []netFile{text("snmp6", long[:len(long)-2]+"1\n")}, true},
		{"the file is longer", []netFile{text("snmp6", long[:len(long)-16])}, true},
		{"the file is shorter", []netFile{text("snmp6", long+"Ip6X 0\n")}, true},
		{"a flow label", []netFile{text("flowlabel-held", "Label S Owner\n")}, true},
		{"missing", []netFile{text("snmp6", long), text("no-such-file", "x")}, true},
		{"absent in both", []netFile{{name: "no-such-file", absent: true}}, false},
		{"there but absent in a pristine one", []netFile{{name: "flowlabel", absent: true}}, true},
	} {
		nc := &netCheck{dir: dir, files: c.files}
		if got := nc.dirty(); got != c.dirty {
			t.Errorf("%s: dirty = %v, want %v", c.name, got, c.dirty)
		}
	}
	// No check to compare with: dirty.
	if !(*netCheck)(nil).dirty() {
		t.Error("no netCheck is clean")
	}
}

// inFreshNet runs f on a thread of its own in a new network namespace with
// its loopback up (inNewNet).
func inFreshNet(t testing.TB, f func()) {
	t.Helper()
	if err := inNewNet(func() error { f(); return nil }); err != nil {
		t.Fatal(err)
	}
}

// inNewNet runs f on a locked thread moved into a new network namespace
// with its loopback up, and returns f's error. The thread goes back to its
// own namespace before it is unlocked, so that no thread is left in
// another one whenever it happens to end (the main thread never does); if
// it cannot go back, it stays locked and ends with the goroutine.
func inNewNet(f func() error) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		own, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(own)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			err = unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, loopbackUp())
			unix.Close(s)
		}
		if err == nil {
			err = f()
		}
		if unix.Setns(own, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		done <- err
	}()
	return <-done
}

// netSnapshot is a netCheck of the calling thread's namespace as it is now.
func netSnapshot(t testing.TB, names ...string) *netCheck {
	nc := &netCheck{dir: "/proc/thread-self/net"}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(nc.dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		nc.files = append(nc.files, netFile{name: name, want: b, absent: err != nil, counters: name == "sockstat"})
	}
	return nc
}

// TestNetCheck: a namespace that shows what it showed is clean, whatever
// other namespaces do to the counters the kernel keeps for all of them
// (sockstat's alloc and mem); one packet, a socket or a flow label make it
// dirty.
func TestNetCheck(t *testing.T) {
	requireRoot(t)
	inFreshNet(t, func() {
		nc := netSnapshot(t, netCheckFiles...)
		if nc.dirty() {
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
		if nc.dirty() {
			t.Errorf("dirty after another namespace's socket")
		}
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !nc.dirty() {
			t.Errorf("clean with a socket open")
		}
		err = unix.Sendto(fd, []byte("x"), 0, &unix.SockaddrInet4{Port: 9, Addr: [4]byte{127, 0, 0, 1}})
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		if !nc.dirty() {
			t.Errorf("clean after a datagram")
		}
	})
	inFreshNet(t, func() {
		nc := netSnapshot(t, netCheckFiles...)
		nc.files[0].name = "no-such-file"
		if !nc.dirty() {
			t.Errorf("clean though a file is missing")
		}
	})
}

// BenchmarkNetCheck is what the parent spends checking a namespace a run
// left: the files it checks, and for comparison the socket counts alone.
func BenchmarkNetCheck(b *testing.B) {
	b.Run("traces", func(b *testing.B) { benchNetCheck(b, netCheckFiles...) })
	b.Run("sockets", func(b *testing.B) { benchNetCheck(b, "sockstat", "sockstat6", "unix") })
}

func benchNetCheck(b *testing.B, files ...string) {
	requireRoot(b)
	inFreshNet(b, func() {
		nc := netSnapshot(b, files...)
		var r0, r1 unix.Rusage
		unix.Getrusage(unix.RUSAGE_THREAD, &r0)
		for b.Loop() {
			if nc.dirty() {
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
