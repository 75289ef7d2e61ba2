package sandbox

import (
	"fmt"
	"strings"
)

// The Landlock backend (Backend(Landlock)) is for hosts that refuse
// namespaces: a Docker or Kubernetes container under the default seccomp
// profile, Ubuntu's AppArmor restriction of user namespaces, a rootless
// user without user namespaces. It creates no namespace and needs no
// privilege. The command runs in the host's file tree and process table,
// confined by:
//
//	files       Landlock: read and execute on the host's /usr, /bin,
//	            /sbin, /lib* and the /etc files New() binds (systemDirs,
//	            etcFiles); read and execute on Bind sources; everything on
//	            BindWritable sources and on a private TMPDIR made for the
//	            run and removed after it; read on /proc; read and write on
//	            /dev/{null,zero,full,random,urandom}. Nothing else can be
//	            opened, created, removed, renamed or truncated. Bind(src,
//	            dst) must have dst == src; Chroot, Tmpfs and a different dst
//	            need a mount namespace and are a *ConfigError.
//	network     no socket(2) at all (seccomp), so no TCP, UDP, raw, netlink
//	            or unix socket, and no path to a host unix socket;
//	            socketpair(2) of AF_UNIX stream or seqpacket sockets only.
//	            Landlock (ABI ≥ 4) refuses TCP bind and connect too.
//	processes   Landlock (ABI ≥ 6) scopes signals and abstract unix sockets
//	            to the run; Landlock refuses ptrace and /proc/PID/{mem,
//	            environ,fd,maps,root,cwd,exe,...} of any process outside the
//	            run; seccomp refuses ptrace, process_vm_*, pidfd_getfd,
//	            kcmp, System V and POSIX message-queue IPC (there is no IPC
//	            namespace), new namespaces and io_uring (which could open
//	            sockets past the filter) — this filter is always installed,
//	            even with Seccomp(nil); Seccomp's policy (seccomp.Default()
//	            unless changed) is installed on top.
//	identity    no_new_privs, every capability dropped, init's new session
//	            (no controlling terminal). A root caller's command runs as
//	            65534 (RunAs); an unprivileged caller's as the caller.
//	limits      a cgroup when the caller may make one (root, or a
//	            delegated v2 subtree), as Native; else the library's own
//	            polling of the run's processes (CPU time of every process,
//	            resident memory of all of them together, checked every few
//	            milliseconds), RLIMIT_NPROC for PidsLimit, RLIMIT_FSIZE and
//	            the output counter for OutputLimit. CPUQuota needs a cgroup.
//	end         init is a child subreaper: when the command ends, the run
//	            is killed or the embedding process dies, it kills every
//	            process below it.
//
// What a command can still see or do (no namespace hides it): the host's
// process list and what /proc shows any user of every process (cmdline,
// status, stat), the host's network configuration (/proc/net), the host
// name, the mount table, world-readable kernel files under /proc, and the
// run's own uid: without a user namespace, files the uid owns elsewhere are
// refused by Landlock, not by ownership. CPU, memory and disk beyond the
// limits set: TMPDIR is on the host's disk.
//
// Landlock ABI versions: 1 (Linux 5.13) files; 2 (5.19) renames across
// directories; 3 (6.2) truncation; 4 (6.7) TCP; 5 (6.10) device ioctls; 6
// (6.12) signal and abstract-socket scoping. The backend needs ABI 6;
// LandlockBestEffort accepts less.

// landlockFullABI is the Landlock ABI version every layer of the backend
// needs.
const landlockFullABI = 6

// LandlockBestEffort lets the Landlock backend run on a kernel whose
// Landlock ABI lacks some of its layers (before Linux 6.12), without them:
// the run then confines only what the kernel can. Without signal scoping
// (ABI 6), for one, the command may signal every process of its uid — for
// an unprivileged caller, the caller itself and the run's init, whose death
// orphans what the run started. Without this call such a kernel makes Run
// fail with an *UnavailableError wrapping a *LandlockABIError that names
// each missing layer. It has no effect on other backends.
func (s *Sandbox) LandlockBestEffort() *Sandbox {
	s.cfg.landlockBestEffort = true
	return s
}

// landlockLayer is one protection of the Landlock backend and the Landlock
// ABI version it needs.
type landlockLayer struct {
	abi  int
	name string
}

// landlockLayers are the layers beyond ABI 1's file access control.
var landlockLayers = []landlockLayer{
	{3, "refusing truncation of files outside the allowed set"},
	{4, "refusing TCP bind and connect"},
	{6, "scoping signals and abstract unix sockets to the run"},
}

// LandlockABIError says that this kernel's Landlock lacks layers of the
// Landlock backend. errors.As finds it in the *UnavailableError of Run or
// of Landlock.Available.
type LandlockABIError struct {
	Have    int      // the kernel's Landlock ABI version (0: no Landlock)
	Need    int      // the version that has every layer
	Missing []string // the layers this kernel lacks
}

func (e *LandlockABIError) Error() string {
	return fmt.Sprintf("Landlock ABI %d lacks %s (ABI %d)", e.Have, strings.Join(e.Missing, ", "), e.Need)
}

// landlockABIError returns the error for ABI version have, or nil when it
// has every layer.
func landlockABIError(have int) *LandlockABIError {
	if have >= landlockFullABI {
		return nil
	}
	e := &LandlockABIError{Have: have, Need: landlockFullABI}
	for _, l := range landlockLayers {
		if have < l.abi {
			e.Missing = append(e.Missing, l.name)
		}
	}
	return e
}
