//go:build linux

// Package victims builds and describes the hostile program of the escape
// suite: one static C program, src/victim.c, with one subcommand per
// attack on the sandbox. It is a test helper, imported only by _test.go
// files.
//
// # Running an attack
//
// Build compiles the program once per test process and returns the
// directory holding the static binary "victim" (directory and binary mode
// 0755, so any uid inside a sandbox can execute it). Bind that directory
// into the sandbox and run, for each element a of Attacks:
//
//	dir := victims.Build(t)
//	defer victims.Cleanup() // or once, in TestMain
//	sb := sandbox.New().Bind(dir, "/v")
//	cmd := exec.Command("/v/victim", a.Args(host)...)
//	if a.Needs&victims.NeedTTY != 0 {
//		cmd.Stdin = pts // the slave side of a pseudo-terminal the test opened
//	}
//	cmd.Stdout, cmd.Stderr = &out, &out
//	res, err := sb.Run(cmd)
//	...
//	err = a.Check(victims.Outcome{
//		Exited: res.Signal == 0, ExitCode: res.ExitCode, Signal: res.Signal,
//		Output: out.String(),
//	})
//
// where host describes fixtures the test owns (see Host and Needs): a host
// file the sandbox must not reach, the test's own pid, a TCP port and an
// abstract unix socket it listens on, and, for NeedHostIPC, a System V
// shared memory segment it created on the host beforehand.
//
// # What the program prints
//
// Every attack prints exactly one line and exits:
//
//	BLOCKED <name>: <how it failed, with the errno>   exit 0
//	ESCAPED <name>: <evidence>                          exit 42
//
// Exit 2 is a usage error (a fixture the attack needs was not passed),
// never a verdict. "victim --list" prints every attack name, one a line,
// in the order of Attacks.
//
// # Expected outcomes
//
// In a default sandbox (New(): root caller, no user namespace, the command
// run as an unprivileged uid with every capability dropped and
// no_new_privs, seccomp.Default() installed) every attack must be blocked:
// a BLOCKED line and exit 0, or death by SIGSYS, which Check also counts as
// blocked. The two foreign-ABI attacks (int80, x32) have Expect ==
// KilledBySIGSYS: the filter kills any call from another architecture or
// ABI; if they survive they print ESCAPED and Check fails them. Where the
// kernel lacks the ABI altogether the attack tests nothing: a run with no
// filter shows it (Attack.ReachesFilter), and the test then reports the
// attack not applicable on this kernel with that run as the proof. An int
// 0x80 call on a kernel without IA-32 emulation dies by SIGSEGV before any
// filter sees it; an x32 call on a kernel without the x32 ABI still passes
// the filter first (it returns ENOSYS only after it), so it is checked
// everywhere.
//
// Attacks with NeedsSeccomp set are stopped, in a default sandbox, only by
// the seccomp filter: an unprivileged process with no filter may succeed
// (whether it does depends on host sysctls such as
// kernel.perf_event_paranoid or kernel.unprivileged_bpf_disabled), so a
// test running Seccomp(nil) must skip them rather than expect BLOCKED. The
// foreign-ABI attacks are in that set: without a filter, int 0x80 getuid
// just works, which is no escape but leaves nothing to assert.
//
// Without a filter, what escapes inside New() on this kernel is exactly
// that set except tiocsti (the handed-in terminal is not the command's
// controlling one), bpf and syslog (host sysctls): tiocsti-ctty does
// escape, because the command, a session leader with no controlling
// terminal, may take the handed-in terminal with TIOCSCTTY; only the
// filter's refusal of TIOCSTI (or dev.tty.legacy_tiocsti=0 on 6.2+
// kernels) stops the injection.
//
// Under a user namespace (the rootless path) the command holds no
// capability in the initial namespace either, so the expectations are the
// same; with RunAs(0) setuid0 and setgid0 report "already uid 0" as
// BLOCKED, and the capability sets, no_new_privs and the read-only /proc/sys
// become the defence (proc-sys and core-pattern are the tests of it: uid 0
// passes the permission bits of /proc/sys without any capability).
//
// # Safety
//
// Each attack is harmless should the sandbox fail, even as root on the
// host: it proves a permission by opening for writing without writing, by
// arguments that are invalid only after the kernel's permission check
// (reboot with a bad magic, kexec_load with too many segments,
// init_module with an empty image, umount2 and pivot_root on paths that
// are not mount points, swapon on a file with no swap signature,
// settimeofday with an out-of-range time zone), by undoing at once what it
// did (mounts, created files, device nodes, a scheduling class), by signal
// 0 to foreign processes and PTRACE_SEIZE (no stop), and by setting the
// host name to its current value. Still, never run the program as root
// outside a sandbox: to try it by hand, run it as an unprivileged user, e.g.
//
//	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
//	    --bounding-set=-all --no-new-privs ./victim ATTACK MARKER PID PORT NAME
package victims
