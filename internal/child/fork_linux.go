package child

import (
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The child's rules. Everything that runs between runtime_BeforeFork and
// execve (in init and in the command) is marked //sandbox:child in its doc
// comment; rules_linux_test.go checks the marked functions on every test
// run. Such code runs on a copy of the embedder's memory, or with CLONE_VM
// on the embedder's memory itself while its other threads go on, and with
// the runtime unable to help:
//
//   - no allocation and no escape to the heap (the allocator takes locks
//     another thread may hold, and a GC may be running);
//   - no stack growth: every function a marked function calls is nosplit
//     (a split check always fails after runtime_BeforeFork) or assembly;
//   - no bounds check: a panic cannot be reported from here; index with
//     values the compiler proves in range (unsigned indices compared with
//     len, arrays read through at);
//   - no store of a pointer into memory the GC scans (a Plan, a Msg, any
//     heap object): with CLONE_VM the write barrier would record it in the
//     parent's buffers from a thread the runtime does not know. Store only
//     integers (uintptr, errno, counters); pointers the child needs are
//     prepared by the parent as uintptr arguments of its Ops;
//   - no locks, no closures, no defer, no Go calls but to other marked
//     functions, syscall.RawSyscall6 and the runtime's fork hooks;
//   - norace and nocheckptr, so that neither instrumentation runs.

const (
	clonePidfd = 0x1000     // CLONE_PIDFD, linux/sched.h
	waitAll    = 0x40000000 // __WALL (wait for clone and non-clone children alike), linux/wait.h
	errPipe    = uintptr(syscall.EPIPE)
)

// Start forks the init process described by p. It returns the init's PID
// and a pidfd for it. p must not change until the run is over.
//
// init is cloned from the forker thread, which never exits: a parent-death
// signal fires when the thread that forked exits, not the process
// (go.dev/issue/27505), and the thread of a goroutine that ends while
// locked to it exits.
func Start(p *Plan) (pid, pidfd int, err error) {
	p.pidfd = -1
	if p.VM {
		p.initStack = stackPool.Get().(*[vmStackSize]byte)[:]
		p.cmdStack = stackPool.Get().(*[vmStackSize]byte)[:]
		if p.ClearSighand {
			base := uintptr(unsafe.Pointer(unsafe.SliceData(p.initStack)))
			p.cargs = cloneArgs{
				flags:      uint64(p.CloneFlags | syscall.CLONE_VM | clonePidfd | unix.CLONE_CLEAR_SIGHAND),
				pidfd:      uint64(uintptr(unsafe.Pointer(&p.pidfd))),
				exitSignal: uint64(syscall.SIGCHLD),
				stack:      uint64(base),
				stackSize:  uint64(stackTop(p.initStack) - base),
			}
		}
	}
	req := &forkRequest{p: p, done: make(chan struct{})}
	forker() <- req
	<-req.done
	runtime.KeepAlive(p)
	if req.errno != 0 {
		return 0, -1, req.errno
	}
	return int(req.pid), int(p.pidfd), nil
}

// StartForker starts the forker goroutine now rather than at the first
// Start (for tests that count goroutines).
func StartForker() { forker() }

type forkRequest struct {
	p     *Plan
	pid   uintptr
	errno syscall.Errno
	done  chan struct{}
}

// forker starts, once, the goroutine that clones every init, locked to an
// OS thread of its own for the life of the process.
//
// That thread empties its capability bounding set first, when it can:
// every init inherits it, and with it every command that does not get a
// user namespace of its own (a new one gives a full set), so those need
// not drop each capability themselves (see BoundingSetEmpty). The bounding
// set only limits what an execve may grant; no process cloned from this
// thread execs with capabilities to keep. The set is the thread's own: the
// runtime never clones a new thread from a locked one, so the embedding
// process's other threads, and what they start, keep theirs.
var forker = sync.OnceValue(func() chan<- *forkRequest {
	ch := make(chan *forkRequest)
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as the process
		boundingEmpty = emptyBoundingSet()
		close(ready)
		for req := range ch {
			if req.p.VM {
				req.pid, req.errno = startVM(req.p)
			} else {
				req.pid, req.errno = forkInit(req.p)
			}
			close(req.done)
		}
	}()
	<-ready
	return ch
})

// boundingEmpty is set once by the forker's thread (emptyBoundingSet).
var boundingEmpty bool

// BoundingSetEmpty starts the forker if it has not started and says
// whether its thread's capability bounding set is empty, checked
// capability by capability, so that a command cloned without a user
// namespace of its own inherits an empty one.
func BoundingSetEmpty() bool {
	forker()
	return boundingEmpty
}

// emptyBoundingSet drops every capability from the calling thread's
// bounding set and says whether none is left. Without CAP_SETPCAP the
// drops fail and it says false.
func emptyBoundingSet() bool {
	for c := uintptr(0); c < 64; c++ {
		syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, c, 0)
	}
	for c := uintptr(0); c < 64; c++ {
		r, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_CAPBSET_READ, c, 0)
		if e == 0 && r != 0 {
			return false // still in the set
		}
		if e != 0 && e != syscall.EINVAL { // EINVAL: no such capability
			return false
		}
	}
	return true
}

// vmStackSize is the stack of an init or command started with CLONE_VM.
// Their code is a short chain of nosplit functions and raw system calls.
const vmStackSize = 16 << 10

// stackPool recycles the stacks of finished runs.
var stackPool = sync.Pool{New: func() any { return new([vmStackSize]byte) }}

// Release returns what the plan borrowed: its stacks and, for the next
// plans, its lists, which it leaves empty (Describe then describes
// nothing). Call it only once init has been reaped: until then init (and,
// until its execve, the command) may run on the plan's stacks and read its
// lists. A plan's own lists must be built with Add, never assigned a Seq
// that something else keeps: Release hands their arrays to the next plan.
func (p *Plan) Release() {
	p.recycle()
	for _, s := range []*[]byte{&p.initStack, &p.cmdStack} {
		if *s != nil {
			stackPool.Put((*[vmStackSize]byte)(*s))
			*s = nil
		}
	}
}

// stackTop is the 16-byte aligned top of a stack buffer.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func stackTop(b []byte) uintptr {
	return (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + uintptr(len(b)) - 64) &^ 15
}

// startVM starts init sharing this process's memory. Its signals stay
// blocked (runtime_BeforeFork blocked them on this thread), so no Go signal
// handler ever runs in it.
//
//sandbox:child
//go:noinline
//go:norace
//go:nocheckptr
func startVM(p *Plan) (uintptr, syscall.Errno) {
	runtimeBeforeFork()
	var pid, errno uintptr
	if p.ClearSighand {
		pid, errno = clone3VMInit(&p.cargs, unsafe.Sizeof(p.cargs), p)
	} else {
		pid, errno = cloneVMInit(p.CloneFlags|syscall.CLONE_VM|clonePidfd|uintptr(syscall.SIGCHLD),
			stackTop(p.initStack), &p.pidfd, p)
	}
	runtimeAfterFork()
	return pid, syscall.Errno(errno)
}

//sandbox:child
//go:noinline
//go:norace
//go:nocheckptr
func forkInit(p *Plan) (pid uintptr, err1 syscall.Errno) {
	runtimeBeforeFork()
	pid, _, err1 = syscall.RawSyscall6(syscall.SYS_CLONE, p.CloneFlags|clonePidfd|uintptr(syscall.SIGCHLD),
		0, uintptr(unsafe.Pointer(&p.pidfd)), 0, 0, 0)
	if err1 != 0 || pid != 0 {
		runtimeAfterFork()
		return pid, err1
	}
	runtimeAfterForkInChild()
	initMain(p)
	return 0, 0
}

// initMain is the sandbox's init: it finishes the setup, forks the command,
// reports whether it started, reaps every process and reports the
// command's wait status.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func initMain(p *Plan) {
	s := &p.s
	if !runList(p, p.Init.Ops, ListInit) ||
		(p.Assemble != nil && !runList(p, p.Assemble.Ops, ListAssemble)) ||
		(p.Root != nil && !runList(p, p.Root.Ops, ListRoot)) ||
		!runOps(p, p.InitPost.Ops, ListInitPost, 0, &s.msg) {
		sendAndExit(p.ReportW, &s.msg, 1)
	}
	if p.Park {
		for {
			syscall.RawSyscall6(syscall.SYS_EXIT_GROUP, 0, 0, 0, 0, 0, 0)
		}
	}
	reaperSetup(p)
	var cpid uintptr
	var e syscall.Errno
	if p.VM {
		// vfork on a stack of its own: init waits until the command has
		// called execve or died. What its setuid did to the shared mm's
		// dumpable flag is for the parent to undo, once no other command
		// is setting up on that memory.
		var ue uintptr
		cpid, ue = cloneVMCmd(syscall.CLONE_VM|syscall.CLONE_VFORK|uintptr(syscall.SIGCHLD), stackTop(p.cmdStack), nil, p)
		e = syscall.Errno(ue)
	} else {
		cpid, _, e = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	}
	if e != 0 {
		s.msg = Msg{Kind: MsgError, List: ListFork, Errno: uint32(e)}
		sendAndExit(p.ReportW, &s.msg, 1)
	}
	if cpid == 0 {
		cmdMain(p)
	}
	// runOps fails only on steps without FlagIgnore; post-fork steps are
	// all best effort, so the result is not checked.
	runOps(p, p.PostFork.Ops, ListPostFork, 0, &s.msg)
	if readExec(p) {
		// A step or execve failed: forward the command's error, reap it,
		// leave.
		syscall.RawSyscall6(syscall.SYS_WAIT4, cpid, uintptr(unsafe.Pointer(&s.status)), 0, 0, 0, 0)
		sendAndExit(p.ReportW, &s.cmsg, 1)
	}
	// The command's execve is done, and with it the fold of the memory
	// it had before into its ru_maxrss: bound that memory (see rssFloor)
	// before reporting the start.
	s.floor = rssFloor(p)
	s.msg = Msg{Kind: MsgStarted, Pid: int32(cpid)}
	rawWrite(p.ReportW, &s.msg)
	reapRun(p, cpid)
	exitedMsg(p, cpid)
	sendAndExit(p.ReportW, &s.msg, 0)
}

// cmdMain prepares the command and execs it. On failure it writes its
// error to the exec pipe; init forwards it.
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func cmdMain(p *Plan) {
	s := &p.s
	if !p.VM {
		reaperUnblock(p)
	}
	runOps(p, p.Cmd.Ops, ListCmd, 0, &s.msg)
	if s.msg.Kind != MsgError {
		// The list ended without execve taking over: report the last
		// recorded failure (FlagTry), or a generic one.
		s.msg = Msg{Kind: MsgError, List: ListCmd, Index: uint32(len(p.Cmd.Ops) - 1), Errno: uint32(syscall.ENOEXEC)}
	}
	sendAndExit(p.ExecW, &s.msg, 127)
}

// runOps runs ops in order from base. It returns false at the first
// failing operation without FlagIgnore or FlagTry (or FlagAbsent, when it
// failed with ENOENT), with fail describing it;
// FlagTry failures are recorded in fail and the walk goes on. It returns
// true at the end of the list, or at a pseudo operation (see runList).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func runOps(p *Plan, ops []Op, list uint32, base int, fail *Msg) bool {
	s := &p.s
	var a [6]uintptr
	// An unsigned index below len(ops) needs no bounds check.
	for i := uint(base); i < uint(len(ops)); i++ {
		op := &ops[i]
		a = op.Args
		if op.Use&(1<<6-1) != 0 {
			for j := 0; j < 6; j++ {
				if op.Use&(1<<j) != 0 {
					a[j] = s.regs[op.Args[j]&(NumRegs-1)]
				}
			}
		}
		if op.Nr >= nrPseudo {
			return true // runList takes over
		}
		r1, _, e := syscall.RawSyscall6(op.Nr, a[0], a[1], a[2], a[3], a[4], a[5])
		if e == 0 && op.Flags&FlagExpect != 0 {
			want := op.Expect
			if op.Use&UseExpect != 0 {
				want = s.regs[op.Expect&(NumRegs-1)]
			}
			if r1 != want {
				e = syscall.Errno(errPipe)
			}
		}
		if e != 0 {
			if op.Flags&FlagIgnore != 0 || (e == syscall.ENOENT && op.Flags&FlagAbsent != 0) {
				continue
			}
			fail.Kind = MsgError
			fail.List = list
			fail.Index = uint32(i)
			fail.Errno = uint32(e)
			if op.Flags&FlagTry != 0 {
				continue
			}
			return false
		}
		if op.Flags&FlagSave != 0 {
			s.regs[op.Reg&(NumRegs-1)] = r1
		}
	}
	return true
}

// runList runs one of init's lists, carrying out its pseudo operations
// itself (kept out of runOps so that the command's nosplit call chain
// stays short).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func runList(p *Plan, ops []Op, list uint32) bool {
	base := 0
	for i := range ops {
		op := &ops[i]
		if op.Nr < nrPseudo {
			continue
		}
		if !runOps(p, ops[:i], list, base, &p.s.msg) {
			return false
		}
		var e syscall.Errno
		switch op.Nr {
		case NrSameFile:
			e = sameFile(p, op)
		default:
			e = syscall.ENOSYS
		}
		if e != 0 {
			p.s.msg = Msg{Kind: MsgError, List: list, Index: uint32(i), Errno: uint32(e)}
			return false
		}
		base = i + 1
	}
	return runOps(p, ops, list, base, &p.s.msg)
}

// sameFile carries out an NrSameFile operation: the descriptor in register
// op.Args[0] must be the file of device op.Args[1] and inode op.Args[2].
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func sameFile(p *Plan, op *Op) syscall.Errno {
	st := &p.s.stat
	fd := p.s.regs[op.Args[0]&(NumRegs-1)]
	if _, _, e := syscall.RawSyscall(syscall.SYS_FSTAT, fd, uintptr(unsafe.Pointer(st)), 0); e != 0 {
		return e
	}
	if uintptr(st.Dev) != op.Args[1] || uintptr(st.Ino) != op.Args[2] {
		return syscall.EXDEV
	}
	return 0
}

//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func rawWrite(fd int, m *Msg) {
	syscall.RawSyscall6(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(m)), unsafe.Sizeof(*m), 0, 0, 0)
}

//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func sendAndExit(fd int, m *Msg, code uintptr) {
	rawWrite(fd, m)
	for {
		syscall.RawSyscall6(syscall.SYS_EXIT_GROUP, code, 0, 0, 0, 0, 0)
	}
}

// at is buf[j] without a bounds check (no panic path in the nosplit chain).
//
//sandbox:child
//go:nosplit
//go:norace
//go:nocheckptr
func at(buf *[512]byte, j uintptr) byte { return *(*byte)(unsafe.Add(unsafe.Pointer(buf), j)) }

// cloneArgs is struct clone_args (linux/sched.h), as far as version 2.
type cloneArgs struct {
	flags, pidfd uint64
	_, _         uint64 // child_tid, parent_tid
	exitSignal   uint64
	stack        uint64 // the lowest address
	stackSize    uint64
	_, _, _, _   uint64 // tls, set_tid, set_tid_size, cgroup
}

// ClearSighandSupported says whether clone3(2) may be called here (a
// container's seccomp filter often refuses it with ENOSYS) and the
// kernel knows CLONE_CLEAR_SIGHAND (Linux 5.5), as Plan.ClearSighand
// needs.
var ClearSighandSupported = sync.OnceValue(func() bool {
	if !VMSupported {
		return false
	}
	// A size below the first version's: EINVAL where clone3 exists.
	if _, _, e := syscall.RawSyscall(unix.SYS_CLONE3, 0, 0, 0); e != syscall.EINVAL {
		return false
	}
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return false
	}
	var major, minor int
	i := 0
	for ; i < len(u.Release) && u.Release[i] >= '0' && u.Release[i] <= '9'; i++ {
		major = major*10 + int(u.Release[i]-'0')
	}
	for i++; i < len(u.Release) && u.Release[i] >= '0' && u.Release[i] <= '9'; i++ {
		minor = minor*10 + int(u.Release[i]-'0')
	}
	return major > 5 || major == 5 && minor >= 5
})
