package cgroup

import (
	"errors"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// killTimeout bounds Kill: how long to wait for a group to become empty.
const killTimeout = 2 * time.Second

// errStillPopulated is wrapped when a group does not empty within killTimeout.
var errStillPopulated = errors.New("group still has processes after SIGKILL")

// killListed sends SIGKILL to every process listed in the procs files of
// one group, and never to a process outside it: each pid is pinned with a
// pidfd, then the lists are read again and only pids still listed are
// signalled. A pid recycled in between is either in the group (ours) or its
// pidfd refers to the dead process (ESRCH). Without pidfd_open (Linux < 5.3)
// it falls back to kill(2), which is safe only when the group is frozen.
// It reports how many processes it signalled. (cgroup2's fallback Kill
// signals the listed pids unpinned and does not wait; cgroup1 has none:
// doc.go, "Why not containerd/cgroups".)
func killListed(procs []string, frozen bool) (int, error) {
	var pids []int
	var err error
	for _, p := range procs {
		if pids, err = readPids(p, pids); err != nil {
			return 0, err
		}
	}
	if len(pids) == 0 {
		return 0, nil
	}
	slices.Sort(pids)
	pids = slices.Compact(pids)
	fds := make([]int, len(pids))
	for i, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0) // pidfd_open(2), Linux 5.3
		switch {
		case err == nil:
			fds[i] = fd
		case err == unix.ENOSYS && frozen:
			fds[i] = -2 // frozen tasks cannot exit, so the pid is stable
		default:
			fds[i] = -1 // gone (ESRCH), or unsafe to signal without a pidfd
		}
	}
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}()
	var again []int
	for _, p := range procs {
		if again, err = readPids(p, again); err != nil {
			return 0, err
		}
	}
	n := 0
	for i, pid := range pids {
		if !slices.Contains(again, pid) {
			continue
		}
		switch fd := fds[i]; {
		case fd >= 0:
			err = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		case fd == -2:
			err = unix.Kill(pid, unix.SIGKILL)
		default:
			continue
		}
		if err == nil {
			n++
		} else if err != unix.ESRCH {
			return n, &Error{Op: "kill", Path: procs[0], Err: err}
		}
	}
	return n, nil
}

// poll calls done with growing sleeps until it reports true, fails, or
// the deadline passes.
func poll(deadline time.Time, done func() (bool, error)) (bool, error) {
	sleep := 50 * time.Microsecond
	for {
		ok, err := done()
		if ok || err != nil {
			return ok, err
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		time.Sleep(sleep)
		sleep = min(2*sleep, 5*time.Millisecond)
	}
}
