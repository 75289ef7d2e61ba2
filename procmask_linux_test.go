package sandbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// procStep returns the step of sb's planned root that mounts (nr: the
// self-bind, or mount_setattr: making it read-only) /proc/sys.
func procStep(t *testing.T, sb *Sandbox, nr uintptr) *child.Op {
	t.Helper()
	seq := &sb.cfg.roots.shared.Seq
	for i := range seq.Ops {
		if seq.Ops[i].Nr == nr && seq.Info[i].Path == "/proc/sys" {
			return &seq.Ops[i]
		}
	}
	t.Fatalf("no step %d on /proc/sys in the plan", nr)
	return nil
}

// TestProcMaskFailsClosed: /proc/sys is a read-only bind, or a command run
// as uid 0 (RunAs(0, 0)), without a capability, writes the kernel's knobs
// with the owner's permission. When the bind or making it read-only fails
// (here: made to fail with EBADF in the planned steps), the run fails
// with a *SetupError of that step, instead of running the command with
// /proc/sys writable. Only a file that is absent (ENOENT: a kernel without
// it) is skipped, and then both steps are.
func TestProcMaskFailsClosed(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	// The command writes its UTS namespace's host name through /proc/sys.
	const attack = "echo attacked > /proc/sys/kernel/hostname; cat /proc/sys/kernel/hostname"
	absent := []byte("/proc/sandbox-absent\x00")
	defer runtime.KeepAlive(absent)
	for _, perRun := range []bool{false, true} {
		for _, step := range []struct {
			name string
			nr   uintptr
		}{{"bind", unix.SYS_MOUNT}, {"mount setattr", unix.SYS_MOUNT_SETATTR}} {
			t.Run(fmt.Sprintf("%s/per-run %v", step.name, perRun), func(t *testing.T) {
				sb := New().RunAs(0, 0).Hostname("judge")
				sb.cfg.perRunRoot = perRun
				defer sb.Close()
				if res, out := run(t, sb, "sh", "-c", attack); res.Status != OK || out == "attacked\n" || !strings.HasSuffix(out, "judge\n") {
					t.Fatalf("with the mask: %v %q", res.Status, out)
				}
				op := procStep(t, sb, step.nr)
				op.Nr, op.Args = unix.SYS_CLOSE, [6]uintptr{^uintptr(0)} // close(-1): EBADF
				res, out, err := runErr(context.Background(), sb, "sh", "-c", attack)
				var se *SetupError
				if !errors.As(err, &se) || !errors.Is(err, unix.EBADF) || se.Path != "/proc/sys" {
					t.Fatalf("a failed mask: err %v, result %+v %q; want a SetupError at /proc/sys", err, res, out)
				}

				// Absent: both steps find no file, and the run goes on.
				run(t, sb, "true") // planned again, as the failure dropped the plan
				bind, attr := procStep(t, sb, unix.SYS_MOUNT), procStep(t, sb, unix.SYS_MOUNT_SETATTR)
				p := uintptr(unsafe.Pointer(&absent[0]))
				bind.Args[0], bind.Args[1], attr.Args[1] = p, p, p
				if res, out := run(t, sb, "cat", "/proc/sys/kernel/hostname"); res.Status != OK || out != "judge\n" {
					t.Errorf("with /proc/sys absent: %v %q", res.Status, out)
				}
			})
		}
	}
}
