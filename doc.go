// Package sandbox runs untrusted programs isolated from the host with the
// kernel's own tools: the eight Linux namespaces, a pivot_root root
// filesystem, cgroups (v1 and v2) and seccomp-BPF. It has no daemon, no
// external runtime and no cgo, and it never re-executes the calling binary:
// between clone and execve the child runs only raw system calls on memory
// the parent prepared, so nothing has to be added to the embedding
// program's main.
//
//	res, err := sandbox.New().MemoryLimit(256 << 20).WallTimeLimit(2 * time.Second).
//		Run(exec.Command("./solution"))
//
// # What New() isolates
//
//	namespaces   PID, Net, Mount, IPC, UTS, Cgroup; User too when the caller
//	             is not root (rootless); Time only when asked
//	network      loopback only, up
//	filesystem   a fresh read-only tmpfs root entered with pivot_root: binds
//	             of the host's /usr, /bin, /sbin, /lib* and a few /etc files
//	             (or Chroot's directory), /proc of the new PID namespace
//	             (showing only what the command could ptrace: not init),
//	             a minimal /dev, a writable 128 MiB /tmp
//	identity     a host uid/gid of its own for each live run (UIDRange),
//	             65534 inside a user namespace; no supplementary groups,
//	             every capability dropped (bounding and ambient sets
//	             too), no_new_privs
//	process      a minimal init is PID 1; the command is in init's new
//	             session, which has no controlling terminal (and, not its
//	             leader, it cannot take one), with only stdio and
//	             ExtraFiles, only cmd.Env; all dies with the embedder;
//	             a terminal handed in is restored after the run
//	seccomp      seccomp.Default(): sockets only of the families the
//	             network namespace isolates (no AF_VSOCK, no uevents)
//
// Where namespaces are refused (a container under the default seccomp
// profile, restricted user namespaces), Backend(Landlock) runs the same
// configuration with no namespace: Landlock, seccomp and rlimits (see
// Backend, LandlockBestEffort and the README's "Where it runs"). A sandbox
// never changes backend on its own: a Native run that cannot create its
// namespaces fails with an *UnavailableError that names Landlock when this
// host can run it.
//
// # What it does not
//
// The kernel is shared: a kernel vulnerability reachable through the
// allowed system calls, CPU side channels, and any resource left unlimited
// are outside this package's protection. Set MemoryLimit, PidsLimit and a
// time limit for untrusted code, and when hostile code shares a host with
// valuable targets run it under gVisor: Backend(GVisor) runs the same
// configuration with runsc, so the command's system calls reach gVisor's
// user-space kernel (the Sentry) instead of the host's.
//
// # Errors and results
//
// When the command did not start, Run returns a nil Result and the error:
// *ConfigError for a bad builder argument, *UnavailableError for a backend
// this host cannot run, *SetupError naming the failed step and path
// otherwise. What happened to a started command is its Result, whose Status
// follows a fixed precedence of evidence (see Status); an error beside it
// is a *WaitError, a step at the run's end that failed (its Step says what
// the Result lacks), or the context's end with RunContext.
package sandbox
