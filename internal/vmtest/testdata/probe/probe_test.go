// Package probe checks, inside the vmtest guest, that the VM has the shape
// the cgroup v2 tests rely on. It is run only through
// go run ./internal/vmtest -pkg ./internal/vmtest/testdata/probe.
package probe

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

const cgroup2Magic = 0x63677270

func inVM(t *testing.T) {
	if os.Getenv("SANDBOX_VMTEST") != "cgroup2" {
		testutil.Unmet(t, "runs only in the vmtest guest: go run ./internal/vmtest -pkg ./internal/vmtest/testdata/probe")
	}
}

// ownGroup is the test's cgroup directory, from /proc/self/cgroup.
func ownGroup(t *testing.T) (string, string) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(b))
	rel, ok := strings.CutPrefix(line, "0::")
	if !ok || strings.Contains(line, "\n") {
		t.Fatalf("/proc/self/cgroup is not pure v2: %q", line)
	}
	return rel, filepath.Join("/sys/fs/cgroup", rel)
}

func TestCgroup2Mounted(t *testing.T) {
	inVM(t)
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		t.Fatal(err)
	}
	if int64(st.Type) != cgroup2Magic { // uint32 on s390x
		t.Fatalf("/sys/fs/cgroup has magic %#x, want cgroup2 %#x", st.Type, cgroup2Magic)
	}
}

func TestOwnGroupIsService(t *testing.T) {
	inVM(t)
	rel, _ := ownGroup(t)
	// Plain service, or delegated with DelegateSubgroup=main.
	if rel != "/system.slice/test.service" && rel != "/system.slice/test.service/main" {
		t.Fatalf("own cgroup %q, want /system.slice/test.service[/main]", rel)
	}
}

func TestControllers(t *testing.T) {
	inVM(t)
	_, dir := ownGroup(t)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "cgroup.subtree_control"))
	if err != nil {
		t.Fatal(err)
	}
	have := strings.Fields(string(b))
	for _, c := range []string{"cpu", "io", "memory", "pids"} {
		if !contains(have, c) {
			t.Errorf("controller %s not in the parent's subtree_control %q", c, have)
		}
	}
	for _, f := range []string{"memory.max", "memory.peak", "pids.max", "cpu.max", "cgroup.kill"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("own group lacks %s: %v", f, err)
		}
	}
}

func TestHostTools(t *testing.T) {
	inVM(t)
	if out, err := exec.Command("/usr/bin/true").CombinedOutput(); err != nil {
		t.Fatalf("/usr/bin/true: %v %s", err, out)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Errorf("go toolchain not on PATH: %v", err)
	}
}

func TestNamespaces(t *testing.T) {
	inVM(t)
	cmd := exec.Command("/bin/sh", "-c", "echo $$; id -u")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("clone with user+pid+net+mount namespaces: %v %s", err, out)
	}
	if f := strings.Fields(string(out)); len(f) != 2 || f[0] != "1" || f[1] != "0" {
		t.Fatalf("in the namespaces: pid and uid %q, want 1 and 0", out)
	}
}

func TestCloneIntoCgroup(t *testing.T) {
	inVM(t)
	rel, dir := ownGroup(t)
	// A sibling of the test's own leaf: the leaf holds processes, so it
	// cannot have controller-enabled children.
	child := filepath.Join(filepath.Dir(dir), "probe-child")
	want := "0::" + filepath.Join(filepath.Dir(rel), "probe-child")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(child)
	if err := os.WriteFile(filepath.Join(child, "pids.max"), []byte("16"), 0); err != nil {
		t.Fatalf("pids.max in a new group: %v", err)
	}
	fd, err := unix.Open(child, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command("/bin/cat", "/proc/self/cgroup")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("CLONE_INTO_CGROUP: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("child's cgroup %q, want %s", got, want)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
