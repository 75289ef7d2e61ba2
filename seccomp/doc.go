// Package seccomp compiles readable system call policies into classic BPF
// programs for seccomp(2), in pure Go: no cgo, no libseccomp.
//
// A Policy is a default Action and an ordered list of Rules; a rule names
// system calls, an action and optional conditions on their 64-bit
// arguments. Compile turns it into a Program: it checks the architecture
// first (a call through another ABI — i386 via int 0x80 on amd64, or x32 —
// kills the process), then finds the call's rules with a balanced binary
// search over call numbers, so the common calls pass in about ten
// instructions whatever the policy's size. Program.Run executes a program
// the way the kernel does, for tests; Program.String disassembles it.
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
//	personality other than 0, 8, 0x20000,      e.g. ADDR_NO_RANDOMIZE
//	0x20008, 0xffffffff
//	ioctl TIOCSTI, TIOCLINUX                   typing into a terminal the
//	                                           command was handed
//
// Strict is a profile for online judges: enough for static and dynamic C
// and C++ programs, python3 and Go binaries to read, compute, write and
// exit, with threads but no new processes, sockets or anything else
// (EPERM).
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
