package sandbox

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/seccomp"
)

// landlockPolicy is the Landlock backend's own seccomp filter, installed
// in every run whatever Seccomp says: what namespaces would otherwise stop
// and Landlock (as of ABI 7) cannot. Everything else it allows; the
// caller's policy (seccomp.Default() unless changed) is installed on top.
//
//	socket                   EPERM: no network; and no unix socket either,
//	                         because Landlock cannot refuse connect(2) or
//	                         sendmsg(2) to a host's pathname unix socket
//	                         (the system D-Bus, /dev/log, ...)
//	socketpair               only AF_UNIX stream and seqpacket pairs, which
//	                         cannot address any other socket (a datagram
//	                         pair could sendto a host's pathname socket)
//	System V IPC, POSIX      EPERM: there is no IPC namespace, so the host's
//	message queues           segments, queues and semaphores are reachable
//	ptrace, process_vm_*,    EPERM: no PID namespace hides other processes
//	process_madvise,
//	pidfd_getfd, kcmp
//	unshare, setns, clone    EPERM (clone3: ENOSYS, its flags cannot be read):
//	with CLONE_NEW*          a user namespace is kernel attack surface
//	io_uring_*               EPERM: its operations (IORING_OP_SOCKET, ...)
//	                         bypass seccomp
func landlockPolicy() *seccomp.Policy {
	eperm := seccomp.Errno(syscall.EPERM)
	const typeMask = 0xf // SOCK_TYPE_MASK, linux/net.h: the rest are flags
	pair := func(typ uint64) seccomp.Rule {
		return seccomp.Rule{Syscalls: []string{"socketpair"}, Action: seccomp.Allow, Conds: []seccomp.Cond{
			{Arg: 0, Op: seccomp.Eq, Value: unix.AF_UNIX},
			{Arg: 1, Op: seccomp.MaskedEq, Mask: typeMask, Value: typ},
		}}
	}
	return &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{
		{Syscalls: []string{"socket"}, Action: eperm},
		pair(unix.SOCK_STREAM),
		pair(unix.SOCK_SEQPACKET),
		{Syscalls: []string{"socketpair"}, Action: eperm},
		{Syscalls: []string{"shmget", "shmat", "shmctl", "shmdt", "msgget", "msgsnd", "msgrcv", "msgctl",
			"semget", "semop", "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
			"mq_notify", "mq_getsetattr"}, Action: eperm, Optional: true},
		{Syscalls: []string{"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp"},
			Action: eperm, Optional: true},
		{Syscalls: []string{"unshare", "setns", "io_uring_setup", "io_uring_enter", "io_uring_register"}, Action: eperm, Optional: true},
		{Syscalls: []string{"clone"}, Action: seccomp.Allow, Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.MaskedEq, Mask: cloneNewFlags, Value: 0}}},
		{Syscalls: []string{"clone"}, Action: eperm},
		{Syscalls: []string{"clone3"}, Action: seccomp.Errno(syscall.ENOSYS), Optional: true},
	}}
}

// cloneNewFlags are the CLONE_NEW* flags (linux/sched.h).
const cloneNewFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWTIME

// landlockProgram is landlockPolicy compiled, once per process. The
// program's memory lives as long as the process.
var landlockProgram = sync.OnceValues(func() (*unix.SockFprog, error) {
	p, err := landlockPolicy().Compile()
	if err != nil {
		return nil, err
	}
	insns := p.Instructions()
	return &unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}, nil
})
