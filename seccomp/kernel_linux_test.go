package seccomp

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
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

// kernelChild installs Default (or Strict) on every thread of this process
// and reports what each probe got.
func kernelChild(profile string) {
	runtime.LockOSThread()
	pol := Default()
	if profile == "strict" {
		pol = Strict()
	}
	prog, err := pol.Compile()
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	insns := prog.Instructions()
	fprog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Println("seccomp:", e)
		os.Exit(2)
	}
	var out []probeResult
	for _, p := range deniedProbes() {
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
	if p := os.Getenv(kernelTestEnv); p != "" {
		kernelChild(p)
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
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), kernelTestEnv+"=default")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var got []probeResult
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]syscall.Errno{"#1000": syscall.ENOSYS}
	for _, p := range deniedProbes() {
		want[p.name] = p.want
	}
	seen := 0
	for _, r := range got {
		if syscall.Errno(r.Errno) != want[r.Name] {
			t.Errorf("%s: errno %v, want %v", r.Name, syscall.Errno(r.Errno), want[r.Name])
		}
		seen++
	}
	if seen < len(deniedProbes()) {
		t.Errorf("only %d probes ran", seen)
	}
}
