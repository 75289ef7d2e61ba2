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

// rssFloor is the peak RSS (KiB) of the memory the command's process left
// at its execve, or -1 when it is not known. Linux folds that peak into
// the process's ru_maxrss (exec_mmap), and the command's process starts
// from the embedding process's memory: shared with it (VM) or a copy made
// at its fork. So a ru_maxrss not above this floor is no evidence of what
// the command itself held.
//
// Two measures make it: the command's own ru_maxrss, which its last steps
// before seccomp and execve write to the exec pipe (read by readExec into
// p.s.cfloor; those steps fault in no page, so nothing grows after it);
// and init's ru_maxrss once the execve is done, which with shared memory
// also covers what the embedding process's other threads added in between
// (init shares that memory too). Without the command's own measure there is
// no floor: a copy's peak can exceed init's by the pages the command
// faulted in after its fork.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func rssFloor(p *Plan) int64 {
	floor := p.s.cfloor
	if floor < 0 {
		return -1
	}
	_, _, e := syscall.RawSyscall(syscall.SYS_GETRUSAGE, rusageSelf, uintptr(unsafe.Pointer(&p.s.rusage)), 0)
	if e != 0 {
		return -1
	}
	if p.s.rusage.Maxrss > floor {
		floor = p.s.rusage.Maxrss
	}
	return floor
}

// ExecRecord is what the command writes to the exec pipe, which its
// execve closes: first its ru_maxrss (KiB) just before seccomp and execve
// (see rssFloor), then, if a step fails, the error record. A step that
// fails before the first is written sends the error record alone.
type ExecRecord struct {
	MaxRSS int64
	Msg    Msg
}

// readExec reads the exec pipe to its end (EOF: the command's execve
// succeeded or it died). It returns true when the command sent an error
// record, left in p.s.cmsg, and leaves the command's ru_maxrss in
// p.s.cfloor, or -1. The three lengths it can read (the ru_maxrss, the
// record, both) differ, so each says what came.
//
// A vforked command (p.VM) resumes init only once its execve is past the
// point of no return (exec_mmap) or once it has exited: either way it has
// written all it ever will, so one read takes it, without waiting for the
// end of the execve to close the pipe (about 150 µs a run on a VM).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func readExec(p *Plan) bool {
	s := &p.s
	base := uintptr(unsafe.Pointer(&s.erec))
	size := unsafe.Sizeof(s.erec)
	got := uintptr(0)
	for got < size {
		n, _, e := syscall.RawSyscall6(syscall.SYS_READ, uintptr(p.ExecR), base+got, size-got, 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			break
		}
		got += n
		if p.VM {
			break
		}
	}
	s.cfloor = -1
	switch got {
	case unsafe.Sizeof(s.erec.MaxRSS):
		s.cfloor = s.erec.MaxRSS
	case size:
		s.cfloor = s.erec.MaxRSS
		s.cmsg = s.erec.Msg
		return true
	case unsafe.Sizeof(s.cmsg):
		s.cmsg = *(*Msg)(unsafe.Pointer(&s.erec))
		return true
	}
	return false
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
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, AtFDCWD, uintptr(unsafe.Pointer(&nsLastPIDPath[0])),
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
