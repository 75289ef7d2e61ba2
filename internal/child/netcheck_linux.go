package child

import (
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NetCheckFiles is how many files a NetCheck can hold.
const NetCheckFiles = 10

// NetCheck is what a network namespace must show to be joined instead of
// made: the text of each of its files as in a pristine namespace (made,
// loopback up, nothing else). Any difference is a trace of an earlier run:
// a counter it raised, a socket or a flow label it left.
type NetCheck struct {
	Dir   uintptr // C string: the directory of the files, /proc/self/net
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

// joinNet joins the network namespace fd. runList then checks it with
// netDirty and, if it shows any trace of an earlier run, replaces it with
// replaceNet (kept apart so that the nosplit call chain stays short, even
// with the fuzzer's instrumentation).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func joinNet(fd uintptr) syscall.Errno {
	_, _, e := syscall.RawSyscall6(unix.SYS_SETNS, fd, syscall.CLONE_NEWNET, 0, 0, 0, 0)
	return e
}

// replaceNet unshares a fresh network namespace (whose loopback the
// following operations bring up) and flags that in the Started message.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func replaceNet(p *Plan) syscall.Errno {
	if _, _, e := syscall.RawSyscall6(syscall.SYS_UNSHARE, syscall.CLONE_NEWNET, 0, 0, 0, 0, 0); e != 0 {
		return e
	}
	p.s.flags |= StartedNetReplaced
	return 0
}

// netDirty compares the current network namespace with p.NetCheck; a file
// that cannot be read counts as a difference.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func netDirty(p *Plan) bool {
	nc := p.NetCheck
	if nc == nil || len(p.netBuf) == 0 {
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
			n := readOnce(p, fd)
			dirty = f.Absent || n >= netBufSize ||
				!sameCounters((*[netBufSize]byte)(unsafe.Pointer(unsafe.SliceData(p.netBuf))), n, f)
		} else {
			dirty = f.Absent || !sameText(p, fd, f)
		}
		syscall.RawSyscall6(syscall.SYS_CLOSE, fd, 0, 0, 0, 0, 0)
	}
	syscall.RawSyscall6(syscall.SYS_CLOSE, dir, 0, 0, 0, 0, 0)
	return dirty
}

// netBufSize holds any of the files in one read (snmp6 and netstat are
// about 3 and 4 KiB).
const netBufSize = 8 << 10

// netBufPool recycles the buffers netDirty reads into.
var netBufPool = sync.Pool{New: func() any { return new([netBufSize]byte) }}

// wantAt is the byte at offset j of f's pristine text.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func wantAt(f *NetFile, j uintptr) byte { return *(*byte)(unsafe.Add(unsafe.Pointer(f.Want), j)) }

// sameText reads fd to its end and says whether it holds f's text.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func sameText(p *Plan, fd uintptr, f *NetFile) bool {
	buf := (*[netBufSize]byte)(unsafe.Pointer(unsafe.SliceData(p.netBuf)))
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
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func bufAt(buf *[netBufSize]byte, j uintptr) byte {
	return *(*byte)(unsafe.Add(unsafe.Pointer(buf), j))
}

//sandbox:child
//go:nosplit
//go:norace
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' }

// readOnce reads fd into p.netBuf in one call and says how many bytes it
// read; a file that cannot be read or fills the buffer gives netBufSize.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func readOnce(p *Plan, fd uintptr) uintptr {
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p.netBuf))), netBufSize, 0, 0, 0)
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
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
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
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
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
