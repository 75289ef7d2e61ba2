// Package cgroup hides cgroup v1 and v2 behind one small interface for the
// sandbox: a [Manager] makes one fresh [Group] per run below a parent group,
// writes its [Limits] before any process joins, reads [Stats] after the run,
// kills every process of the group and removes it.
//
// # Where groups go
//
// By default a Manager creates its groups directly below the caller's own
// cgroup (read from /proc/self/cgroup, per controller on v1), so limits set on
// the embedding service also bind its sandboxes. Groups are named
// "sandbox-<pid>-<start>-<seq>", where <pid> and <start> (the start time of
// the process in clock ticks since boot, from /proc/<pid>/stat) identify the
// host process that made them; [Manager.Sweep] removes the groups of host
// processes that are gone.
//
// # Modes
//
// On a Unified host (cgroup v2 only) the v2 backend is used. On Hybrid and
// Legacy hosts the v1 controllers memory, cpu, cpuacct, pids and freezer are
// used, each in its own hierarchy, even when a cgroup2 hierarchy without
// controllers is mounted at /sys/fs/cgroup/unified.
//
// # Delegation on cgroup v2
//
// Creating groups needs write access to the parent (root, or a delegated
// subtree) and, on v2, the parent must be allowed to enable the memory, pids
// and cpu controllers in its cgroup.subtree_control. The kernel refuses that
// when the parent itself holds processes (the "no internal processes" rule),
// which is the usual shape of a systemd service: the service runs in its own
// leaf. The recipe is a unit with
//
//	[Service]
//	Delegate=yes
//	DelegateSubgroup=main
//
// which puts the service's processes into <unit>/main and leaves <unit>
// empty and delegated: give the sandbox CgroupParent("<unit>") (the path that
// the error message names). A Manager that cannot get the controllers still
// makes groups without them (for CPU accounting and killing); only a run that
// asks for a limit then fails with [ErrCgroupUnavailable].
package cgroup
