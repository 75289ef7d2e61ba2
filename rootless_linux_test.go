package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	// A rootless caller cannot give runs uids of their own: asked to, the
	// run fails.
	_, err = New().UIDRange(DefaultUIDFirst, 8).Run(exec.Command("true"))
	var se *SetupError
	fmt.Printf("uid-range-error=%v\n", errors.As(err, &se) && se.Stage == "uid")
	hostNS, _ := os.Readlink("/proc/self/ns/user")
	fmt.Printf("host-userns=%s\n", hostNS)
	if dir := os.Getenv(rootlessLinksEnv); dir != "" {
		rootlessLinks(dir)
	}
	// init runs as the command's uid here: it must stay hidden all the same.
	var probe bytes.Buffer
	cmd = exec.Command("sh", "-c", initProbe())
	cmd.Stdout = &probe
	if _, err := New().Run(cmd); err != nil {
		fmt.Println("run error:", err)
		return 1
	}
	fmt.Printf("init-probe=%s\n", strings.Join(strings.Fields(probe.String()), ","))
	return 0
}

const rootlessLinksEnv = "SANDBOX_TEST_ROOTLESS_LINKS"

// rootlessLinks prints how the checked mounts treat links as an
// unprivileged caller (see TestRootless): its own are followed, another
// user's are not, and a destination never passes through one.
func rootlessLinks(dir string) {
	var b bytes.Buffer
	cmd := exec.Command("cat", "/m/f")
	cmd.Stdout = &b
	_, err := New().Bind(dir+"/mine", "/m").Run(cmd)
	fmt.Printf("own-link=%q %v\n", b.String(), err)
	_, err = New().Bind(dir+"/other", "/o").Run(exec.Command("true"))
	fmt.Printf("other-link-untrusted=%v\n", errors.Is(err, ErrUntrustedSymlink))
	_, err = New().BindWritable(dir+"/w", "/w").Bind(dir+"/target", "/w/sub/x").Run(exec.Command("true"))
	var se *SetupError
	fmt.Printf("dst-link-refused=%v\n", errors.As(err, &se) && se.Path == "/w/sub" && errors.Is(err, syscall.ELOOP))
}

// rootlessCmd is this test binary, run with args as uid 65534 with no
// capabilities (from a copy that user can read).
func rootlessCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
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
	cmd := exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", bin}, args...)...)
	cmd.Env = os.Environ()
	cmd.Dir = dir
	return cmd
}

// TestRootless runs the library as uid 65534 with no capabilities: it must
// work through a user namespace, and refuse a cgroup limit it cannot apply.
func TestRootless(t *testing.T) {
	requireRoot(t)
	cmd := rootlessCmd(t)
	// Links the unprivileged caller meets: in /tmp, which it can reach.
	links, err := mkdirTemp("sandbox-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(links)
	os.Chmod(links, 0o755)
	for _, d := range []string{links + "/target", links + "/w"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(links+"/target/f", []byte("linked"), 0o644)
	for name, uid := range map[string]int{"mine": 65534, "other": 1234} {
		os.Symlink("target", filepath.Join(links, name))
		os.Lchown(filepath.Join(links, name), uid, uid)
	}
	os.Symlink("/oldroot"+links, links+"/w/sub")
	cmd.Env = append(cmd.Env, rootlessEnv+"=1", rootlessLinksEnv+"="+links)
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
	checkInitHidden(t, strings.ReplaceAll(get("init-probe="), ",", " "))
	for _, want := range []string{"sandbox", "tmp-ok", "usr-ro", "limit-error-is-unavailable=true",
		`own-link="linked" <nil>`, "other-link-untrusted=true", "dst-link-refused=true", "uid-range-error=true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}
