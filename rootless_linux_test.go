package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/internal/testutil"
)

const rootlessEnv = "SANDBOX_TEST_ROOTLESS"

// rootlessInner runs in the test binary re-executed as an unprivileged
// user. It prints facts for TestRootless to check and returns an exit code.
func rootlessInner() int {
	var out bytes.Buffer
	cmd := exec.Command("sh", "-c", "id -u; id -g; readlink /proc/self/ns/user; grep CapEff /proc/self/status; hostname; touch /tmp/x && echo tmp-ok; touch /usr/x 2>/dev/null || echo usr-ro")
	cmd.Stdout = &out
	cmd.Stderr = &out
	res, err := New().Run(cmd)
	if err != nil {
		fmt.Println("run error:", err)
		return 1
	}
	fmt.Printf("status=%v\n%s", res.Status, out.String())
	_, err = New().MemoryLimit(64 << 20).Run(exec.Command("true"))
	fmt.Printf("limit-error-is-unavailable=%v\n", errors.Is(err, ErrCgroupUnavailable))
	hostNS, _ := os.Readlink("/proc/self/ns/user")
	fmt.Printf("host-userns=%s\n", hostNS)
	return 0
}

// TestRootless runs the library as uid 65534 with no capabilities: it must
// work through a user namespace, and refuse a cgroup limit it cannot apply.
func TestRootless(t *testing.T) {
	requireRoot(t)
	testutil.RequireTool(t, "setpriv", "util-linux")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "sandbox.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", bin)
	cmd.Env = append(os.Environ(), rootlessEnv+"=1")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	get := func(prefix string) string {
		for _, l := range lines {
			if v, ok := strings.CutPrefix(l, prefix); ok {
				return v
			}
		}
		return ""
	}
	if get("status=") != "OK" || len(lines) < 8 {
		t.Fatalf("rootless run:\n%s", out)
	}
	if lines[1] != "65534" || lines[2] != "65534" {
		t.Errorf("ids inside %q %q, want 65534", lines[1], lines[2])
	}
	if lines[3] == get("host-userns=") {
		t.Errorf("no user namespace: %s", lines[3])
	}
	if !strings.HasSuffix(lines[4], "0000000000000000") {
		t.Errorf("capabilities: %s", lines[4])
	}
	for _, want := range []string{"sandbox", "tmp-ok", "usr-ro", "limit-error-is-unavailable=true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
