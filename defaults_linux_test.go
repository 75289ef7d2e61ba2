package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDefaults checks, from inside a New() sandbox, each default the README
// promises.
func TestDefaults(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	sh := func(script string) string {
		t.Helper()
		res, out := run(t, New(), "sh", "-c", script)
		if res.Status != OK {
			t.Fatalf("%q: %v (exit %d)\n%s", script, res.Status, res.ExitCode, out)
		}
		return out
	}
	status := sh("cat /proc/self/status")
	for _, field := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
		if !regexp.MustCompile(`(?m)^` + field + `:\s+0+$`).MatchString(status) {
			t.Errorf("%s not empty:\n%s", field, status)
		}
	}
	if !regexp.MustCompile(`(?m)^NoNewPrivs:\s+1$`).MatchString(status) {
		t.Errorf("no_new_privs not set")
	}
	// A uid and gid of the run's own, from the default range, named in
	// the sandbox's /etc/passwd and /etc/group.
	m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(status)
	g := regexp.MustCompile(`(?m)^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(status)
	if m == nil || g == nil || m[1] != m[2] || m[1] != m[3] || m[1] != m[4] || g[1] != m[1] || g[2] != m[1] || g[3] != m[1] || g[4] != m[1] {
		t.Errorf("uid and gid are not one id everywhere:\n%s", status)
	} else if uid, _ := strconv.Atoi(m[1]); uid < DefaultUIDFirst || uid >= DefaultUIDFirst+DefaultUIDCount {
		t.Errorf("uid %d is not in the default range", uid)
	}
	if got := strings.TrimSpace(sh("id -un; id -gn")); got != "sandbox\nsandbox" {
		t.Errorf("id names %q, want sandbox and sandbox", got)
	}
	if !regexp.MustCompile(`(?m)^Groups:\s*65534?\s*$`).MatchString(status) && !regexp.MustCompile(`(?m)^Groups:\s*$`).MatchString(status) {
		t.Errorf("supplementary groups present:\n%s", status)
	}
	if got := strings.TrimSpace(sh("hostname")); got != "sandbox" {
		t.Errorf("hostname %q, want sandbox", got)
	}
	// Namespaces: every default one differs from the host's.
	for _, ns := range []string{"pid", "net", "mnt", "ipc", "uts", "cgroup"} {
		host, _ := os.Readlink("/proc/self/ns/" + ns)
		inside := strings.TrimSpace(sh("readlink /proc/self/ns/" + ns))
		if host == inside {
			t.Errorf("%s namespace is the host's (%s)", ns, host)
		}
	}
	// The command is not PID 1; only the sandbox's processes are visible.
	if got := strings.TrimSpace(sh("echo $$")); got == "1" {
		t.Errorf("command runs as PID 1")
	}
	pids := strings.Fields(sh("ls /proc | grep '^[0-9]*$' | tr '\\n' ' '"))
	if len(pids) > 6 {
		t.Errorf("too many processes visible: %v", pids)
	}
	// Network: loopback only, and up.
	netdev := sh("cat /proc/net/dev")
	if ifaces := regexp.MustCompile(`(?m)^\s*(\w+):`).FindAllStringSubmatch(netdev, -1); len(ifaces) != 1 || ifaces[0][1] != "lo" {
		t.Errorf("interfaces besides lo:\n%s", netdev)
	}
	dir := probe(t)
	res, out := run(t, New().Bind(dir, "/probe"), "/probe/probe", "listen-lo")
	if res.Status != OK {
		t.Errorf("loopback not usable: %v %s", res.Status, out)
	}
	// Filesystem: read-only root and system dirs, writable /tmp, minimal /dev.
	sh("! touch /x 2>/dev/null && ! touch /usr/x 2>/dev/null && touch /tmp/x")
	if got := strings.Fields(sh("ls /dev")); strings.Join(got, " ") != "fd full null random shm stderr stdin stdout urandom zero" {
		t.Errorf("/dev holds %v", got)
	}
	mounts := sh("cat /proc/self/mountinfo")
	if !regexp.MustCompile(`(?m)^\S+ \S+ \S+ / / ro,`).MatchString(mounts) {
		t.Errorf("root is not read-only:\n%s", mounts)
	}
	// Nothing of the host's mount tree is left attached (the staging base
	// and the host's root under it were detached): every mount is one the
	// root's plan made.
	for _, line := range strings.Split(strings.TrimSpace(mounts), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		at := f[4]
		if at == "/oldroot" || strings.HasPrefix(at, "/oldroot/") || at == "/sys" || strings.HasPrefix(at, "/sys/") ||
			at == "/run" || strings.HasPrefix(at, "/newroot") {
			t.Errorf("a mount of the host's tree is left in the sandbox: %s", line)
		}
	}
	// File descriptors: only stdio (ls opens one for /proc/self/fd).
	if got := strings.Fields(sh("ls /proc/self/fd")); len(got) > 4 {
		t.Errorf("inherited descriptors: %v", got)
	}
	// Environment: only PATH.
	_, environ := run(t, New(), "cat", "/proc/self/environ")
	if env := strings.Split(strings.TrimRight(environ, "\x00"), "\x00"); len(env) != 1 || !strings.HasPrefix(env[0], "PATH=") {
		t.Errorf("environment %q", env)
	}
	// A session of its own, no controlling terminal.
	stat := strings.Fields(sh("cat /proc/self/stat"))
	if stat[6] != "0" {
		t.Errorf("tty_nr %s, want 0", stat[6])
	}
	// init's new session (init is PID 1), of which the command is not the
	// leader, so it can never acquire a controlling terminal.
	if stat[5] != "1" || stat[4] == "1" {
		t.Errorf("session %s, process group %s: want init's session and a group of its own", stat[5], stat[4])
	}
	// The sandbox's /tmp is its own: what a run writes there never
	// reaches the host's /tmp, and the host's entries are not visible.
	mark := filepath.Join("/tmp", fmt.Sprintf("sandbox-defaults-%d", os.Getpid()))
	os.WriteFile(mark+"-host", nil, 0o644)
	defer os.Remove(mark + "-host")
	if out := sh("touch " + mark + "; ls -A /tmp"); strings.TrimSpace(out) != filepath.Base(mark) {
		t.Errorf("the sandbox's /tmp holds %q", out)
	}
	if _, err := os.Stat(mark); err == nil {
		os.Remove(mark)
		t.Errorf("a file written to the sandbox's /tmp appeared in the host's")
	}
}
