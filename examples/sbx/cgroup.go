//go:build linux

package main

import (
	"errors"
	"fmt"
	"os/exec"

	"github.com/sandboxkit/sandbox"
)

// cgroupChecks reports the cgroup hierarchy and whether this caller can
// limit a run, by trying: a run with a memory limit.
func cgroupChecks() []check {
	mode := sandbox.CgroupMode()
	checks := []check{{name: "cgroup hierarchy", ok: mode != "unavailable", detail: mode,
		fix: "mount cgroup2 on /sys/fs/cgroup"}}
	_, err := sandbox.New().MemoryLimit(64 << 20).PidsLimit(16).CPUQuota(1).Run(exec.Command("true"))
	c := check{name: "cgroup limits for this caller", ok: err == nil, detail: "memory, pids and cpu limits work"}
	if err != nil {
		c.detail = err.Error()
		if errors.Is(err, sandbox.ErrCgroupUnavailable) {
			c.fix = "run as root, or delegate a cgroup subtree (systemd: Delegate=yes) and pass it as CgroupParent"
		} else {
			c.fix = fmt.Sprintf("see the error above (%T)", errors.Unwrap(err))
		}
	}
	return append(checks, c)
}
