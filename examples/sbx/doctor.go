//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox"
)

// check is one line of sbx doctor's report.
type check struct {
	name   string
	ok     bool
	detail string
	fix    string
}

// doctor reports what this host supports, and what to change when
// something is missing. It exits 1 when the default sandbox cannot run.
func doctor(w io.Writer) int {
	var checks []check
	var uts unix.Utsname
	unix.Uname(&uts)
	checks = append(checks, check{name: "kernel", ok: true, detail: unix.ByteSliceToString(uts.Release[:])})
	for _, ns := range [][2]string{{"pid", "PID_NS"}, {"net", "NET_NS"}, {"mnt", "NAMESPACES"}, {"ipc", "IPC_NS"},
		{"user", "USER_NS"}, {"uts", "UTS_NS"}, {"cgroup", "CGROUPS"}, {"time", "TIME_NS (Linux 5.6)"}} {
		_, err := os.Stat("/proc/self/ns/" + ns[0])
		checks = append(checks, check{name: "namespace " + ns[0], ok: err == nil, detail: errText(err),
			fix: "a kernel built with CONFIG_" + ns[1]})
	}
	checks = append(checks, cgroupChecks()...)
	actions, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	checks = append(checks, check{name: "seccomp filters", ok: err == nil && strings.Contains(string(actions), "kill_process"),
		detail: strings.TrimSpace(string(actions)), fix: "a kernel with CONFIG_SECCOMP_FILTER"})
	checks = append(checks, usernsCheck())
	checks = append(checks, landlockCheck())
	checks = append(checks, backendChecks()...)
	res, err := sandbox.New().Run(exec.Command("true"))
	live := check{name: "default sandbox runs `true`", ok: err == nil && res.Status == sandbox.OK}
	if err != nil {
		live.detail = err.Error()
	} else {
		live.detail = fmt.Sprintf("%v in %v", res.Status, res.WallTime)
	}
	checks = append(checks, live)

	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark = "MISS"
		}
		fmt.Fprintf(w, "%s %-30s %s\n", mark, c.name, c.detail)
		if !c.ok && c.fix != "" {
			fmt.Fprintf(w, "     %-30s fix: %s\n", "", c.fix)
		}
	}
	if !live.ok {
		return 1
	}
	return 0
}

func errText(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}

func usernsCheck() check {
	c := check{name: "unprivileged user namespaces", ok: true}
	if b, err := os.ReadFile("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && strings.TrimSpace(string(b)) == "0" {
		c.ok, c.fix = false, "sysctl kernel.unprivileged_userns_clone=1 (needed for rootless use only)"
	}
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil {
		c.detail = "max_user_namespaces " + strings.TrimSpace(string(b))
		if strings.TrimSpace(string(b)) == "0" {
			c.ok, c.fix = false, "sysctl user.max_user_namespaces=15000 (needed for rootless use only)"
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err == nil && strings.TrimSpace(string(b)) == "1" {
		c.ok, c.fix = false, "an AppArmor profile allowing userns for this program, or sysctl kernel.apparmor_restrict_unprivileged_userns=0"
	}
	return c
}

// landlockCheck reports the kernel's Landlock ABI version, which says what
// the Landlock backend can confine.
func landlockCheck() check {
	c := check{name: "Landlock", fix: "Linux ≥ 6.12 with landlock in the lsm= boot parameter"}
	// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION), landlock(7)
	abi, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		c.detail = "unavailable: " + e.Error()
		return c
	}
	c.ok = abi >= 6
	c.detail = fmt.Sprintf("ABI %d (files; TCP from 4; signal and abstract socket scoping from 6)", abi)
	return c
}

// backendChecks says, for each backend, whether this host can run it, or
// what is missing and how to get it.
func backendChecks() []check {
	var checks []check
	for _, b := range []sandbox.Backend{sandbox.Native, sandbox.Landlock, sandbox.GVisor} {
		c := check{name: "backend " + b.String(), ok: true, detail: "available"}
		if err := b.Available(); err != nil {
			c.ok, c.detail = false, err.Error()
			var ue *sandbox.UnavailableError
			if errors.As(err, &ue) {
				c.detail, c.fix = ue.Missing, ue.Fix
				if ue.Err != nil {
					c.detail += " (" + ue.Err.Error() + ")"
				}
			}
		}
		checks = append(checks, c)
	}
	return checks
}
