package child

import (
	"syscall"
	"unsafe"
)

// What init measures for the run's statistics, with raw system calls and
// no allocation like the rest of the child. The parent turns it into the
// Result's fields (stats_linux.go in the sandbox package).

const rusageSelf = 0 // RUSAGE_SELF, linux/resource.h

// nsLastPIDPath is /proc/sys/kernel/ns_last_pid as a C string: the last
// PID allocated in the reader's own PID namespace (pid_namespace.c reads
// it from the caller's namespace, whichever /proc it is opened through).
var nsLastPIDPath = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 's', 'y', 's', '/', 'k', 'e', 'r', 'n', 'e', 'l', '/',
	'n', 's', '_', 'l', 'a', 's', 't', '_', 'p', 'i', 'd', 0}

// rssFloor is init's own ru_maxrss (KiB), or -1. Called once the command's
// execve is done: Linux folds the peak RSS of the memory a process leaves
// at execve into its ru_maxrss (exec_mmap), and the command left either
// init's memory (VM: the embedding process's, which init shares) or a
// copy of it made at its fork. Either way nothing the command ran had more
// resident than that memory's peak, which init's ru_maxrss covers.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func rssFloor(p *Plan) int64 {
	_, _, e := syscall.RawSyscall(syscall.SYS_GETRUSAGE, rusageSelf, uintptr(unsafe.Pointer(&p.s.rusage)), 0)
	if e != 0 {
		return -1
	}
	return p.s.rusage.Maxrss
}

// endNamespace ends the run of a PID namespace's init, once the command
// was reaped or StopSignal came: kill(-1) from a namespace's init reaches
// every other process in it, as the kernel's own end of the namespace
// would; each is reaped (the command too, if it was not yet), so that
// p.s.acct counts every process of the run. When the command ended and
// nothing is left, it costs one wait4.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func endNamespace(p *Plan, cpid uintptr, reaped bool) {
	s := &p.s
	flags := uintptr(wnohang)
	if !reaped {
		syscall.RawSyscall(syscall.SYS_KILL, ^uintptr(0), uintptr(syscall.SIGKILL), 0)
		flags = 0
	}
	for {
		r, e := reapOne(p, flags)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return // ECHILD: init is alone in its namespace
		}
		if r == 0 { // only with WNOHANG: processes are left
			syscall.RawSyscall(syscall.SYS_KILL, ^uintptr(0), uintptr(syscall.SIGKILL), 0)
			flags = 0
			continue
		}
		if r == cpid && !reaped {
			s.status = s.wstatus
			reaped = true
		}
	}
}

// lastPID reads ns_last_pid, or returns -1.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func lastPID(p *Plan) int64 {
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, atFDCWD, uintptr(unsafe.Pointer(&nsLastPIDPath[0])),
		syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return -1
	}
	buf := &p.s.nbuf
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	syscall.RawSyscall(syscall.SYS_CLOSE, fd, 0, 0)
	if e != 0 || n == 0 {
		return -1
	}
	v := int64(0)
	j := uintptr(0)
	for ; j < n && j < uintptr(len(buf)); j++ {
		c := at(buf, j)
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
	}
	if j == 0 {
		return -1
	}
	return v
}

// exitedMsg fills p.s.msg with the MsgExited record of the run.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func exitedMsg(p *Plan, cpid uintptr) {
	s := &p.s
	last := int64(-1)
	if p.PID1 {
		last = lastPID(p)
	}
	s.msg = Msg{Kind: MsgExited, Pid: int32(cpid), Status: s.status,
		Utime: s.acct.utime, Stime: s.acct.stime, MaxRSS: s.acct.maxrss,
		Usage: s.acct.Usage, RSSFloor: s.floor, LastPID: last}
}
