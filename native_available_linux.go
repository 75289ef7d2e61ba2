package sandbox

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

var nativeCache probeCache

// nativeAvailable says whether this process can create New()'s namespaces
// and root filesystem: a real run that gets as far as the command's execve,
// once per process. When it cannot, the error says what refused it and
// names Landlock as the alternative when that backend can run here.
func nativeAvailable() error { return nativeCache.get(probeNative) }

func probeNative() (error, bool) {
	err := probeRun(New().FreshNetwork())
	if err == nil {
		return nil, true
	}
	e := &UnavailableError{Backend: Native, Err: err}
	var known bool
	e.Missing, e.Fix, known = diagnoseNative(err)
	if !known && !refusedByHost(err) {
		return nil, false
	}
	if landlockAvailable() == nil {
		e.Fix += "; or choose Backend(Landlock), which this host can run"
	}
	return e, true
}

// diagnoseNative names what refused a Native run and how to allow it;
// known says the host's settings show the cause.
func diagnoseNative(err error) (missing, fix string, known bool) {
	root := os.Geteuid() == 0
	stage := "setup"
	var se *SetupError
	if errors.As(err, &se) {
		stage = se.Stage
	}
	switch {
	case seccompRefusesNamespaces():
		return "permission to create namespaces: a seccomp filter refuses unshare and clone with namespace flags (as the default profiles of Docker and Kubernetes do)",
			"run the embedding program without that filter (docker run --security-opt seccomp=unconfined, or seccompProfile: Unconfined in Kubernetes)", true
	case !root && sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1":
		return "user namespaces for unprivileged programs: AppArmor restricts them (kernel.apparmor_restrict_unprivileged_userns=1, as on Ubuntu ≥ 23.10)",
			"an AppArmor profile with \"userns,\" for the embedding program, or sysctl kernel.apparmor_restrict_unprivileged_userns=0", true
	case !root && sysctl("kernel/unprivileged_userns_clone") == "0":
		return "user namespaces for unprivileged programs (kernel.unprivileged_userns_clone=0)",
			"sysctl kernel.unprivileged_userns_clone=1, or run as root", true
	case !root && sysctl("user/max_user_namespaces") == "0":
		return "user namespaces (user.max_user_namespaces=0)", "sysctl user.max_user_namespaces=15000, or run as root", true
	case root && !hasCapability(unix.CAP_SYS_ADMIN):
		return "CAP_SYS_ADMIN: the caller is root without it (a container's default capability set)",
			"docker run --privileged (or --cap-add SYS_ADMIN with seccomp and AppArmor unconfined), securityContext.privileged in Kubernetes", true
	case strings.Contains(stage, "mount") || stage == "pivot_root":
		if prof := appArmorProfile(); prof != "" && prof != "unconfined" {
			return fmt.Sprintf("permission to mount: the AppArmor profile %q refuses it", prof),
				"docker run --security-opt apparmor=unconfined, or an AppArmor profile that allows mount", true
		}
	}
	return fmt.Sprintf("permission to create New()'s namespaces and root filesystem (%s failed)", stage),
		"run as root, or where unprivileged user namespaces are allowed", false
}

// seccompRefusesNamespaces says whether a seccomp filter answers unshare or
// clone with namespace flags: both are asked with flags the kernel always
// refuses with EINVAL (CLONE_PTRACE for unshare, CLONE_NEWNS with CLONE_FS
// for clone) before doing anything, so any other answer is a filter's.
func seccompRefusesNamespaces() bool {
	nsFlags := uintptr(unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET)
	_, _, e := syscall.RawSyscall(unix.SYS_UNSHARE, nsFlags|unix.CLONE_PTRACE, 0, 0)
	if e != syscall.EINVAL {
		return true
	}
	_, _, e = syscall.RawSyscall6(unix.SYS_CLONE, nsFlags|unix.CLONE_FS, 0, 0, 0, 0, 0)
	return e != syscall.EINVAL
}

// sysctl reads /proc/sys/name, trimmed; "" if it cannot.
func sysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// hasCapability says whether this process holds capability c in its
// effective set.
func hasCapability(c int) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && n&(1<<c) != 0
		}
	}
	return false
}

// appArmorProfile is the AppArmor profile confining this process, or "".
func appArmorProfile() string {
	for _, f := range []string{"/proc/self/attr/apparmor/current", "/proc/self/attr/current"} {
		if b, err := os.ReadFile(f); err == nil {
			p := strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
			p, _, _ = strings.Cut(p, " (")
			return p
		}
	}
	return ""
}

// nativeRefused explains the failure of a run of New()'s namespaces that
// the host refused: the *UnavailableError Native.Available gives (its
// probe, run once, tells a host that refuses New() from a configuration
// the host refuses only in part). Any other error is returned as it is.
func (c *config) nativeRefused(err error) error {
	err = c.namespacesRefused(err)
	var ue *UnavailableError
	if c.nsSet || c.timeSet || !errors.As(err, &ue) {
		return err
	}
	if aerr := nativeAvailable(); aerr != nil {
		return aerr
	}
	return err
}

// namespacesRefused turns the failure of a Native run whose namespaces or
// mounts the host refused (a configuration of its own namespaces, which the
// availability check does not cover) into an *UnavailableError that says
// what refused it and names Landlock when this host can run that backend.
// Any other error is returned as it is.
func (c *config) namespacesRefused(err error) error {
	var se *SetupError
	if c.backend != Native || c.probe || !errors.As(err, &se) || !refusedByHost(err) {
		return err
	}
	switch {
	case se.Stage == child.StageClone.String(), se.Stage == child.StageIDMaps.String(), strings.HasPrefix(se.Stage, "unshare"),
		strings.Contains(se.Stage, "mount"), se.Stage == child.StagePivotRoot.String():
	default:
		return err
	}
	e := &UnavailableError{Backend: Native, Err: err}
	e.Missing, e.Fix, _ = diagnoseNative(err)
	if landlockAvailable() == nil {
		e.Fix += "; or choose Backend(Landlock), which this host can run"
	}
	return e
}
