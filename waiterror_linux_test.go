package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// failingGroup is a cgroup whose accounting and removal fail.
type failingGroup struct{ err error }

func (g failingGroup) Path() string                     { return "/sandbox-test/run" }
func (g failingGroup) ProcsFiles() []string             { return nil }
func (g failingGroup) CPUUsage() (time.Duration, error) { return 0, g.err }
func (g failingGroup) Stats() (cgroup.Stats, error)     { return cgroup.Stats{}, g.err }
func (g failingGroup) Kill() error                      { return nil }
func (g failingGroup) Delete() error                    { return g.err }

// TestWaitErrorSteps: what fails at a run's end comes back as a *WaitError
// whose Step says what the Result lacks and whose Path names what was left,
// wrapping the cause.
func TestWaitErrorSteps(t *testing.T) {
	g := failingGroup{syscall.EBUSY}
	_, statsErr := cgroupStats(g)
	for _, tt := range []struct {
		err  error
		step WaitStep
		path string
	}{
		{statsErr, WaitCgroupStats, g.Path()},
		{removeCgroup(g), WaitCgroupRemove, g.Path()},
	} {
		var we *WaitError
		if !errors.As(tt.err, &we) || we.Step != tt.step || we.Path != tt.path || !errors.Is(tt.err, syscall.EBUSY) {
			t.Errorf("err = %v, want a *WaitError of step %q, path %q wrapping EBUSY", tt.err, tt.step, tt.path)
		}
	}
	// A statistic the kernel does not provide is no error.
	if _, err := cgroupStats(failingGroup{cgroup.ErrStatUnavailable}); err != nil {
		t.Errorf("cgroupStats with a missing statistic: %v", err)
	}
}

// TestWaitErrorTmpdir: a Landlock run's TMPDIR that cannot be removed (a
// mount point: rmdir fails with EBUSY) is a *WaitError naming it.
func TestWaitErrorTmpdir(t *testing.T) {
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	ll := &landlockRun{tmpdir: dir}
	err := ll.release()
	var we *WaitError
	if !errors.As(err, &we) || we.Step != WaitTmpdirRemove || we.Path != dir || !errors.Is(err, syscall.EBUSY) {
		t.Errorf("release = %v, want a *WaitError of step %q, path %q wrapping EBUSY", err, WaitTmpdirRemove, dir)
	}
}
