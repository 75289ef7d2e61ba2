package main

import (
	"runtime"
	"syscall"
	"testing"

	"github.com/sandboxkit/sandbox/seccomp"
	"golang.org/x/sys/unix"
)

// TestRunPolicyConstants pins the fcntl commands policy.go names to
// x/sys's copy of the kernel headers.
func TestRunPolicyConstants(t *testing.T) {
	for _, c := range []struct {
		name      string
		ours, sys int
	}{
		{"F_SETLK", fSetLK, unix.F_SETLK},
		{"F_SETLKW", fSetLKW, unix.F_SETLKW},
		{"F_OFD_SETLK", fOFDSetLK, unix.F_OFD_SETLK},
		{"F_OFD_SETLKW", fOFDSetLKW, unix.F_OFD_SETLKW},
		{"F_SETLEASE", fSetLease, unix.F_SETLEASE},
		{"F_NOTIFY", fNotify, unix.F_NOTIFY},
	} {
		if c.ours != c.sys {
			t.Errorf("%s = %d, the kernel's is %d", c.name, c.ours, c.sys)
		}
	}
}

// TestRunPolicy runs the compiled run-step policy on the calls it is about
// (ac_lock in the corpus runs them on the kernel).
func TestRunPolicy(t *testing.T) {
	arch := map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}[runtime.GOARCH]
	if arch == 0 {
		t.Fatalf("no audit arch known for %s", runtime.GOARCH)
	}
	prog, err := runPolicy().Compile()
	if err != nil {
		t.Fatal(err)
	}
	eperm := seccomp.Errno(syscall.EPERM)
	for _, c := range []struct {
		name string
		nr   uint32
		args [6]uint64
		want seccomp.Action
	}{
		{"flock", unix.SYS_FLOCK, [6]uint64{0, unix.LOCK_SH | unix.LOCK_NB}, eperm},
		{"inotify_init1", unix.SYS_INOTIFY_INIT1, [6]uint64{}, eperm},
		{"fcntl F_SETLK", unix.SYS_FCNTL, [6]uint64{0, unix.F_SETLK}, eperm},
		{"fcntl F_SETLK|1<<32", unix.SYS_FCNTL, [6]uint64{0, unix.F_SETLK | 1<<32}, eperm},
		{"fcntl F_SETLKW", unix.SYS_FCNTL, [6]uint64{0, unix.F_SETLKW}, eperm},
		{"fcntl F_OFD_SETLKW", unix.SYS_FCNTL, [6]uint64{0, unix.F_OFD_SETLKW}, eperm},
		{"fcntl F_NOTIFY", unix.SYS_FCNTL, [6]uint64{0, unix.F_NOTIFY}, eperm},
		{"fcntl F_GETLK", unix.SYS_FCNTL, [6]uint64{0, unix.F_GETLK}, seccomp.Allow},
		{"fcntl F_GETFD", unix.SYS_FCNTL, [6]uint64{0, unix.F_GETFD}, seccomp.Allow},
		{"fcntl F_SETFL", unix.SYS_FCNTL, [6]uint64{0, unix.F_SETFL, unix.O_NONBLOCK}, seccomp.Allow},
		{"read", unix.SYS_READ, [6]uint64{}, seccomp.Allow},
		{"mount (Default's)", unix.SYS_MOUNT, [6]uint64{}, eperm},
	} {
		got, err := prog.Evaluate(seccomp.Data{Nr: c.nr, Arch: arch, Args: c.args})
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}
