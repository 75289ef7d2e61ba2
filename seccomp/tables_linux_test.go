package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestNativeTable: the generated table agrees with x/sys, itself generated
// from the kernel's headers, for the calls the profiles depend on.
func TestNativeTable(t *testing.T) {
	for name, want := range map[string]uintptr{
		"read": unix.SYS_READ, "write": unix.SYS_WRITE, "futex": unix.SYS_FUTEX, "clone": unix.SYS_CLONE,
		"clone3": unix.SYS_CLONE3, "execve": unix.SYS_EXECVE, "ioctl": unix.SYS_IOCTL, "mount": unix.SYS_MOUNT,
		"personality": unix.SYS_PERSONALITY, "io_uring_setup": unix.SYS_IO_URING_SETUP, "mseal": unix.SYS_MSEAL,
		"exit_group": unix.SYS_EXIT_GROUP, "mmap": unix.SYS_MMAP, "newfstatat": unix.SYS_NEWFSTATAT,
	} {
		if got, ok := Native().Number(name); !ok || uintptr(got) != want {
			t.Errorf("%s on %s: %d (%v), x/sys says %d", name, Native(), got, ok, want)
		}
	}
}
