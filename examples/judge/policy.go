//go:build linux

package main

import (
	"syscall"

	"github.com/sandboxkit/sandbox/seccomp"
)

// Concurrent runs see the same inodes: the system files bound read-only
// (/usr/bin/gcc, the Python library), /dev/null, and each test's input,
// which every run of that test gets as stdin. The kernel keeps file locks,
// leases and change notifications on the inode, whichever mount or
// namespace it is reached through, so one run could signal another by
// locking /usr/bin/gcc (the other sees EWOULDBLOCK), or by opening it while
// the other watches it with inotify: a covert channel between
// submissions, e.g. from a submission that has read a test's answer to one
// that needs it.
//
// The run step therefore refuses them (runPolicy): flock, fcntl's lock,
// lease and dnotify commands, and inotify. isolate 2.4+ refuses the same
// locks. Nothing the four languages' programs need uses them; the compile
// step keeps them, because the go command locks its build cache, and a
// compiler does not run the submission's code.
//
// What remains is slower than a bit per run: timing (CPU, caches), and the
// input file's access time, which reading it may update at most once a
// day under the usual relatime mount option.

// fcntl commands that take a lock, a lease or a notification on the
// inode (asm-generic/fcntl.h and linux/fcntl.h; the same on amd64 and
// arm64). F_GETLK and F_OFD_GETLK only read.
const (
	fSetLK     = 6
	fSetLKW    = 7
	fOFDSetLK  = 37
	fOFDSetLKW = 38
	fSetLease  = 1024
	fNotify    = 1026
)

// runPolicy is seccomp.Default with the inode channels closed: each
// refused call fails with EPERM.
func runPolicy() *seccomp.Policy {
	p := seccomp.Default()
	eperm := seccomp.Errno(syscall.EPERM)
	rules := []seccomp.Rule{
		{Syscalls: []string{"flock", "inotify_init", "inotify_init1", "inotify_add_watch"}, Action: eperm, Optional: true},
	}
	for _, cmd := range []uint64{fSetLK, fSetLKW, fOFDSetLK, fOFDSetLKW, fSetLease, fNotify} {
		// The kernel reads the command as a 32-bit int: compare only
		// those bits, so that high garbage cannot slip past the rule.
		rules = append(rules, seccomp.Rule{Syscalls: []string{"fcntl"}, Action: eperm,
			Conds: []seccomp.Cond{{Arg: 1, Op: seccomp.MaskedEq, Mask: 0xffffffff, Value: cmd}}})
	}
	p.Rules = append(rules, p.Rules...) // the first rule that matches decides
	return p
}
