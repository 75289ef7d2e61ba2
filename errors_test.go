package sandbox

import (
	"errors"
	"syscall"
	"testing"
)

// TestErrorMessages: a SetupError and a WaitError name what failed, and
// leave out what they were not given.
func TestErrorMessages(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&SetupError{Stage: "mount", Index: 2, Path: "/data", Err: syscall.ENOENT},
			`sandbox: setup failed at mount #2 "/data": no such file or directory`},
		{&SetupError{Stage: "chroot", Index: -1, Path: "/srv/root", Err: syscall.ENOTDIR},
			`sandbox: setup failed at chroot "/srv/root": not a directory`},
		{&SetupError{Stage: "hostname", Index: -1, Err: errors.New("refused")},
			`sandbox: setup failed at hostname: refused`},
		{&SetupError{Stage: "tmpfs", Index: 0},
			`sandbox: setup failed at tmpfs #0`},
		{&WaitError{Step: WaitCgroupRemove, Path: "/sys/fs/cgroup/x", Err: syscall.EBUSY},
			`sandbox: after the run: cgroup remove "/sys/fs/cgroup/x": device or resource busy`},
		{&WaitError{Step: WaitOutput, Err: errors.New("broken pipe")},
			`sandbox: after the run: output: broken pipe`},
		{&WaitError{Step: WaitCgroupStats},
			`sandbox: after the run: cgroup stats`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}
