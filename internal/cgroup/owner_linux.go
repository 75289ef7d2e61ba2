package cgroup

import (
	"fmt"
	"os"
	"strings"
)

// OwnerPrefix returns "sandbox-<pid>-<start>-", the prefix of the names
// this process gives what it must remove after a run (its groups, and
// other things named the same way, such as the GVisor backend's run
// directories), so that a later process can tell whether their owner is
// gone (see Stale).
func OwnerPrefix() (string, error) {
	pid := os.Getpid()
	start, err := procStart(pid)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("sandbox-%d-%d-", pid, start), nil
}

// Stale reports whether name is "sandbox-<pid>-<start>-<seq>" and the host
// process that made it no longer exists.
func Stale(name string) bool {
	pid, start, ok := parseName(name)
	if !ok {
		return false
	}
	s, err := procStart(pid)
	return err != nil || s != start
}

// RemoveEmpty removes dir, a group directory whose processes are gone
// (or going: EBUSY is retried for a short while); a missing one is no
// error.
func RemoveEmpty(dir string) error {
	if !strings.Contains(dir, "/sandbox-") {
		return &Error{Op: "rmdir", Path: dir, Err: os.ErrInvalid}
	}
	return rmdirRetry(dir, false, nil)
}
