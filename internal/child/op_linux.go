package child

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Flags change how the child treats one operation.
const (
	// FlagIgnore: an error is not a failure (best-effort steps).
	FlagIgnore uint8 = 1 << iota
	// FlagSave: store the syscall's return value in register Op.Reg.
	FlagSave
	// FlagExpect: a return value other than Op.Expect is a failure
	// (reported as EPIPE), e.g. a short read of the sync pipe.
	FlagExpect
	// FlagTry: record the error and go on; the last recorded error is
	// reported if the list ends without execve succeeding (PATH search).
	FlagTry
	// FlagAbsent: ENOENT is not a failure (a file some kernels lack);
	// any other error is.
	FlagAbsent
)

// AtFDCWD is AT_FDCWD (linux/fcntl.h) as a system call argument: the
// parent's plans and the child's own calls use this one.
const AtFDCWD = ^uintptr(-unix.AT_FDCWD - 1)

// NumRegs is the number of registers an operation can save to or read from
// (a power of two).
const NumRegs = 16

// Op is one raw system call of the child's program.
type Op struct {
	Nr     uintptr
	Args   [6]uintptr
	Expect uintptr
	Flags  uint8
	Reg    uint8 // register written with FlagSave
	Use    uint8 // bit i set: Args[i] is a register number, not a value; UseExpect: Expect is one
}

// UseExpect is the bit of Op.Use that makes Expect a register number: the
// call must return what an earlier operation saved there.
const UseExpect = 1 << 6

// RegInitPID is the register that holds init's PID (as init sees it, which
// is also how the command sees its parent), saved by init before the fork;
// no other operation may write it.
const RegInitPID = NumRegs - 1

// List identifies which operation list a Msg refers to.
const (
	ListInit uint32 = iota + 1
	ListCmd
	ListPostFork
	ListFork // the fork of the command itself failed
	ListRoot
	ListInitPost
	ListAssemble
)

// Message kinds sent on the report pipe.
const (
	MsgError uint32 = iota + 1
	MsgStarted
	MsgExited
)

// Msg is the fixed-size record sent to the parent. Writes of it are atomic
// (smaller than PIPE_BUF).
type Msg struct {
	Kind   uint32
	List   uint32
	Index  uint32
	Errno  uint32
	Pid    int32
	Status uint32 // wait status of the command
	Utime  int64  // microseconds
	Stime  int64  // microseconds
	MaxRSS int64  // KiB, of the largest process
	_      [2]uint32

	// MsgExited: the rest of the rusage of every process init reaped
	// (see Usage), what the command's process held before its execve,
	// and the PID namespace's last PID.
	Usage
	RSSFloor int64 // KiB: what the command's execve folded into its ru_maxrss, at most; -1 unknown (see rssFloor)
	LastPID  int64 // ns_last_pid after the last process was reaped; -1 without a PID namespace
}

// Usage is what init adds up from the rusage of every process it reaps
// (each also counts the children that process reaped itself).
type Usage struct {
	Nvcsw   int64 // voluntary context switches
	Nivcsw  int64 // involuntary context switches
	Inblock int64 // 512-byte blocks read from storage
	Oublock int64 // 512-byte blocks written to storage (counted when dirtied)
}

// Pseudo system call numbers: operations the child carries out itself
// (runList), with a few raw system calls and no allocation.
const (
	// NrSameFile fails with EXDEV unless the descriptor in register
	// Args[0] is the file the parent checked: Args[1] and Args[2] are its
	// device and inode numbers (fstat(2)'s st_dev and st_ino; their low
	// halves on 32-bit architectures).
	NrSameFile = ^uintptr(0) - 2

	// nrPseudo is the lowest pseudo system call number.
	nrPseudo = NrSameFile
)

// runtime state used by the child; allocated by the parent before the fork.
type scratch struct {
	regs   [NumRegs]uintptr
	msg    Msg
	cmsg   Msg
	status uint32
	rusage syscall.Rusage
	floor  int64 // rssFloor
	cfloor int64 // the command's ru_maxrss before its execve (readExec)
	erec   ExecRecord
	nbuf   [512]byte
	stat   syscall.Stat_t

	// The subreaper's (see reaper_linux.go).
	sigs    uint64 // SIGCHLD and StopSignal
	siginfo [128]byte
	wstatus uint32
	acct    struct {
		utime, stime, maxrss int64
		Usage
	}
}
