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
)

const kernelTestEnv = "SECCOMP_KERNEL_TEST"

// probe is one call a denied family is tried with: arguments chosen so
// that, were the call allowed, it would fail harmlessly with another errno
// (or succeed doing nothing), so EPERM can only come from the filter even
// for root.
type probe struct {
	name string
	args [6]uintptr
	want syscall.Errno
}

var nonexistent = []byte("/nonexistent-seccomp-probe\x00")

func ptr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func deniedProbes() []probe {
	eperm := syscall.EPERM
	return []probe{
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
		{"ioctl", [6]uintptr{0, 0x5412}, eperm},       // TIOCSTI
		{"ioctl", [6]uintptr{0, 0x541c}, eperm},       // TIOCLINUX
		{"clone3", [6]uintptr{0, 0}, syscall.ENOSYS},
	}
}

type probeResult struct {
	Name  string
	Errno int
}

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
		nr, ok := Native().Number(p.name)
		if !ok {
			continue
		}
		_, _, e := unix.Syscall6(uintptr(nr), p.args[0], p.args[1], p.args[2], p.args[3], p.args[4], p.args[5])
		out = append(out, probeResult{p.name, int(e)})
	}
	_, _, e := unix.Syscall(1000, 0, 0, 0) // no such call
	out = append(out, probeResult{"#1000", int(e)})
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
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root under CI=true")
		}
		t.Skip("needs root: sudo go test ./seccomp")
	}
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
	want := map[string]syscall.Errno{"#1000": unknown}
	for _, p := range probes {
		want[p.name] = p.want
	}
	got := runProbes(t, profile)
	for name, e := range got {
		if e != want[name] {
			t.Errorf("%s under %s: errno %v, want %v", name, profile, e, want[name])
		}
	}
	if len(got) < len(probes) {
		t.Errorf("only %d of %d probes ran", len(got)-1, len(probes))
	}
	for name, e := range runProbes(t, "none-"+profile) {
		if e != want[name] || name == "#1000" && e == syscall.ENOSYS {
			continue // the kernel's own answer to an unknown call is ENOSYS too
		}
		if strict {
			t.Errorf("%s gets %v without a filter too: the probe proves nothing", name, e)
		} else {
			t.Logf("%s gets %v without a filter too (inconclusive on this host)", name, e)
		}
	}
}

func runProbes(t *testing.T, mode string) map[string]syscall.Errno {
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
		got[r.Name] = syscall.Errno(r.Errno)
	}
	return got
}
