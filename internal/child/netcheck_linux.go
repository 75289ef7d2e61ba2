package child

import (
	"sync"
	"syscall"
	"unsafe"
)

// NetCheckFiles is how many files a NetCheck can hold.
const NetCheckFiles = 10

// NetCheck is what a network namespace must show to be joined instead of
// made: the text of each of its files as in a pristine namespace (made,
// loopback up, nothing else). Any difference is a trace of an earlier run:
// a counter it raised, a socket or a flow label it left.
type NetCheck struct {
	Dir   uintptr // C string: the directory of the files, /proc/thread-self/net
	Files [NetCheckFiles]NetFile
	Keeper
}

// NetFile is one file of a NetCheck.
type NetFile struct {
	Path uintptr // C string, relative to Dir; 0 ends the list
	Want *byte   // the pristine text
	Len  uintptr // its length
	// Absent: a pristine namespace has no such file (no IPv6, say).
	Absent bool
	// Counters: a sockstat file, compared number by number except for the
	// numbers after "orphan", "alloc" and "mem", which the kernel counts
	// for all namespaces together.
	Counters bool
}

// Dirty says whether the calling thread's network namespace shows any
// trace of an earlier run: it differs from nc's pristine text, or one of
// its files cannot be read. The parent calls it on a locked thread it has
// moved into a namespace a finished run leaves, before it pools it.
func (nc *NetCheck) Dirty() bool {
	buf := netBufPool.Get().(*[netBufSize]byte)
	defer netBufPool.Put(buf)
	return netDirty(nc, buf)
}

// netDirty compares the calling thread's network namespace with nc,
// reading into buf; a file that cannot be read counts as a difference.
// It makes raw system calls only and allocates nothing.
func netDirty(nc *NetCheck, buf *[netBufSize]byte) bool {
	if nc == nil || buf == nil {
		return true
	}
	dir, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, AtFDCWD, nc.Dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return true
	}
	dirty := false
	for i := 0; i < NetCheckFiles && !dirty; i++ {
		f := &nc.Files[i]
		if f.Path == 0 {
			break
		}
		fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, dir, f.Path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
		if e != 0 {
			dirty = !f.Absent || e != syscall.ENOENT
			continue
		}
		if f.Counters {
			// A sockstat file is read whole, in one call.
			n := readOnce(buf, fd)
			dirty = f.Absent || n >= netBufSize || !sameCounters(buf, n, f)
		} else {
			dirty = f.Absent || !sameText(buf, fd, f)
		}
		syscall.RawSyscall6(syscall.SYS_CLOSE, fd, 0, 0, 0, 0, 0)
	}
	syscall.RawSyscall6(syscall.SYS_CLOSE, dir, 0, 0, 0, 0, 0)
	return dirty
}

// netBufSize holds any of the files in one read (snmp6 and netstat are
// about 3 and 4 KiB).
const netBufSize = 8 << 10

// netBufPool recycles the buffers Dirty reads into.
var netBufPool = sync.Pool{New: func() any { return new([netBufSize]byte) }}

// wantAt is the byte at offset j of f's pristine text.
func wantAt(f *NetFile, j uintptr) byte { return *(*byte)(unsafe.Add(unsafe.Pointer(f.Want), j)) }

// sameText reads fd to its end and says whether it holds f's text.
func sameText(buf *[netBufSize]byte, fd uintptr, f *NetFile) bool {
	off := uintptr(0)
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(buf)), netBufSize, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return false
		}
		if n == 0 {
			return off == f.Len
		}
		if n > f.Len-off {
			return false
		}
		for j := uintptr(0); j < n; j++ {
			if bufAt(buf, j) != wantAt(f, off+j) {
				return false
			}
		}
		off += n
	}
}

// bufAt is buf[j] without a bounds check.
func bufAt(buf *[netBufSize]byte, j uintptr) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(buf), j))
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }

// readOnce reads fd into buf in one call and says how many bytes it
// read; a file that cannot be read or fills the buffer gives netBufSize.
func readOnce(buf *[netBufSize]byte, fd uintptr) uintptr {
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(buf)), netBufSize, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n > netBufSize {
			return netBufSize
		}
		return n
	}
}

// sameCounters compares a sockstat text, buf[:n], with f's word by word,
// except the word after "orphan", "alloc" or "mem" (counters of every
// namespace together, which other sandboxes and the host change).
func sameCounters(buf *[netBufSize]byte, n uintptr, f *NetFile) bool {
	i, j := uintptr(0), uintptr(0)
	skip := false
	for {
		for i < n && isSpace(bufAt(buf, i)) {
			i++
		}
		for j < f.Len && isSpace(wantAt(f, j)) {
			j++
		}
		if i >= n || j >= f.Len {
			return i >= n && j >= f.Len
		}
		gi, wj := i, j
		for i < n && !isSpace(bufAt(buf, i)) {
			i++
		}
		for j < f.Len && !isSpace(wantAt(f, j)) {
			j++
		}
		if skip {
			skip = false
			continue
		}
		if i-gi != j-wj {
			return false
		}
		for k := uintptr(0); k < i-gi; k++ {
			if bufAt(buf, gi+k) != wantAt(f, wj+k) {
				return false
			}
		}
		skip = globalCounter(buf, gi, i)
	}
}

// globalCounter says whether buf[from:to] is "orphan", "alloc" or "mem":
// the names of sockstat's counters for all namespaces together.
func globalCounter(buf *[netBufSize]byte, from, to uintptr) bool {
	switch to - from {
	case 3:
		return bufAt(buf, from) == 'm' && bufAt(buf, from+1) == 'e' && bufAt(buf, from+2) == 'm'
	case 5:
		return bufAt(buf, from) == 'a' && bufAt(buf, from+1) == 'l' && bufAt(buf, from+2) == 'l' &&
			bufAt(buf, from+3) == 'o' && bufAt(buf, from+4) == 'c'
	case 6:
		return bufAt(buf, from) == 'o' && bufAt(buf, from+1) == 'r' && bufAt(buf, from+2) == 'p' &&
			bufAt(buf, from+3) == 'h' && bufAt(buf, from+4) == 'a' && bufAt(buf, from+5) == 'n'
	}
	return false
}
