package main

import (
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
