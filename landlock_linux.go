package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The Landlock system calls and types come from golang.org/x/sys/unix.
// github.com/landlock-lsm/go-landlock is not used: its API restricts the
// calling process (every thread, through libcap's psx, which compiles C into
// a cgo-enabled embedder), which this package must never do to its
// embedder, and its system call wrappers go through syscall.Syscall, which
// the forked child cannot call. What would remain of it, the ABI query and
// three structs, x/sys/unix has.

// landlockVersion is the kernel's Landlock ABI version
// (landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION),
// landlock(7)), asked once per process.
var landlockVersion = sync.OnceValues(func() (int, error) {
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
})

// Filesystem access rights (linux/landlock.h), by the ABI that added them.
const (
	llFSv1 = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG |
		unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	llFSv2 = llFSv1 | unix.LANDLOCK_ACCESS_FS_REFER
	llFSv3 = llFSv2 | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	llFSv5 = llFSv3 | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

	// llFile are the rights that apply to a file (a rule on a file may hold
	// only these).
	llFile = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

	// What the backend grants.
	llReadExec = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	llRead     = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	llDevice   = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	llWritable = llFSv5 &^ (unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK)
)

// landlockHandled is what ABI abi can restrict: everything it knows.
func landlockHandled(abi int) unix.LandlockRulesetAttr {
	var a unix.LandlockRulesetAttr
	switch {
	case abi >= 5:
		a.Handled_access_fs = llFSv5
	case abi >= 3:
		a.Handled_access_fs = llFSv3
	case abi == 2:
		a.Handled_access_fs = llFSv2
	default:
		a.Handled_access_fs = llFSv1
	}
	if abi >= 4 {
		a.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
	}
	if abi >= 6 {
		a.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
	}
	return a
}

var landlockHostCache probeCache

// landlockReady says whether this host can run the Landlock backend, with
// every layer, or with what its kernel has when bestEffort.
func landlockReady(bestEffort bool) error {
	if err := landlockHostCache.get(probeLandlockHost); err != nil {
		return err
	}
	abi, _ := landlockVersion()
	return landlockABIReady(abi, bestEffort)
}

// landlockABIReady says whether a kernel of Landlock ABI abi can run the
// backend: with every layer, or with what it has when bestEffort.
func landlockABIReady(abi int, bestEffort bool) error {
	if e := landlockABIError(abi); e != nil && (!bestEffort || abi < 1) {
		return &UnavailableError{Backend: Landlock,
			Missing: fmt.Sprintf("Landlock ABI %d (this kernel has %d)", e.Need, e.Have),
			Fix:     "Linux ≥ 6.12; or accept running without these layers with LandlockBestEffort()", Err: e}
	}
	return nil
}

// landlockAvailable says whether this host can run the Landlock backend
// with every layer.
func landlockAvailable() error { return landlockReady(false) }

// probeLandlockHost finds what stops the Landlock backend here, ABI
// version aside: Landlock itself, seccomp, the /proc file init's subreaper
// reads, and then a real run that gets as far as execve.
func probeLandlockHost() (error, bool) {
	unavailable := func(missing, fix string, err error) (error, bool) {
		return &UnavailableError{Backend: Landlock, Missing: missing, Fix: fix, Err: err}, true
	}
	_, err := landlockVersion()
	switch {
	case errors.Is(err, syscall.ENOSYS):
		return unavailable("Landlock (Linux ≥ 5.13 with CONFIG_SECURITY_LANDLOCK), or a seccomp profile that lets landlock_create_ruleset through",
			"a kernel with Landlock; in a container, a seccomp profile that allows landlock_create_ruleset, landlock_add_rule and landlock_restrict_self", err)
	case errors.Is(err, syscall.EOPNOTSUPP):
		return unavailable("Landlock enabled at boot (the kernel has it, but not in its list of security modules)",
			"add landlock to the lsm= kernel parameter (see /sys/kernel/security/lsm for the current list)", err)
	case err != nil:
		return unavailable("the landlock_create_ruleset system call (refused, likely by a seccomp profile)",
			"a seccomp profile that allows landlock_create_ruleset, landlock_add_rule and landlock_restrict_self", err)
	}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); errors.Is(err, syscall.EINVAL) {
		return unavailable("seccomp filters (CONFIG_SECCOMP_FILTER)", "a kernel built with CONFIG_SECCOMP_FILTER", err)
	}
	if f, err := os.Open(reaperChildren); err != nil {
		return unavailable(reaperChildren+", which the run's init reads to kill every process of the run",
			"/proc mounted, and a kernel built with CONFIG_PROC_CHILDREN", err)
	} else {
		f.Close()
	}
	err = probeRun(New().Backend(Landlock).LandlockBestEffort())
	if err == nil {
		return nil, true
	}
	if !refusedByHost(err) {
		return nil, false
	}
	return unavailable("a run of the Landlock backend (it fails before the command's execve)",
		"see the error for the step that failed", err)
}

// reaperChildren lists the children of the calling thread; the run's init
// reads its own to end the run (see internal/child).
const reaperChildren = "/proc/thread-self/children"

// checkLandlock returns a *ConfigError for each setting the Landlock
// backend cannot honour without namespaces, joined.
func (c *config) checkLandlock() error {
	var errs []error
	fail := func(method string, value any, format string, args ...any) {
		errs = append(errs, &ConfigError{Method: method, Value: value, Reason: fmt.Sprintf(format, args...)})
	}
	const noNS = "the Landlock backend creates no namespace"
	if c.root != "" {
		fail("Chroot", c.root, "needs a mount namespace; %s", noNS)
	}
	if c.nsSet {
		fail("Namespaces", c.ns.String(), "%s", noNS)
	}
	if c.hostname != DefaultHostname {
		fail("Hostname", c.hostname, "needs a UTS namespace; %s", noNS)
	}
	if c.timeSet {
		fail("TimeOffsets", fmt.Sprintf("%v %v", c.timeMono, c.timeBoot), "needs a time namespace; %s", noNS)
	}
	for _, m := range c.mounts {
		method := "Bind"
		if m.writable {
			method = "BindWritable"
		}
		switch {
		case m.kind == mountTmpfs:
			fail("Tmpfs", m.dst, "needs a mount namespace; %s (each run gets a private TMPDIR)", noNS)
		case !filepath.IsAbs(m.src) || path.Clean(m.src) != m.dst:
			fail(method, m.dst, "the Landlock backend shows a host path in place: the destination must be the source (%s); another place needs a mount namespace", m.src)
		}
	}
	if os.Geteuid() != 0 && c.runAs && (c.uid != os.Geteuid() || c.gid != os.Getegid()) {
		fail("RunAs", fmt.Sprintf("%d:%d", c.uid, c.gid),
			"an unprivileged caller cannot change user; the Landlock backend runs its command as the caller (%d:%d)", os.Geteuid(), os.Getegid())
	}
	return errors.Join(errs...)
}
