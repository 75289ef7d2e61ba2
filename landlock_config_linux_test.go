package sandbox

import (
	"errors"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/seccomp"
)

// TestLandlockConfigErrors: what needs a namespace is a *ConfigError of
// the Landlock backend, all of them at once, before anything runs.
func TestLandlockConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		sb      *Sandbox
		methods []string
	}{
		{New().Chroot("/srv/root"), []string{"Chroot"}},
		{New().Bind("/srv/data", "/data"), []string{"Bind"}},
		{New().BindWritable("/srv/out", "/out"), []string{"BindWritable"}},
		{New().Bind("srv/data", "/srv/data"), []string{"Bind"}},
		{New().Tmpfs("/tmp", 1<<20), []string{"Tmpfs"}},
		{New().Namespaces(PID), []string{"Namespaces"}},
		{New().Hostname("box"), []string{"Hostname"}},
		{New().TimeOffsets(time.Second, 0), []string{"TimeOffsets"}},
		{New().Chroot("/r").Tmpfs("/x", 1<<20).Bind("/a", "/b"), []string{"Chroot", "Tmpfs", "Bind"}},
	} {
		_, err := tt.sb.Backend(Landlock).Run(exec.Command("/nonexistent"))
		for _, m := range tt.methods {
			found := false
			for _, e := range unwrapAll(err) {
				var ce *ConfigError
				if errors.As(e, &ce) && ce.Method == m && strings.Contains(ce.Reason, "namespace") {
					found = true
				}
			}
			if !found {
				t.Errorf("%v: no *ConfigError for %s that names the namespace it needs", err, m)
			}
		}
	}
	// In place is fine (it then fails for want of the directory).
	_, err := New().Backend(Landlock).Bind("/nonexistent/dir/", "/nonexistent/dir").Run(exec.Command("/nonexistent"))
	var ce *ConfigError
	if errors.As(err, &ce) {
		t.Errorf("Bind in place: %v", err)
	}
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestLandlockABIError: each ABI before 6 lacks the layers it lacks.
func TestLandlockABIError(t *testing.T) {
	for abi, want := range map[int]int{0: 3, 1: 3, 2: 3, 3: 2, 4: 1, 5: 1, 6: 0, 7: 0} {
		e := landlockABIError(abi)
		if want == 0 {
			if e != nil {
				t.Errorf("ABI %d: %v, want nil", abi, e)
			}
			continue
		}
		if e == nil || len(e.Missing) != want || e.Have != abi || e.Need != 6 {
			t.Errorf("ABI %d: %+v, want %d missing layers", abi, e, want)
		}
	}
	if got := landlockABIError(4).Error(); got != "Landlock ABI 4 lacks scoping signals and abstract unix sockets to the run (ABI 6)" {
		t.Errorf("message %q", got)
	}
	// An older kernel: a typed error unless the caller accepts it.
	err := landlockABIReady(3, false)
	var le *LandlockABIError
	if !errors.As(err, &le) || le.Have != 3 || !errors.Is(err, ErrBackendUnavailable) || !strings.Contains(err.Error(), "LandlockBestEffort") {
		t.Errorf("ABI 3: %v, want an *UnavailableError wrapping a *LandlockABIError", err)
	}
	if err := landlockABIReady(3, true); err != nil {
		t.Errorf("ABI 3, best effort: %v", err)
	}
	if err := landlockABIReady(6, false); err != nil {
		t.Errorf("ABI 6: %v", err)
	}
	if New().LandlockBestEffort().cfg.landlockBestEffort != true {
		t.Error("LandlockBestEffort not recorded")
	}
}

// TestLandlockHandled: the ruleset handles what each ABI knows, so that no
// kernel refuses it and every kernel restricts all it can.
func TestLandlockHandled(t *testing.T) {
	for _, tt := range []struct {
		abi         int
		fs          uint64
		net, scoped bool
	}{
		{1, llFSv1, false, false},
		{2, llFSv1 | unix.LANDLOCK_ACCESS_FS_REFER, false, false},
		{3, llFSv3, false, false},
		{4, llFSv3, true, false},
		{5, llFSv5, true, false},
		{6, llFSv5, true, true},
		{7, llFSv5, true, true},
	} {
		a := landlockHandled(tt.abi)
		if a.Handled_access_fs != tt.fs || (a.Handled_access_net != 0) != tt.net || (a.Scoped != 0) != tt.scoped {
			t.Errorf("ABI %d: %+v", tt.abi, a)
		}
	}
	if llWritable&(unix.LANDLOCK_ACCESS_FS_MAKE_CHAR|unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK) != 0 || llReadExec&unix.LANDLOCK_ACCESS_FS_WRITE_FILE != 0 {
		t.Error("granted rights too wide")
	}
}

// TestLandlockPolicy: the backend's own filter, compiled, decides as its
// documentation says.
func TestLandlockPolicy(t *testing.T) {
	prog, err := landlockPolicy().Compile()
	if err != nil {
		t.Fatal(err)
	}
	audit := map[string]uint32{"amd64": 0xc000003e, "arm64": 0xc00000b7}[runtime.GOARCH] // AUDIT_ARCH_*, linux/audit.h
	allow, eperm := seccomp.Allow, seccomp.Errno(syscall.EPERM)
	for _, tt := range []struct {
		name string
		nr   string
		args [6]uint64
		want seccomp.Action
	}{
		{"read", "read", [6]uint64{0}, allow},
		{"TCP socket", "socket", [6]uint64{unix.AF_INET, unix.SOCK_STREAM}, eperm},
		{"unix socket", "socket", [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM}, eperm},
		{"stream pair", "socketpair", [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM | unix.SOCK_CLOEXEC}, allow},
		{"seqpacket pair", "socketpair", [6]uint64{unix.AF_UNIX, unix.SOCK_SEQPACKET | unix.SOCK_NONBLOCK}, allow},
		{"datagram pair", "socketpair", [6]uint64{unix.AF_UNIX, unix.SOCK_DGRAM}, eperm},
		{"inet pair", "socketpair", [6]uint64{unix.AF_INET, unix.SOCK_STREAM}, eperm},
		{"unix pair with high bits", "socketpair", [6]uint64{1<<32 | unix.AF_UNIX, unix.SOCK_STREAM}, eperm},
		{"fork", "clone", [6]uint64{uint64(syscall.SIGCHLD)}, allow},
		{"thread", "clone", [6]uint64{unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND}, allow},
		{"clone a user namespace", "clone", [6]uint64{unix.CLONE_NEWUSER}, eperm},
		{"clone a network namespace", "clone", [6]uint64{unix.CLONE_NEWNET | uint64(syscall.SIGCHLD)}, eperm},
		{"clone3", "clone3", [6]uint64{}, seccomp.Errno(syscall.ENOSYS)},
		{"unshare", "unshare", [6]uint64{unix.CLONE_NEWNS}, eperm},
		{"shmget", "shmget", [6]uint64{}, eperm},
		{"mq_open", "mq_open", [6]uint64{}, eperm},
		{"ptrace", "ptrace", [6]uint64{}, eperm},
		{"process_vm_readv", "process_vm_readv", [6]uint64{}, eperm},
		{"io_uring_setup", "io_uring_setup", [6]uint64{}, eperm},
		{"kill", "kill", [6]uint64{1, 9}, allow},
	} {
		nr, ok := seccomp.Native().Number(tt.nr)
		if !ok {
			t.Fatalf("no system call %s", tt.nr)
		}
		got, err := prog.Evaluate(seccomp.Data{Nr: nr, Arch: audit, Args: tt.args})
		if err != nil || got != tt.want {
			t.Errorf("%s: %v %v, want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestRefusedByHost: only a refusal writes a backend off for the life of
// the process; a passing shortage is probed again.
func TestRefusedByHost(t *testing.T) {
	for err, want := range map[error]bool{
		&SetupError{Stage: "clone", Err: syscall.EPERM}:   true,
		&SetupError{Stage: "mount", Err: syscall.EACCES}:  true,
		&SetupError{Stage: "clone", Err: syscall.ENOSPC}:  false,
		&SetupError{Stage: "clone", Err: syscall.ENOMEM}:  false,
		&SetupError{Stage: "pipe", Err: syscall.EMFILE}:   false,
		&ConfigError{Method: "Bind", Reason: "namespace"}: true,
		errors.New("something else"):                      false,
	} {
		if got := refusedByHost(err); got != want {
			t.Errorf("refusedByHost(%v) = %v, want %v", err, got, want)
		}
	}
}
