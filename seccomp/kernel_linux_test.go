package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

const kernelTestEnv = "SECCOMP_KERNEL_TEST"

// probe is one call a denied family is tried with: arguments chosen so
// that, were the call allowed, it would fail harmlessly with another errno
// (or succeed doing nothing), so EPERM can only come from the filter even
// for root.
type probe struct {
	// key names the probe in the results: the system call, then, for
	// several probes of one call, what tells them apart ("ioctl TIOCSTI").
	// Keys are unique (expectedResults checks).
	key  string
	args [6]uintptr
	want syscall.Errno
}

// call is the system call the probe makes: its key's first word.
func (p probe) call() string { return strings.Fields(p.key)[0] }

var nonexistent = []byte("/nonexistent-seccomp-probe\x00")

func ptr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func deniedProbes() []probe {
	eperm := syscall.EPERM
	return append([]probe{
		{"mount", [6]uintptr{ptr(nonexistent), ptr(nonexistent), ptr([]byte("tmpfs\x00"))}, eperm},
		{"umount2", [6]uintptr{ptr(nonexistent)}, eperm},
		{"pivot_root", [6]uintptr{ptr(nonexistent), ptr(nonexistent)}, eperm},
		{"open_tree", [6]uintptr{^uintptr(0), ptr(nonexistent)}, eperm},
		{"fsopen", [6]uintptr{ptr([]byte("nosuchfs\x00"))}, eperm},
		{"ptrace", [6]uintptr{unix.PTRACE_ATTACH, 0}, eperm},
		{"process_vm_readv", [6]uintptr{0}, eperm},
		{"kexec_load", [6]uintptr{0, 0, 0, 0xffff0000}, eperm},
		{"init_module", [6]uintptr{0, 0, ptr([]byte("\x00"))}, eperm},
		{"delete_module", [6]uintptr{ptr([]byte("nosuchmodule\x00"))}, eperm},
		{"bpf", [6]uintptr{0xffff}, eperm},
		{"perf_event_open", [6]uintptr{0}, eperm},
		{"keyctl", [6]uintptr{0xffff}, eperm},
		{"add_key", [6]uintptr{0}, eperm},
		{"request_key", [6]uintptr{0}, eperm},
		{"userfaultfd", [6]uintptr{0xffff}, eperm},
		{"open_by_handle_at", [6]uintptr{^uintptr(0)}, eperm},
		{"name_to_handle_at", [6]uintptr{^uintptr(0)}, eperm},
		{"unshare", [6]uintptr{unix.CLONE_NEWUSER}, eperm},
		{"setns", [6]uintptr{^uintptr(0)}, eperm},
		{"clone", [6]uintptr{unix.CLONE_NEWUSER | unix.CLONE_THREAD}, eperm},
		{"swapon", [6]uintptr{ptr(nonexistent)}, eperm},
		{"reboot", [6]uintptr{0}, eperm},
		{"acct", [6]uintptr{ptr(nonexistent)}, eperm},
		{"clock_settime", [6]uintptr{999}, eperm},
		{"quotactl", [6]uintptr{0xffffffff}, eperm},
		{"iopl", [6]uintptr{99}, eperm},
		{"ioperm", [6]uintptr{0, 0, 0}, eperm},
		{"syslog", [6]uintptr{999}, eperm},
		{"io_uring_setup", [6]uintptr{0}, eperm},
		{"personality", [6]uintptr{0x0040000}, eperm}, // ADDR_NO_RANDOMIZE
		{"ioctl TIOCSTI", [6]uintptr{0, unix.TIOCSTI}, eperm},
		{"ioctl TIOCLINUX", [6]uintptr{0, unix.TIOCLINUX}, eperm},
		{"clone3", [6]uintptr{0, 0}, syscall.ENOSYS},
	}, socketProbes()...)
}

// badSocketType is a socket type the kernel refuses with EINVAL before it
// looks at the family: no socket is made and no module is loaded, so EPERM
// can only come from the filter.
const badSocketType = 15

// passes marks the key of a probe the filter lets through: the kernel's
// own errno is expected with and without the filter.
const passes = " (allowed)"

// socketProbes try socket and socketpair with every address family (and
// with garbage in the upper half of the family's register, which the
// kernel ignores), and a netlink uevent socket.
func socketProbes() []probe {
	allowed := map[uintptr]bool{unix.AF_UNIX: true, unix.AF_INET: true, unix.AF_INET6: true, unix.AF_NETLINK: true, unix.AF_PACKET: true}
	pair := make([]int32, 2)
	var out []probe
	for f := uintptr(0); f <= unix.AF_MAX+1; f++ {
		want, suffix := syscall.EPERM, ""
		if allowed[f] {
			want, suffix = syscall.EINVAL, passes
		}
		out = append(out,
			probe{fmt.Sprintf("socket %d%s", f, suffix), [6]uintptr{f, badSocketType}, want},
			probe{fmt.Sprintf("socketpair %d%s", f, suffix), [6]uintptr{f, badSocketType, 0, uintptr(unsafe.Pointer(&pair[0]))}, want})
	}
	return append(out,
		probe{"socket 1<<32|AF_VSOCK", [6]uintptr{1<<32 | unix.AF_VSOCK, badSocketType}, syscall.EPERM},
		probe{"socket 1<<32|AF_INET" + passes, [6]uintptr{1<<32 | unix.AF_INET, badSocketType}, syscall.EINVAL},
		probe{"socket AF_NETLINK NETLINK_KOBJECT_UEVENT", [6]uintptr{unix.AF_NETLINK, badSocketType, unix.NETLINK_KOBJECT_UEVENT}, syscall.EPERM},
	)
}

type probeResult struct {
	Key   string // probe.key
	Errno int
}

// unknownCall is the key of the probe of a call number no kernel has.
const unknownCall = "#1000"

// install puts the named profile on every thread of this process, after
// no_new_privs, as the sandbox's child does.
func install(profile string) error {
	runtime.LockOSThread()
	if profile == "none" {
		return nil
	}
	pol := Default()
	if profile == "strict" {
		pol = Strict()
	}
	prog, err := pol.Compile()
	if err != nil {
		return err
	}
	fprog := prog.SockFprog()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(fprog))); e != 0 {
		return fmt.Errorf("seccomp: %w", e)
	}
	runtime.KeepAlive(fprog)
	return nil
}

// probeChild installs the profile and reports, as JSON on stdout, what
// each probe got.
func probeChild(profile string, probes []probe) {
	if err := install(profile); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	var out []probeResult
	for _, p := range probes {
		nr, ok := Native().Number(p.call())
		if !ok {
			continue // not on this architecture: expectedKeys leaves it out too
		}
		_, _, e := unix.Syscall6(uintptr(nr), p.args[0], p.args[1], p.args[2], p.args[3], p.args[4], p.args[5])
		out = append(out, probeResult{p.key, int(e)})
	}
	_, _, e := unix.Syscall(1000, 0, 0, 0) // no such call
	out = append(out, probeResult{unknownCall, int(e)})
	runtime.GC() // the Go runtime keeps working under the filter
	json.NewEncoder(os.Stdout).Encode(out)
	os.Exit(0)
}

func TestMain(m *testing.M) {
	switch mode := os.Getenv(kernelTestEnv); mode {
	case "":
	case "default", "strict", "none-default", "none-strict":
		probes := deniedProbes()
		if strings.HasSuffix(mode, "strict") {
			probes = strictProbes()
		}
		profile, _, _ := strings.Cut(mode, "-") // "none" installs nothing
		probeChild(profile, probes)
	default:
		childMode(mode) // run_linux_test.go
	}
	os.Exit(m.Run())
}

// TestKernelDenies installs Default in a real process (this test binary,
// re-executed, as root: so EPERM can only come from the filter) and tries
// every denied family.
func TestKernelDenies(t *testing.T) {
	testutil.RequireRoot(t)
	checkProbes(t, "default", deniedProbes(), syscall.ENOSYS, true)
}

// strictProbes are calls Strict refuses that an unprivileged process could
// otherwise make: EPERM can only come from the filter.
func strictProbes() []probe {
	eperm := syscall.EPERM
	return []probe{
		{"socket", [6]uintptr{unix.AF_UNIX, unix.SOCK_STREAM}, eperm},
		{"clone", [6]uintptr{unix.CLONE_SIGHAND}, eperm}, // a fork; the kernel would say EINVAL
		{"kill", [6]uintptr{0x7fffffff, 0}, eperm},       // the kernel would say ESRCH
		{"clone3", [6]uintptr{0, 0}, syscall.ENOSYS},
	}
}

// TestKernelStrict installs Strict in a real process (no privilege
// needed) and tries calls it refuses; an unknown call gets EPERM.
func TestKernelStrict(t *testing.T) {
	checkProbes(t, "strict", strictProbes(), syscall.EPERM, true)
}

// checkProbes re-executes this test binary with the profile installed and
// checks every probe's errno, and that of an unknown call. It also runs the
// probes without a filter: a probe that gets the same errno there proves
// nothing about the filter, and strict is false only where the host may
// refuse it too (Default's probes need root for that).
func checkProbes(t *testing.T, profile string, probes []probe, unknown syscall.Errno, strict bool) {
	t.Helper()
	want, err := expectedResults(probes, unknown)
	if err != nil {
		t.Fatal(err)
	}
	got := runProbes(t, profile, want)
	for key, e := range got {
		if e != want[key] {
			t.Errorf("%s under %s: errno %v, want %v", key, profile, e, want[key])
		}
	}
	for key, e := range runProbes(t, "none-"+profile, want) {
		if e != want[key] || key == unknownCall && e == syscall.ENOSYS || strings.HasSuffix(key, passes) {
			continue // the kernel's own answer to an unknown call is ENOSYS too
		}
		if strict {
			t.Errorf("%s gets %v without a filter too: the probe proves nothing", key, e)
		} else {
			t.Logf("%s gets %v without a filter too (inconclusive on this host)", key, e)
		}
	}
}

// expectedResults maps the key of every probe this architecture has, and
// unknownCall, to the errno it must get; two probes with one key are an
// error.
func expectedResults(probes []probe, unknown syscall.Errno) (map[string]syscall.Errno, error) {
	want := map[string]syscall.Errno{unknownCall: unknown}
	for _, p := range probes {
		if _, dup := want[p.key]; dup {
			return nil, fmt.Errorf("two probes have the key %q: tell them apart in the key", p.key)
		}
		if _, ok := Native().Number(p.call()); ok {
			want[p.key] = p.want
		}
	}
	return want, nil
}

// runProbes runs the probes in a child in mode and returns each probe's
// errno by key. The child must report every key of want exactly once.
func runProbes(t *testing.T, mode string, want map[string]syscall.Errno) map[string]syscall.Errno {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kernelTestEnv+"="+mode)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", mode, err, out)
	}
	var res []probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v: %s", mode, err, out)
	}
	got := map[string]syscall.Errno{}
	for _, r := range res {
		if _, dup := got[r.Key]; dup {
			t.Errorf("%s: %s reported twice", mode, r.Key)
		}
		if _, ok := want[r.Key]; !ok {
			t.Errorf("%s: unexpected probe %s", mode, r.Key)
		}
		got[r.Key] = syscall.Errno(r.Errno)
	}
	for key := range want {
		if _, ok := got[key]; !ok {
			t.Errorf("%s: probe %s did not run", mode, key)
		}
	}
	return got
}

// TestProbeKeysUnique: every probe list has one key per probe, so no
// result can hide another's.
func TestProbeKeysUnique(t *testing.T) {
	for name, probes := range map[string][]probe{"default": deniedProbes(), "strict": strictProbes()} {
		if _, err := expectedResults(probes, 0); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := expectedResults([]probe{{key: "ioctl"}, {key: "ioctl"}}, 0); err == nil {
		t.Error("two probes with one key accepted")
	}
}
