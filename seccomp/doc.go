// Package seccomp compiles readable system call policies into classic BPF
// programs for seccomp(2), in pure Go: no cgo, no libseccomp.
//
// A Policy is a default Action and an ordered list of Rules; a rule names
// system calls, an action and optional conditions on their 64-bit
// arguments. Compile turns it into a Program: it checks the architecture
// first (a call through another ABI — i386 via int 0x80 on amd64, or x32 —
// kills the process), then finds the call's rules with a balanced binary
// search over call numbers, so the common calls pass in about ten
// instructions whatever the policy's size (read, write and futex take 10
// or 11 under Default). The rules of one call are tried in order, and a
// call none of them matches gets the default action. Conditional jumps
// reach only 255 instructions, so longer distances go through JA
// trampolines; a program over the kernel's 4096 instructions is
// ErrTooLong. Compile does not change the policy and may run
// concurrently.
//
// Program.Instructions (or SockFprog) is what seccomp(2) takes:
//
//	prog, err := seccomp.Default().Compile() // for runtime.GOARCH
//	filter := prog.Instructions()            // []unix.SockFilter
//
// Program.Evaluate and Program.Run execute a program the way the kernel
// does, for tests; Program.String disassembles it; Policy.Decide is the
// policy's plain-Go meaning the compiled program is tested against.
//
// # System call tables
//
// The names and numbers of amd64 and arm64 are generated (go generate)
// from golang.org/x/sys/unix's tables, which that module generates from the
// kernel's own (syscall_64.tbl, the generic unistd.h). A policy naming a
// call the architecture lacks is a *PolicyError, unless the rule is
// Optional.
//
// # Profiles
//
// Default is what sandbox.New() installs: an allow-list in the spirit of
// Docker's default profile. Calls it does not know fail with ENOSYS, so
// that a call added to a future kernel stays refused until reviewed and
// runtimes fall back (glibc retries clone3 as clone). These families fail
// with EPERM:
//
//	family                                     why
//	mount, umount2, pivot_root, move_mount,    change what the sandbox sees of
//	open_tree, fsopen/fsconfig/fsmount/fspick, the filesystem; the basis of
//	mount_setattr, chroot                      most container escapes
//	ptrace, process_vm_readv/writev,           read or steer other processes
//	process_madvise, pidfd_getfd, kcmp
//	kexec_load, kexec_file_load, init_module,  replace or extend the kernel
//	finit_module, delete_module
//	bpf, perf_event_open                       large kernel attack surface,
//	                                           information leaks
//	keyctl, add_key, request_key               the kernel keyring is not
//	                                           namespaced
//	userfaultfd                                a tool for exploiting kernel
//	                                           races
//	open_by_handle_at, name_to_handle_at       open files outside the root
//	                                           ("shocker")
//	unshare, setns, clone with CLONE_NEW*      new namespaces: a user
//	                                           namespace regains capabilities
//	swapon, swapoff, reboot, acct, quotactl,   host-wide administration
//	quotactl_fd, sethostname, setdomainname
//	clock_settime, clock_adjtime,              the clock is not namespaced
//	settimeofday, adjtimex
//	iopl, ioperm, modify_ldt                   hardware and descriptor-table
//	                                           access
//	syslog                                     the kernel log leaks addresses
//	io_uring_setup/enter/register              bypasses seccomp for the calls
//	                                           it performs
//	lookup_dcookie, vhangup, uselib,           obsolete or administrative
//	fanotify_init
//	nfsservctl                                 (gone from the kernel)
//	personality other than 0, 8, 0x20000,      e.g. ADDR_NO_RANDOMIZE
//	0x20008, 0xffffffff                        (turns off ASLR)
//	ioctl TIOCSTI, TIOCLINUX                   typing into a terminal the
//	                                           command was handed
//	socket, socketpair of any family but       reach past the network
//	AF_UNIX, AF_INET, AF_INET6, AF_NETLINK,    namespace (AF_VSOCK, ...) or
//	AF_PACKET; netlink uevent sockets          are needless attack surface:
//	                                           see below
//
// socket and socketpair may create only the address families a network
// namespace isolates completely and ordinary programs use: AF_UNIX,
// AF_INET, AF_INET6, AF_NETLINK and AF_PACKET (packet sockets see only the
// namespace's own interfaces, and need CAP_NET_RAW, which the sandbox's
// command never holds). A netlink socket of protocol
// NETLINK_KOBJECT_UEVENT is refused too: the kernel broadcasts the host's
// device events (a disk, a USB stick, a network card appearing) to every
// network namespace its initial user namespace owns, which is the case of
// a sandbox started by root without a user namespace. Every other family
// gets EPERM, for one of three reasons:
//
//	family                         what it reaches
//	AF_VSOCK                       the host's port space: the tables of
//	                               bound and connected sockets are global,
//	                               not per namespace, and on a virtual
//	                               machine they reach the hypervisor and
//	                               the agents listening on the host side
//	AF_QIPCRTR                     Qualcomm's IPC router: global node and
//	                               port numbers, the modem and DSP
//	AF_IUCV                        z/VM's inter-user communication: other
//	                               guests and the hypervisor (s390)
//	AF_BLUETOOTH, AF_NFC,          radios and links that belong to the
//	AF_IEEE802154, AF_CAIF,        machine, not to a namespace (most of
//	AF_PHONET, AF_ISDN,            these refuse to work outside the initial
//	AF_APPLETALK, AF_AX25,         network namespace, so they reach the
//	AF_NETROM, AF_ROSE, AF_X25,    host exactly when the sandbox shares it,
//	AF_LLC, AF_ATMPVC, AF_ATMSVC,  e.g. Namespaces without Net)
//	AF_IPX, AF_DECnet, AF_ECONET,
//	AF_IRDA
//	AF_ALG, AF_KCM, AF_TIPC,       isolated by the network namespace, but
//	AF_RDS, AF_CAN, AF_XDP,        used by no ordinary program and each a
//	AF_SMC, AF_RXRPC, AF_PPPOX,    large piece of kernel attack surface with
//	AF_KEY, AF_MCTP, ...           its own history of exploits; where one
//	and any family a later kernel  is built as a module, the first socket
//	adds                           of that family makes the host's kernel
//	                               load it for the sandbox
//
// The families are an allow-list, like the calls: a family added by a
// later kernel is refused until someone reviews it. A program that needs
// another family gets it from a rule placed before Default's, which are
// tried in order; for AF_ALG (38):
//
//	p := seccomp.Default()
//	alg := seccomp.Rule{Syscalls: []string{"socket"}, Action: seccomp.Allow,
//		Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.MaskedEq, Mask: 0xffffffff, Value: 38}}}
//	p.Rules = append([]seccomp.Rule{alg}, p.Rules...)
//
// The family is compared as the kernel reads it, as a 32-bit int: the upper half of the register does
// not matter. socketcall, through which 32-bit x86 multiplexes the socket
// calls behind one number and a pointer the filter cannot read, exists on
// neither architecture this package compiles for, and the calls of other
// ABIs (i386, x32) kill the process before any rule is looked at.
//
// clone3 gets ENOSYS rather than EPERM: its flags are in memory the filter
// cannot read, and ENOSYS makes glibc and others fall back to clone, whose
// flags it can.
//
// Strict is a profile for online judges: enough for static and dynamic C
// and C++ programs, python3 and Go binaries to read, compute, write and
// exit, with threads (clone with CLONE_THREAD) but no new processes,
// sockets or anything else. Its default action is EPERM, not ENOSYS: a
// refused call reads as "not allowed", and no runtime mistakes it for an
// old kernel and takes a path the profile did not plan for. execve stays
// allowed because the sandbox installs the filter right before its own
// execve of the command; the command may therefore exec other programs,
// which run under the same filter.
//
// # JSON
//
// A policy reads from and writes to a small JSON form, so operators can
// review and change it without recompiling:
//
//	{"defaultAction": "errno:38",
//	 "rules": [
//	   {"syscalls": ["read", "write", "exit_group"], "action": "allow"},
//	   {"syscalls": ["ioctl"], "action": "errno:1",
//	    "args": [{"index": 1, "op": "masked-eq", "mask": 4294967295, "value": 21522}]},
//	   {"syscalls": ["open"], "action": "allow", "optional": true}]}
//
// Actions are allow, kill-process, kill-thread, trap, log and errno:N (or
// errno:EPERM, errno:ENOSYS, errno:EACCES, errno:EINVAL). Ops are eq, ne,
// lt, le, gt, ge and masked-eq, on the full unsigned 64-bit argument. A
// rule marked optional may name calls the architecture lacks.
package seccomp
