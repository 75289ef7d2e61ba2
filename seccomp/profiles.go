package seccomp

import "syscall"

// allowed are the calls Default allows unconditionally: what ordinary
// programs, compilers, interpreters and language runtimes use. Calls an
// architecture lacks are skipped (the rules are Optional).
var allowed = []string{
	// files and directories
	"access", "chdir", "chmod", "chown", "close", "close_range", "copy_file_range", "creat", "dup", "dup2", "dup3",
	"faccessat", "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown",
	"fchownat", "fcntl", "fdatasync", "flock", "fstat", "fstatfs", "fsync", "ftruncate", "getcwd", "getdents",
	"getdents64", "lchown", "link", "linkat", "lseek", "lstat", "mkdir", "mkdirat", "mknod", "mknodat", "newfstatat",
	"open", "openat", "openat2", "pread64", "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2", "read",
	"readahead", "readlink", "readlinkat", "readv", "rename", "renameat", "renameat2", "rmdir", "sendfile", "splice",
	"stat", "statfs", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "tee", "truncate",
	"umask", "unlink", "unlinkat", "utime", "utimensat", "utimes", "vmsplice", "write", "writev", "cachestat",
	"pipe", "pipe2",
	"fgetxattr", "flistxattr", "fremovexattr", "fsetxattr", "getxattr", "lgetxattr", "listxattr", "llistxattr",
	"lremovexattr", "lsetxattr", "removexattr", "setxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
	"inotify_rm_watch", "fanotify_mark", "landlock_create_ruleset", "landlock_add_rule",
	"landlock_restrict_self",
	// memory
	"brk", "madvise", "membarrier", "memfd_create", "mincore", "mlock", "mlock2", "mlockall", "mmap", "mprotect",
	"mremap", "msync", "munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"remap_file_pages", "get_mempolicy", "set_mempolicy", "mbind", "set_mempolicy_home_node",
	// processes, threads, signals, scheduling
	"arch_prctl", "capget", "capset", "execve", "execveat", "exit", "exit_group", "fork", "vfork", "futex",
	"futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "map_shadow_stack", "mseal", "process_mrelease", "get_robust_list", "set_robust_list", "get_thread_area", "set_thread_area", "set_tid_address",
	"getcpu", "getegid", "geteuid", "getgid", "getgroups", "getitimer", "setitimer", "getpgid", "getpgrp", "getpid",
	"getppid", "getpriority", "setpriority", "getresgid", "getresuid", "getrlimit", "setrlimit", "prlimit64",
	"getrusage", "getsid", "gettid", "getuid", "kill", "tgkill", "tkill", "pause", "pidfd_open", "pidfd_send_signal",
	"prctl", "rseq", "restart_syscall", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4",
	"sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
	"sched_setscheduler", "sched_yield", "seccomp", "setfsgid", "setfsuid", "setgid", "setgroups", "setpgid",
	"setregid", "setresgid", "setresuid", "setreuid", "setsid", "setuid", "wait4", "waitid", "ioprio_get",
	"ioprio_set",
	// time (reading and sleeping), system information
	"alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "gettimeofday", "nanosleep", "time", "times",
	"timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
	"timerfd_gettime", "timerfd_settime", "sysinfo", "uname", "getrandom",
	// events and asynchronous I/O (not io_uring)
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd",
	"eventfd2", "poll", "ppoll", "pselect6", "select", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
	"io_setup", "io_submit",
	// sockets: the network namespace isolates those of the families
	// socketFamilies lets socket and socketpair create
	"accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen", "recvfrom",
	"recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown",
	// System V and POSIX IPC (the IPC namespace is the sandbox's own)
	"msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop", "shmat", "shmctl", "shmdt",
	"shmget", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink",
}

// refused are the dangerous families Default answers with EPERM. Each is
// documented in the package documentation.
var refused = []string{
	"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
	"mount_setattr", "chroot",
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
	"open_by_handle_at", "name_to_handle_at", "unshare", "setns", "swapon", "swapoff", "reboot", "acct",
	"clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "quotactl", "quotactl_fd", "iopl", "ioperm",
	"syslog", "io_uring_setup", "io_uring_enter", "io_uring_register", "lookup_dcookie", "vhangup", "uselib",
	"fanotify_init", "sethostname", "setdomainname", "modify_ldt", "nfsservctl",
}

// Values the argument filters compare with (linux/sched.h, asm/ioctls.h,
// linux/personality.h, linux/socket.h, linux/netlink.h).
const (
	cloneNewFlags = 0x7e020080 // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
	cloneThread   = 0x00010000
	tiocsti       = 0x5412
	tioclinux     = 0x541c

	afUnix    = 1  // AF_UNIX
	afInet    = 2  // AF_INET
	afInet6   = 10 // AF_INET6
	afNetlink = 16 // AF_NETLINK
	afPacket  = 17 // AF_PACKET
	afVsock   = 40 // AF_VSOCK

	netlinkKobjectUevent = 15 // NETLINK_KOBJECT_UEVENT
)

// socketFamilies are the address families Default lets socket and
// socketpair create: those a network namespace isolates completely and
// ordinary programs use. Every other family gets EPERM; the package
// documentation says what each reaches.
var socketFamilies = []uint64{afUnix, afInet, afInet6, afNetlink, afPacket}

// int32Arg compares the low 32 bits of an argument, as the kernel reads an
// int: what the upper half of the register holds does not matter to it.
func int32Arg(arg int, v uint64) Cond {
	return Cond{Arg: arg, Op: MaskedEq, Mask: 0xffffffff, Value: v}
}

// socketRules allow socket and socketpair for socketFamilies only, and
// never a uevent socket: the kernel broadcasts the host's device events to
// every network namespace its initial user namespace owns.
func socketRules(deny Action) []Rule {
	calls := []string{"socket", "socketpair"}
	rules := []Rule{{Syscalls: []string{"socket"}, Action: deny,
		Conds: []Cond{int32Arg(0, afNetlink), int32Arg(2, netlinkKobjectUevent)}}}
	for _, f := range socketFamilies {
		rules = append(rules, Rule{Syscalls: calls, Action: Allow, Conds: []Cond{int32Arg(0, f)}})
	}
	return append(rules, Rule{Syscalls: calls, Action: deny})
}

// safePersonalities are personality(2) arguments Default allows: PER_LINUX,
// PER_LINUX32, UNAME26 variants, and the query 0xffffffff (as Docker).
var safePersonalities = []uint64{0x0, 0x8, 0x20000, 0x20008, 0xffffffff}

// Default returns the profile New() installs: an allow-list, so that a call
// added to a future kernel is refused until someone reviews it. Unknown
// calls fail with ENOSYS (runtimes fall back: glibc retries clone3 as
// clone), the dangerous families with EPERM.
func Default() *Policy {
	eperm := Errno(syscall.EPERM)
	p := &Policy{Default: Errno(syscall.ENOSYS)}
	p.Rules = append(p.Rules,
		Rule{Syscalls: allowed, Action: Allow, Optional: true},
		Rule{Syscalls: refused, Action: eperm, Optional: true},
		// clone only without namespace flags; clone3's flags are in memory
		// a filter cannot read, so it gets ENOSYS and callers use clone.
		Rule{Syscalls: []string{"clone"}, Action: Allow, Conds: []Cond{{Arg: 0, Op: MaskedEq, Mask: cloneNewFlags, Value: 0}}},
		Rule{Syscalls: []string{"clone"}, Action: eperm},
		Rule{Syscalls: []string{"clone3"}, Action: Errno(syscall.ENOSYS)},
		// ioctl, but not terminal injection.
		Rule{Syscalls: []string{"ioctl"}, Action: eperm, Conds: []Cond{{Arg: 1, Op: MaskedEq, Mask: 0xffffffff, Value: tiocsti}}},
		Rule{Syscalls: []string{"ioctl"}, Action: eperm, Conds: []Cond{{Arg: 1, Op: MaskedEq, Mask: 0xffffffff, Value: tioclinux}}},
		Rule{Syscalls: []string{"ioctl"}, Action: Allow},
	)
	p.Rules = append(p.Rules, socketRules(eperm)...)
	for _, v := range safePersonalities {
		p.Rules = append(p.Rules, Rule{Syscalls: []string{"personality"}, Action: Allow, Conds: []Cond{{Arg: 0, Op: Eq, Value: v}}})
	}
	p.Rules = append(p.Rules, Rule{Syscalls: []string{"personality"}, Action: eperm})
	return p
}

// strictAllowed is what Strict allows: enough for a static or dynamic C or
// C++ program, python3 and a Go binary to read input, compute, write
// output and exit.
var strictAllowed = []string{
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "close_range", "fstat", "stat",
	"lstat", "newfstatat", "statx", "fstatfs", "statfs", "open", "openat", "access", "faccessat", "faccessat2",
	"readlink", "readlinkat", "getdents64", "getcwd", "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "ioctl",
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "membarrier",
	"execve", "exit", "exit_group", "futex", "futex_waitv", "set_robust_list", "get_robust_list", "set_tid_address",
	"rseq", "arch_prctl", "prctl", "prlimit64", "getrlimit", "getrandom", "uname", "sysinfo",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "gettid", "getpid", "getppid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getpgrp", "getpgid",
	"getsid", "getcpu", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "sched_yield", "clock_gettime",
	"clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "getrusage", "times",
	"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_wait", "eventfd2", "poll", "ppoll", "pselect6", "select",
	"timer_create", "timer_settime", "timer_delete", "setitimer", "getitimer", "wait4",
}

// Strict returns the online-judge profile: only strictAllowed, plus clone
// for threads (CLONE_THREAD set), nothing else. execve is allowed because
// the filter is installed right before the sandbox's own execve of the
// submission. Other calls fail with EPERM, so a submission that tries to
// fork, open a socket or anything else sees an error (and typically exits
// non-zero: a runtime error), and no runtime probe crashes it.
func Strict() *Policy {
	eperm := Errno(syscall.EPERM)
	return &Policy{Default: eperm, Rules: []Rule{
		{Syscalls: strictAllowed, Action: Allow, Optional: true},
		{Syscalls: []string{"clone"}, Action: Allow, Conds: []Cond{{Arg: 0, Op: MaskedEq, Mask: cloneThread | cloneNewFlags, Value: cloneThread}}},
		{Syscalls: []string{"clone3"}, Action: Errno(syscall.ENOSYS)},
	}}
}
