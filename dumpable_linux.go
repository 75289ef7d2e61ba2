package sandbox

import (
	"sync"

	"golang.org/x/sys/unix"
)

// A run whose init shares the embedding process's memory (child.Plan.VM)
// vforks its command from init: the command's change of ids resets the
// dumpable flag of that memory, the embedder's own, to fs.suid_dumpable
// (commit_creds) until its execve. That keeps the shared memory out of
// ptrace's reach while the command runs there under the sandbox's uid, so
// it must not be undone while any such command is in that window; and a
// run must not mistake the flag another run cleared for the embedder's.
//
// vmRuns therefore counts the runs between their fork and the end of their
// command's setup, reads the embedder's flag when the first one begins and
// restores it when the last one ends. A change the embedder makes to its
// own flag while runs are starting is overwritten.
var vmRuns struct {
	mu       sync.Mutex
	n        int
	dumpable int
}

// beginVMRun is called before a run with shared memory forks.
func beginVMRun() error {
	vmRuns.mu.Lock()
	defer vmRuns.mu.Unlock()
	if vmRuns.n == 0 {
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		if err != nil {
			return err
		}
		vmRuns.dumpable = d
	}
	vmRuns.n++
	return nil
}

// endVMRun is called once the run's command has called execve or died
// (or init is reaped).
func endVMRun() {
	vmRuns.mu.Lock()
	defer vmRuns.mu.Unlock()
	vmRuns.n--
	if vmRuns.n == 0 {
		unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(vmRuns.dumpable), 0, 0, 0)
	}
}
