package sandbox

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/testutil"
	"github.com/sandboxkit/sandbox/internal/victims"
	"github.com/sandboxkit/sandbox/seccomp"
)

// The lockdown harness reproduces, on any host, where users deploy and
// where New() cannot run: a container under Docker's default seccomp
// profile, as an unprivileged user. TestLockdown re-executes this test
// binary as uid 65534 with no capability and no_new_privs (setpriv), and
// the re-executed binary installs, before any test runs, a seccomp filter
// built with this repository's seccomp package that refuses what Docker's
// default profile refuses to a container without CAP_SYS_ADMIN: unshare,
// setns, clone with namespace flags (clone3: ENOSYS), mount and the rest
// of the mount API, chroot. There TestLockdown runs its subtests.

const (
	lockdownEnv        = "SANDBOX_TEST_LOCKDOWN"
	lockdownVictimsEnv = "SANDBOX_TEST_VICTIMS_DIR"
	lockdownForeignEnv = "SANDBOX_TEST_FOREIGN_UNREACHED" // JSON: see foreignUnreached
)

// lockdownPolicy is what Docker's default profile refuses a container
// without CAP_SYS_ADMIN, of what a sandbox needs.
func lockdownPolicy() *seccomp.Policy {
	eperm := seccomp.Errno(syscall.EPERM)
	return &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{
		{Syscalls: []string{"unshare", "setns", "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen",
			"fsconfig", "fsmount", "fspick", "mount_setattr", "chroot"}, Action: eperm, Optional: true},
		{Syscalls: []string{"clone"}, Action: seccomp.Allow, Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.MaskedEq, Mask: cloneNewFlags, Value: 0}}},
		{Syscalls: []string{"clone"}, Action: eperm},
		{Syscalls: []string{"clone3"}, Action: seccomp.Errno(syscall.ENOSYS)},
	}}
}

// enterLockdown installs lockdownPolicy on every thread of this process
// (no_new_privs is set already: setpriv did it before exec).
func enterLockdown() error {
	prog, err := lockdownPolicy().Compile()
	if err != nil {
		return err
	}
	fprog := prog.SockFprog()
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(fprog)))
	if e != 0 {
		return e
	}
	return nil
}

// TestLockdown runs its subtests in the harness: as root it re-executes
// this binary into the harness, where TestLockdown runs them.
func TestLockdown(t *testing.T) {
	if os.Getenv(lockdownEnv) != "" {
		t.Run("Availability", lockdownAvailability)
		for _, s := range landlockSuite {
			t.Run(s.name, s.test)
		}
		t.Run("Stats", landlockStats)
		t.Run("Escapes", lockdownEscapes)
		t.Run("Doctor", lockdownDoctor)
		return
	}
	requireRoot(t)
	testutil.RequireTool(t, "setpriv", "util-linux")
	requireLandlock(t, true)
	dir := openTempDir(t, 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sandbox.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "sbx"), "./examples/sbx").CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/sbx: %v\n%s", err, out)
	}
	vdir := victims.Build(t)
	foreign, err := json.Marshal(foreignUnreached(t, vdir, escapeHost(t)))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		"--no-new-privs", bin, "-test.run", "^TestLockdown$", "-test.v", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command("setpriv", args...)
	cmd.Env = append(os.Environ(), lockdownEnv+"=1", probeDirEnv+"="+probe(t), lockdownVictimsEnv+"="+vdir,
		lockdownForeignEnv+"="+string(foreign), "HOME="+dir)
	if _, err := exec.LookPath("gcc"); err == nil {
		cmd.Env = append(cmd.Env, statsDirEnv+"="+statsProgram(t))
	}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("in the lockdown: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestLockdown/Availability") {
		t.Fatalf("the lockdown ran no test:\n%s", out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if strings.Contains(l, "escaped, as the table says") || strings.Contains(l, "backend native unavailable") ||
			(strings.HasPrefix(l, "--- ") && strings.Count(l, "/") == 1) {
			t.Log(l)
		}
	}
}

// lockdownAvailability: Native says why it cannot run here and New() fails
// with that error; Landlock can run.
func lockdownAvailability(t *testing.T) {
	if os.Geteuid() != 65534 || hasCapability(unix.CAP_SYS_ADMIN) {
		t.Fatalf("not in the lockdown: euid %d", os.Geteuid())
	}
	if err := unix.Unshare(unix.CLONE_NEWUSER); !errors.Is(err, unix.EPERM) {
		t.Fatalf("unshare(CLONE_NEWUSER) = %v, want the harness's EPERM", err)
	}
	err := Native.Available()
	var ue *UnavailableError
	if !errors.As(err, &ue) || !errors.Is(err, ErrBackendUnavailable) || ue.Backend != Native {
		t.Fatalf("Native.Available() = %v, want an *UnavailableError", err)
	}
	if !strings.Contains(ue.Missing, "seccomp filter") || !strings.Contains(ue.Fix, "Backend(Landlock)") {
		t.Errorf("Native.Available() does not name the seccomp filter and the Landlock alternative: %v", err)
	}
	t.Log(err)
	_, runErr := New().Run(exec.Command("true"))
	if runErr == nil || runErr.Error() != err.Error() || !errors.Is(runErr, ErrBackendUnavailable) {
		t.Errorf("New().Run = %v, want %v", runErr, err)
	}
	// Namespaces of its own (no availability check first): the refusal
	// still names what refused it and Landlock, and keeps the setup step.
	_, err = New().Namespaces(Mount, PID).Run(exec.Command("true"))
	var se *SetupError
	if !errors.As(err, &ue) || !strings.Contains(ue.Fix, "Backend(Landlock)") || !errors.As(err, &se) || se.Stage != "clone" {
		t.Errorf("New().Namespaces(Mount, PID): %v, want an *UnavailableError naming Landlock around the clone's *SetupError", err)
	}
	if err := Landlock.Available(); err != nil {
		t.Fatalf("Landlock.Available() = %v", err)
	}
	if res, out := run(t, New().Backend(Landlock), "sh", "-c", "id -u; grep -E 'CapEff|NoNewPrivs' /proc/self/status"); res.Status != OK ||
		out != "65534\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n" {
		t.Errorf("Landlock run: %+v %q", res, out)
	}
	_, err = New().Backend(Landlock).CPUQuota(0.5).Run(exec.Command("true"))
	if !errors.Is(err, ErrCgroupUnavailable) {
		t.Errorf("CPUQuota without a cgroup: %v, want ErrCgroupUnavailable", err)
	}
	_, err = New().Backend(Landlock).RunAs(0, 0).Run(exec.Command("true"))
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Method != "RunAs" {
		t.Errorf("RunAs(0, 0) unprivileged: %v, want a *ConfigError", err)
	}
}

// lockdownEscapes: the escape suite, with the embedding process of the
// command's own uid, as a host process the command must not reach.
func lockdownEscapes(t *testing.T) {
	checkLeaks(t)
	var unreached map[string]string
	if err := json.Unmarshal([]byte(os.Getenv(lockdownForeignEnv)), &unreached); err != nil {
		t.Fatal(err)
	}
	landlockEscapes(t, os.Getenv(lockdownVictimsEnv), escapeHost(t), unreached)
}

// lockdownDoctor: sbx doctor says Native is refused by a seccomp filter,
// with the fix and the Landlock alternative, and that Landlock is
// available; sbx --backend landlock runs.
func lockdownDoctor(t *testing.T) {
	sbx, _ := filepath.Abs("sbx")
	out, err := exec.Command(sbx, "doctor").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("sbx doctor: %v, want exit 1 (the default sandbox cannot run)", err)
	}
	t.Logf("\n%s", out)
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "MISS backend native ") {
			if !strings.Contains(l, "seccomp filter") || i+1 == len(lines) || !strings.Contains(lines[i+1], "fix: ") ||
				!strings.Contains(lines[i+1], "Backend(Landlock)") {
				t.Errorf("sbx doctor on Native:\n%s\n%s", l, lines[i+1])
			}
			goto landlock
		}
	}
	t.Errorf("sbx doctor does not say Native is unavailable:\n%s", out)
landlock:
	if !strings.Contains(string(out), "ok   backend landlock               available") {
		t.Errorf("sbx doctor does not say Landlock is available:\n%s", out)
	}
	out, err = exec.Command(sbx, "--backend", "landlock", "--", "id", "-u").CombinedOutput()
	if err != nil || string(out) != "65534\n" {
		t.Errorf("sbx --backend landlock -- id -u: %v %q", err, out)
	}
}
