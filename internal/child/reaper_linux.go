package child

import (
	"syscall"
	"unsafe"
)

// An init that is not the init of a PID namespace (Plan.PID1 false) has no
// kernel to kill what the command leaves behind when it ends. It is a
// child subreaper instead: every process the command's tree orphans is
// reparented to it, so everything the run started stays below it, and at
// the end of the run it kills and reaps every process it finds there. The
// run ends when the command ends, when the parent sends StopSignal, or when
// the parent dies (StopSignal is init's parent-death signal).
//
// The init of a PID namespace waits the same way, so that a run the parent
// stops still ends with init's report (the rusage of every process): on
// StopSignal it kills everything else in its namespace and reaps it. Its
// parent-death signal stays SIGKILL, with which the kernel ends the
// namespace.
//
// Like the rest of the child, this code is nosplit and norace, allocates
// nothing and calls only raw system calls.

// StopSignal asks init to end the run: kill every other process of the
// run, reap them and report. It is also the parent-death signal of an init
// without a PID namespace. An init of a PID namespace ignores it until it
// blocks it, before it forks the command (the kernel drops a signal with
// the default action that a namespace's init did not block).
const StopSignal = syscall.SIGTERM

const (
	prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER, linux/prctl.h
	wnohang             = 1  // WNOHANG, linux/wait.h
	sigSetSize          = 8  // sizeof(kernel sigset_t) on 64-bit
	sigBlock            = 0  // SIG_BLOCK, asm-generic/signal-defs.h
	sigUnblock          = 1  // SIG_UNBLOCK
)

// reaperSigs is the set init waits for: SIGCHLD and StopSignal.
const reaperSigs = 1<<(syscall.SIGCHLD-1) | 1<<(StopSignal-1)

// childrenPath is /proc/thread-self/children as a C string: init's
// children (CONFIG_PROC_CHILDREN).
var childrenPath = [...]byte{'/', 'p', 'r', 'o', 'c', '/', 't', 'h', 'r', 'e', 'a', 'd', '-', 's', 'e', 'l', 'f', '/',
	'c', 'h', 'i', 'l', 'd', 'r', 'e', 'n', 0}

// reaperSetup runs in init before it forks the command: block the signals
// it waits for (they stay pending until it takes them). Without a PID
// namespace, also become the subreaper of everything below, and take
// StopSignal as the parent-death signal (the earlier SIGKILL parent-death
// signal covers the time before). A PID namespace's init keeps SIGKILL:
// the kernel ends the namespace with it.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func reaperSetup(p *Plan) {
	p.s.sigs = reaperSigs
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock, uintptr(unsafe.Pointer(&p.s.sigs)), 0, sigSetSize, 0, 0)
	if p.PID1 {
		return
	}
	syscall.RawSyscall6(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0, 0, 0, 0)
	syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(StopSignal), 0, 0, 0, 0)
}

// reaperUnblock undoes reaperSetup's mask in a forked command (a vforked
// one resets its whole mask in its own steps).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func reaperUnblock(p *Plan) {
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigUnblock, uintptr(unsafe.Pointer(&p.s.sigs)), 0, sigSetSize, 0, 0)
}

// reapRun reaps until the command ends or StopSignal arrives, then ends
// the run. The init of a PID namespace kills every other process in it
// (endNamespace). Otherwise the command's process group is killed at once
// (while the command is unreaped its pid cannot be reused), then every
// child init has until none is left. It leaves the command's wait status
// in p.s.status and the resource usage of every process reaped in p.s.acct.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func reapRun(p *Plan, cpid uintptr) {
	s := &p.s
	reaped := false
	for !reaped {
		r, e := reapOne(p, wnohang)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			break // ECHILD: cannot happen before the command is reaped
		}
		if r != 0 {
			if r == cpid {
				s.status = s.wstatus
				reaped = true
			}
			continue
		}
		sig, _, _ := syscall.RawSyscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(&s.sigs)),
			uintptr(unsafe.Pointer(&s.siginfo)), 0, sigSetSize, 0, 0)
		if sig == uintptr(StopSignal) {
			break
		}
	}
	if p.PID1 {
		endNamespace(p, cpid, reaped)
		return
	}
	if !reaped {
		syscall.RawSyscall6(syscall.SYS_KILL, -cpid, uintptr(syscall.SIGKILL), 0, 0, 0, 0)
	}
	for {
		n := killChildren(p)
		if n < 0 {
			return // no /proc: the process group kill is all there is
		}
		flags := uintptr(0)
		if n == 0 {
			flags = wnohang // a child reparented after the list was read
		}
		r, e := reapOne(p, flags)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return // ECHILD: nothing is left
		}
		if r == 0 {
			syscall.RawSyscall6(syscall.SYS_SCHED_YIELD, 0, 0, 0, 0, 0, 0)
			continue
		}
		if r == cpid && !reaped {
			s.status = s.wstatus
			reaped = true
		}
	}
}

// reapOne waits for any child (with flags) and adds its resource usage to
// p.s.acct.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func reapOne(p *Plan, flags uintptr) (uintptr, syscall.Errno) {
	s := &p.s
	r, _, e := syscall.RawSyscall6(syscall.SYS_WAIT4, ^uintptr(0), uintptr(unsafe.Pointer(&s.wstatus)), flags|waitAll,
		uintptr(unsafe.Pointer(&s.rusage)), 0, 0)
	if e == 0 && r != 0 {
		s.acct.utime += s.rusage.Utime.Sec*1e6 + s.rusage.Utime.Usec
		s.acct.stime += s.rusage.Stime.Sec*1e6 + s.rusage.Stime.Usec
		if s.rusage.Maxrss > s.acct.maxrss {
			s.acct.maxrss = s.rusage.Maxrss
		}
		s.acct.Nvcsw += s.rusage.Nvcsw
		s.acct.Nivcsw += s.rusage.Nivcsw
		s.acct.Inblock += s.rusage.Inblock
		s.acct.Oublock += s.rusage.Oublock
	}
	return r, e
}

// killChildren sends SIGKILL to every child of init listed in
// /proc/thread-self/children. A child is not reaped yet, so its pid is
// still its own. It returns how many it signalled, or -1 when the list
// cannot be read.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func killChildren(p *Plan) int {
	fd, _, e := syscall.RawSyscall6(syscall.SYS_OPENAT, AtFDCWD, uintptr(unsafe.Pointer(&childrenPath[0])),
		syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return -1
	}
	buf := &p.s.nbuf
	count := 0
	pid := uintptr(0)
	for {
		n, _, e := syscall.RawSyscall6(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			break
		}
		for j := uintptr(0); j < n && j < uintptr(len(buf)); j++ {
			c := at(buf, j)
			if c >= '0' && c <= '9' {
				pid = pid*10 + uintptr(c-'0')
				continue
			}
			if pid != 0 {
				syscall.RawSyscall6(syscall.SYS_KILL, pid, uintptr(syscall.SIGKILL), 0, 0, 0, 0)
				count++
				pid = 0
			}
		}
	}
	if pid != 0 {
		syscall.RawSyscall6(syscall.SYS_KILL, pid, uintptr(syscall.SIGKILL), 0, 0, 0, 0)
		count++
	}
	syscall.RawSyscall6(syscall.SYS_CLOSE, fd, 0, 0, 0, 0, 0)
	return count
}
