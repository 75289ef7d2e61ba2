//go:build linux

package victims

// The escape classes of Attacks.
const (
	ClassChroot       = "chroot escape"
	ClassExe          = "CVE-2019-5736 class"
	ClassProcfs       = "procfs"
	ClassFdLeak       = "fd leak (CVE-2024-21626 class)"
	ClassTerminal     = "terminal injection"
	ClassSeccomp      = "seccomp"
	ClassCgroup       = "cgroup (CVE-2022-0492 class)"
	ClassKnobs        = "kernel knobs (/proc/sys, /sys)"
	ClassPtrace       = "ptrace"
	ClassSignals      = "signals"
	ClassDevices      = "devices"
	ClassMounts       = "mounts"
	ClassLimits       = "resource limits"
	ClassCaps         = "capabilities"
	ClassNamespaces   = "namespaces"
	ClassKernel       = "kernel attack surface"
	ClassShocker      = "shocker (open_by_handle_at)"
	ClassAdmin        = "host administration"
	ClassInfoLeak     = "information leak"
	ClassNetwork      = "network"
	ClassFilesystem   = "filesystem"
	ClassIPC          = "IPC"
	seccompEPERM      = "seccomp EPERM"
	initNonDumpable   = "/proc shows only what the command could ptrace (ENOENT); init is not ptrace-accessible (EACCES)"
	initHidden        = "/proc shows only what the command could ptrace (hidepid=ptraceable: ENOENT)"
	noSys             = "no /sys in the sandbox (ENOENT)"
	procSysReadOnly   = "/proc/sys is a read-only bind, owned by root (EACCES/EROFS)"
	readOnlyRoot      = "read-only root (EROFS)"
	minimalDev        = "minimal /dev (ENOENT)"
	netns             = "network namespace with only lo"
	needsCapAndFilter = "seccomp EPERM; no capability"
)

// Attacks lists every attack of src/victim.c, in the order of
// "victim --list" (TestList keeps the two in step).
var Attacks = []Attack{
	// Escaping the root.
	{Name: "chroot-escape", Class: ClassChroot, Needs: NeedMarker, StoppedBy: "seccomp EPERM (chroot); no CAP_SYS_CHROOT",
		Description: "mkdir, chroot into it, chdir(\"..\") x256, chroot(\".\"), then read a host file"},
	{Name: "fchdir-fd", Class: ClassChroot, Needs: NeedMarker, StoppedBy: "no descriptor inherited beyond stdio",
		Description: "fchdir to an inherited directory descriptor, walk \"..\" and read a host file"},
	{Name: "proc-1-root", Class: ClassChroot, Needs: NeedMarker, StoppedBy: initNonDumpable,
		Description: "read a host file through /proc/1/root"},
	{Name: "proc-self-root", Class: ClassChroot, Needs: NeedMarker, StoppedBy: "pivot_root: \"..\" stops at the sandbox's root",
		Description: "read a host file through /proc/self/root/../.."},
	{Name: "proc-1-cwd", Class: ClassChroot, Needs: NeedMarker, StoppedBy: initNonDumpable,
		Description: "read a host file through /proc/1/cwd/../.."},
	{Name: "proc-self-cwd", Class: ClassChroot, Needs: NeedMarker, StoppedBy: "the cwd is inside the new root",
		Description: "read a host file through /proc/self/cwd/../.."},
	{Name: "cwd-outside", Class: ClassFdLeak, StoppedBy: "the cwd is set inside the new root",
		Description: "a working directory outside the root: getcwd, \"/..\" and a \"..\" walk must all end at \"/\""},

	// The host program (the sandbox's init shares its binary) and its process.
	{Name: "proc-1-exe-write", Class: ClassExe, StoppedBy: initNonDumpable,
		Description: "open init's binary, the host program, for writing through /proc/1/exe (nothing written)"},
	{Name: "proc-1-exe-read", Class: ClassExe, StoppedBy: initNonDumpable,
		Description: "read init's binary through /proc/1/exe"},
	{Name: "proc-self-exe-write", Class: ClassExe, StoppedBy: "the binary is not writable by the sandbox's uid (EACCES), on a read-only bind",
		Description: "open its own binary for writing through /proc/self/exe (nothing written)"},
	{Name: "proc-1-mem", Class: ClassProcfs, StoppedBy: initNonDumpable,
		Description: "open init's memory, /proc/1/mem"},
	{Name: "proc-1-environ", Class: ClassProcfs, StoppedBy: initNonDumpable,
		Description: "read init's environment, the host program's, /proc/1/environ"},
	{Name: "proc-1-maps", Class: ClassProcfs, StoppedBy: initNonDumpable,
		Description: "read init's memory map (defeats the host program's ASLR)"},
	{Name: "proc-1-fd", Class: ClassFdLeak, StoppedBy: initNonDumpable,
		Description: "list /proc/1/fd, then readlink and reopen init's descriptors"},
	{Name: "fd-leak", Class: ClassFdLeak, StoppedBy: "no descriptor inherited beyond stdio",
		Description: "any open descriptor beyond 0, 1, 2"},

	// Terminals.
	{Name: "tiocsti", Class: ClassTerminal, Needs: NeedTTY, NeedsSeccomp: true, StoppedBy: "seccomp EPERM (ioctl TIOCSTI); no controlling terminal",
		Description: "push a character into the input of the terminal handed in as stdin (TIOCSTI)"},
	{Name: "tiocsti-ctty", Class: ClassTerminal, Needs: NeedTTY, NeedsSeccomp: true, StoppedBy: "seccomp EPERM (ioctl TIOCSTI): TIOCSCTTY itself succeeds",
		Description: "setsid, make stdin its controlling terminal (TIOCSCTTY), then TIOCSTI"},
	{Name: "tioclinux", Class: ClassTerminal, Needs: NeedTTY, StoppedBy: "seccomp EPERM (ioctl TIOCLINUX); a pty is no VT",
		Description: "TIOCLINUX (the console ioctls whose paste-selection injects input) on stdin"},
	{Name: "dev-tty", Class: ClassTerminal, StoppedBy: "no /dev/tty in the minimal /dev (ENOENT); no controlling terminal (ENXIO)",
		Description: "open /dev/tty, the controlling terminal of the host session"},

	// Seccomp bypasses.
	{Name: "int80", Class: ClassSeccomp, Expect: KilledBySIGSYS, NeedsSeccomp: true, ForeignABI: "IA-32 emulation (int 0x80)", StoppedBy: "seccomp kills other architectures",
		Description: "a system call through the i386 int 0x80 ABI (getuid)"},
	{Name: "x32", Class: ClassSeccomp, Expect: KilledBySIGSYS, NeedsSeccomp: true, ForeignABI: "the x32 ABI", StoppedBy: "seccomp kills x32 calls",
		Description: "a system call through the x32 ABI (nr | 0x40000000)"},
	{Name: "personality", Class: ClassSeccomp, NeedsSeccomp: true, StoppedBy: "seccomp EPERM (only the harmless personas pass)",
		Description: "turn ASLR off with personality(ADDR_NO_RANDOMIZE)"},

	// Cgroups.
	{Name: "mount-cgroup", Class: ClassCgroup, StoppedBy: seccompEPERM + " (mount); no CAP_SYS_ADMIN",
		Description: "mount a cgroup v1 hierarchy (rdma) to reach its release_agent (unmounted again)"},
	{Name: "mount-cgroup2", Class: ClassCgroup, StoppedBy: seccompEPERM + " (mount); no CAP_SYS_ADMIN",
		Description: "mount cgroup2 (unmounted again)"},
	{Name: "release-agent", Class: ClassCgroup, StoppedBy: noSys,
		Description: "open any visible release_agent for writing (nothing written)"},
	{Name: "notify-on-release", Class: ClassCgroup, StoppedBy: noSys,
		Description: "open any visible notify_on_release for writing (nothing written)"},
	{Name: "cgroup-limits", Class: ClassLimits, StoppedBy: noSys,
		Description: "open its own cgroup's memory, pids and cpu limits for writing (nothing written)"},
	{Name: "cgroup-move", Class: ClassCgroup, StoppedBy: noSys,
		Description: "open a cgroup.procs or tasks file for writing, to move out of its cgroup (nothing written)"},

	// Kernel knobs.
	{Name: "proc-sys", Class: ClassKnobs, StoppedBy: procSysReadOnly,
		Description: "open /proc/sys/kernel/hostname for writing (nothing written)"},
	{Name: "core-pattern", Class: ClassKnobs, StoppedBy: procSysReadOnly,
		Description: "open /proc/sys/kernel/core_pattern for writing (nothing written)"},
	{Name: "sysrq", Class: ClassKnobs, StoppedBy: "/proc/sysrq-trigger is a read-only bind, owned by root",
		Description: "open /proc/sysrq-trigger for writing (nothing written)"},
	{Name: "sys-write", Class: ClassKnobs, StoppedBy: noSys,
		Description: "open /sys/kernel/uevent_helper, /sys/power/state and others for writing (nothing written)"},
	{Name: "mount-sysfs", Class: ClassKnobs, StoppedBy: seccompEPERM + " (mount); no CAP_SYS_ADMIN",
		Description: "mount a sysfs (unmounted again)"},

	// Other processes.
	{Name: "ptrace-init", Class: ClassPtrace, StoppedBy: seccompEPERM + " (ptrace); init is non-dumpable",
		Description: "attach to init with PTRACE_SEIZE"},
	{Name: "process-vm-readv", Class: ClassPtrace, StoppedBy: seccompEPERM + " (process_vm_readv)",
		Description: "read init's memory with process_vm_readv"},
	{Name: "pidfd-getfd", Class: ClassPtrace, StoppedBy: seccompEPERM + " (pidfd_getfd)",
		Description: "take init's descriptor 0 with pidfd_open and pidfd_getfd"},
	{Name: "kill-init", Class: ClassSignals, StoppedBy: "init runs as another uid (EPERM); the kernel drops SIGKILL to a namespace's init from inside it",
		Description: "SIGKILL the PID namespace's init, which must survive"},
	{Name: "kill-host", Class: ClassSignals, Needs: NeedHostPID, StoppedBy: "PID namespace (ESRCH)",
		Description: "signal 0 to a host process by its host pid"},

	// Devices.
	{Name: "mknod", Class: ClassDevices, StoppedBy: "no CAP_MKNOD (EPERM)",
		Description: "make a character device (1:3) in /tmp and open it (removed again)"},
	{Name: "dev-mem", Class: ClassDevices, StoppedBy: minimalDev,
		Description: "open /dev/mem, /dev/kmem or /dev/port"},
	{Name: "dev-block", Class: ClassDevices, StoppedBy: minimalDev,
		Description: "open any block device node (/dev/sda, /dev/vda, ...) for reading"},
	{Name: "kmsg", Class: ClassInfoLeak, StoppedBy: minimalDev,
		Description: "open the kernel log, /dev/kmsg"},
	{Name: "syslog", Class: ClassInfoLeak, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (syslog)",
		Description: "read the kernel log with syslog(SYSLOG_ACTION_READ_ALL)"},

	// Mounts.
	{Name: "mount-proc", Class: ClassMounts, StoppedBy: seccompEPERM + " (mount); no CAP_SYS_ADMIN",
		Description: "mount a new procfs (unmounted again)"},
	{Name: "mount-tmpfs", Class: ClassMounts, StoppedBy: seccompEPERM + " (mount); no CAP_SYS_ADMIN",
		Description: "mount a tmpfs (unmounted again)"},
	{Name: "umount", Class: ClassMounts, StoppedBy: seccompEPERM + " (umount2); no CAP_SYS_ADMIN",
		Description: "umount2 permission, to uncover what /proc and binds hide (EINVAL on a non-mount point proves it)"},
	{Name: "pivot-root", Class: ClassMounts, StoppedBy: seccompEPERM + " (pivot_root); no CAP_SYS_ADMIN",
		Description: "pivot_root permission (ENOENT on a missing path proves it)"},
	{Name: "fsopen", Class: ClassMounts, StoppedBy: seccompEPERM + " (fsopen); no CAP_SYS_ADMIN",
		Description: "the new mount API, past a filter that only refuses mount(2): fsopen(\"tmpfs\")"},
	{Name: "open-tree", Class: ClassMounts, StoppedBy: seccompEPERM + " (open_tree); no CAP_SYS_ADMIN",
		Description: "clone a mount with open_tree(OPEN_TREE_CLONE)"},

	// Limits.
	{Name: "raise-rlimit", Class: ClassLimits, StoppedBy: "no CAP_SYS_RESOURCE (EPERM)",
		Description: "raise any finite hard rlimit by one"},
	{Name: "oom-score-adj", Class: ClassLimits, StoppedBy: "no CAP_SYS_RESOURCE (EACCES)",
		Description: "lower its own oom_score_adj, towards unkillable"},
	{Name: "setpriority", Class: ClassLimits, StoppedBy: "no CAP_SYS_NICE, RLIMIT_NICE 0 (EACCES)",
		Description: "lower its nice value"},
	{Name: "sched-fifo", Class: ClassLimits, StoppedBy: "no CAP_SYS_NICE, RLIMIT_RTPRIO 0 (EPERM)",
		Description: "switch to the real-time class SCHED_FIFO (switched back)"},
	{Name: "mlock", Class: ClassLimits, StoppedBy: "no CAP_IPC_LOCK (EPERM)",
		Description: "mlock a page beyond RLIMIT_MEMLOCK 0"},

	// Identity.
	{Name: "setuid0", Class: ClassCaps, StoppedBy: "unprivileged uid, no CAP_SETUID (EPERM)",
		Description: "setuid(0)"},
	{Name: "setgid0", Class: ClassCaps, StoppedBy: "unprivileged gid, no CAP_SETGID (EPERM)",
		Description: "setgid(0)"},
	{Name: "setgroups", Class: ClassCaps, StoppedBy: "no CAP_SETGID (EPERM)",
		Description: "join group 0 with setgroups"},
	{Name: "capset", Class: ClassCaps, StoppedBy: "empty permitted set (EPERM)",
		Description: "raise CAP_SYS_ADMIN with capset"},
	{Name: "capabilities", Class: ClassCaps, StoppedBy: "every set emptied, the bounding set too",
		Description: "any capability in the inheritable, permitted, effective, bounding or ambient set"},
	{Name: "no-new-privs", Class: ClassCaps, StoppedBy: "no_new_privs is set",
		Description: "no_new_privs off, so a setuid binary would raise privileges"},

	// Namespaces.
	{Name: "userns-regain", Class: ClassNamespaces, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (unshare)",
		Description: "unshare a user namespace to regain every capability, map uid 0, then mount in a new mount namespace"},
	{Name: "unshare-mount", Class: ClassNamespaces, StoppedBy: seccompEPERM + " (unshare); no CAP_SYS_ADMIN",
		Description: "unshare(CLONE_NEWNS)"},
	{Name: "setns", Class: ClassNamespaces, StoppedBy: initNonDumpable + "; " + seccompEPERM + " (setns)",
		Description: "join init's mount namespace through /proc/1/ns/mnt"},
	{Name: "clone-newuser", Class: ClassNamespaces, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (clone with namespace flags)",
		Description: "clone with CLONE_NEWUSER"},

	// Kernel attack surface.
	{Name: "keyctl", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (add_key)",
		Description: "add a key to its process keyring"},
	{Name: "io-uring", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (io_uring_setup)",
		Description: "io_uring_setup"},
	{Name: "bpf", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (bpf)",
		Description: "load a two-instruction BPF socket filter (not attached)"},
	{Name: "perf-event-open", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (perf_event_open)",
		Description: "perf_event_open of a software counter on itself"},
	{Name: "userfaultfd", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (userfaultfd)",
		Description: "userfaultfd (UFFD_USER_MODE_ONLY), the race-widening tool of kernel exploits"},
	{Name: "fanotify", Class: ClassKernel, StoppedBy: needsCapAndFilter,
		Description: "fanotify_init(FAN_CLASS_CONTENT)"},
	{Name: "modify-ldt", Class: ClassKernel, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (modify_ldt)",
		Description: "write an LDT entry with modify_ldt"},
	{Name: "open-by-handle", Class: ClassShocker, StoppedBy: seccompEPERM + " (name_to_handle_at); no CAP_DAC_READ_SEARCH",
		Description: "open the root of a bound host filesystem by a forged file handle (ino 2)"},

	// Host administration: arguments invalid after the permission check.
	{Name: "kexec", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "kexec_load (17 segments: EINVAL past the CAP_SYS_BOOT check)"},
	{Name: "init-module", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "init_module (an empty image: ENOEXEC past the CAP_SYS_MODULE check)"},
	{Name: "reboot", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "reboot (a bad magic: EINVAL past the CAP_SYS_BOOT check)"},
	{Name: "swapon", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "swapon (a file with no swap signature: EINVAL past the CAP_SYS_ADMIN check)"},
	{Name: "settime", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "settimeofday (a time zone out of range: EINVAL past the CAP_SYS_TIME check)"},
	{Name: "sethostname", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "sethostname (to its current value)"},
	{Name: "acct", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "acct (a missing path: ENOENT past the CAP_SYS_PACCT check)"},
	{Name: "quotactl", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "quotactl_fd(Q_GETQUOTA) of another user on a host filesystem"},
	{Name: "iopl", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "raise the I/O privilege level with iopl(3) (lowered again)"},
	{Name: "ioperm", Class: ClassAdmin, StoppedBy: needsCapAndFilter,
		Description: "access to I/O port 0x80 with ioperm (dropped again)"},

	// Network.
	{Name: "net-out", Class: ClassNetwork, StoppedBy: netns + " (ENETUNREACH)",
		Description: "a route to 1.1.1.1 (UDP connect: no packet sent)"},
	{Name: "net-host", Class: ClassNetwork, Needs: NeedPort, StoppedBy: netns + " (ECONNREFUSED)",
		Description: "connect to a host service on 127.0.0.1"},
	{Name: "abstract-socket", Class: ClassNetwork, Needs: NeedAbstract, StoppedBy: netns + " (ECONNREFUSED)",
		Description: "connect to a host abstract unix socket"},
	{Name: "packet-socket", Class: ClassNetwork, StoppedBy: "no CAP_NET_RAW (EPERM)",
		Description: "open a raw AF_PACKET socket"},
	{Name: "raw-socket", Class: ClassNetwork, StoppedBy: "no CAP_NET_RAW (EPERM)",
		Description: "open a raw AF_INET ICMP socket"},
	{Name: "netlink-links", Class: ClassNetwork, StoppedBy: netns,
		Description: "list the network interfaces over rtnetlink: anything but lo"},

	// Filesystem and IPC.
	{Name: "write-etc", Class: ClassFilesystem, StoppedBy: readOnlyRoot,
		Description: "create a file in /etc (removed again)"},
	{Name: "write-usr", Class: ClassFilesystem, StoppedBy: readOnlyRoot,
		Description: "create a file in /usr (removed again)"},
	{Name: "write-root", Class: ClassFilesystem, StoppedBy: readOnlyRoot,
		Description: "create a file in / (removed again)"},
	{Name: "sysv-host", Class: ClassIPC, Needs: NeedHostIPC, StoppedBy: "IPC namespace",
		Description: "see the host's System V shared memory, queues or semaphores"},

	// issue 10: process
	{Name: "proc-1-cmdline", Class: ClassInfoLeak, StoppedBy: initHidden,
		Description: "read init's command line, the host program's (secrets passed as arguments), /proc/1/cmdline",
		LandlockGap: "no PID namespace: PID 1 is the host's init, and /proc shows every process's command line to every user, the sandbox's init's (the host program's) too"},
	{Name: "proc-1-status", Class: ClassInfoLeak, StoppedBy: initHidden,
		Description: "read init's status, the host program's memory figures, /proc/1/status",
		LandlockGap: "no PID namespace: PID 1 is the host's init, and /proc shows every process's status to every user"},
	// issue 12: what namespaces hide, for the Landlock backend, which has
	// none. Inside New() the sandbox's init is PID 1 and host processes,
	// sockets and files are not in its namespaces.
	{Name: "proc-parent-mem", Class: ClassProcfs, StoppedBy: initNonDumpable,
		Description: "open the memory of the sandbox's init, the command's parent, through /proc/PPID/mem"},
	{Name: "kill-parent", Class: ClassSignals, StoppedBy: "init runs as another uid (EPERM); the kernel drops SIGKILL to a namespace's init from inside it",
		Description: "signal the sandbox's init, the command's parent (signal 0; SIGKILL when it is a namespace's PID 1)"},
	{Name: "proc-host-environ", Class: ClassProcfs, Needs: NeedHostPID, StoppedBy: "PID namespace (ENOENT)",
		Description: "read a host process's environment through /proc/PID/environ"},
	{Name: "proc-host-cmdline", Class: ClassInfoLeak, Needs: NeedHostPID, StoppedBy: "PID namespace (ENOENT)",
		Description: "read a host process's command line through /proc/PID/cmdline",
		LandlockGap: "no PID namespace: /proc shows every host process's command line, as to any user"},
	{Name: "proc-net-tcp", Class: ClassInfoLeak, Needs: NeedPort, StoppedBy: netns,
		Description: "find the host's TCP listener in /proc/net/tcp",
		LandlockGap: "no network namespace: /proc/net lists the host's sockets"},
	{Name: "sysv-proc", Class: ClassIPC, Needs: NeedHostIPC, StoppedBy: "IPC namespace",
		Description: "list the host's System V shared memory segments in /proc/sysvipc/shm",
		LandlockGap: "no IPC namespace: /proc/sysvipc lists the host's segments (seccomp refuses using them)"},
	{Name: "unix-host-path", Class: ClassNetwork, Needs: NeedMarker | NeedUnixSocket, StoppedBy: "the host's socket is not in the sandbox's root (ENOENT)",
		Description: "connect to a host's pathname unix socket that any user may connect to"},
	{Name: "unix-dgram-sendto", Class: ClassNetwork, Needs: NeedMarker | NeedUnixSocket, StoppedBy: "the host's socket is not in the sandbox's root (ENOENT)",
		Description: "sendto a host's pathname unix socket from a socketpair's socket, past a filter that refuses socket(2)"},
	{Name: "write-beside-marker", Class: ClassFilesystem, Needs: NeedMarker, StoppedBy: "the host directory is not in the sandbox's root (ENOENT)",
		Description: "create a file in a host directory any user may write to (removed again)"},

	// issue 10: io
	{Name: "vsock", Class: ClassNetwork, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (socket family AF_VSOCK)",
		Description: "bind a port of AF_VSOCK's port space, which is the host's (the hypervisor's, on a VM) in every network namespace"},
	{Name: "uevent", Class: ClassInfoLeak, NeedsSeccomp: true, StoppedBy: seccompEPERM + " (netlink protocol NETLINK_KOBJECT_UEVENT)",
		Description: "subscribe to the host's device events, which reach every network namespace of the initial user namespace"},
}
