package sandbox

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// escapeClasses lists every attack of testdata/victim/victim.c with the
// class of escape it stands for. The README's security section shows this
// table; TestEscapeTableInREADME keeps the two in step.
var escapeClasses = []struct{ attack, class, what string }{
	{"chroot-escape", "chroot escape", "mkdir/chroot/chdir(..)×64/chroot(.) then open a host file"},
	{"chroot", "chroot escape", "chroot at all"},
	{"proc-1-root", "procfs walk", "open a host file through /proc/1/root"},
	{"proc-self-root", "procfs walk", "walk /proc/self/root/../.. to a host file"},
	{"proc-1-cwd", "procfs walk", "walk /proc/1/cwd to a host file"},
	{"proc-1-exe-write", "CVE-2019-5736 class", "open init's binary (the host program) for writing"},
	{"proc-1-exe-read", "CVE-2019-5736 class", "open init's binary for reading"},
	{"proc-self-exe-write", "CVE-2019-5736 class", "truncate its own binary through /proc/self/exe"},
	{"proc-1-mem", "memory of the host program", "read init's memory"},
	{"proc-1-environ", "memory of the host program", "read init's environment"},
	{"proc-1-fd", "fd leak (CVE-2024-21626 class)", "list init's descriptors"},
	{"fd-leak", "fd leak (CVE-2024-21626 class)", "find any inherited descriptor beyond stdio"},
	{"cwd-outside", "fd leak (CVE-2024-21626 class)", "a working directory outside the root"},
	{"tiocsti", "terminal injection", "TIOCSTI on a terminal handed in as stdin"},
	{"tioclinux", "terminal injection", "TIOCLINUX on that terminal"},
	{"int80", "seccomp bypass", "a system call through the i386 int 0x80 ABI"},
	{"x32", "seccomp bypass", "a system call through the x32 ABI"},
	{"mount-cgroup", "cgroup (CVE-2022-0492 class)", "mount a v1 cgroup hierarchy"},
	{"mount-cgroup2", "cgroup (CVE-2022-0492 class)", "mount cgroup2"},
	{"release-agent", "cgroup (CVE-2022-0492 class)", "open release_agent"},
	{"notify-on-release", "cgroup (CVE-2022-0492 class)", "open notify_on_release"},
	{"cgroup-limits", "resource limits", "raise its own cgroup limits"},
	{"proc-sys", "kernel knobs", "write /proc/sys/kernel/hostname"},
	{"core-pattern", "kernel knobs", "write /proc/sys/kernel/core_pattern"},
	{"sysrq", "kernel knobs", "open /proc/sysrq-trigger for writing"},
	{"sys-write", "kernel knobs", "write /sys/kernel/uevent_helper"},
	{"ptrace-init", "ptrace", "attach to init"},
	{"process-vm-readv", "ptrace", "read init's memory with process_vm_readv"},
	{"kill-init", "signals", "SIGKILL init"},
	{"kill-host", "signals", "signal a host process"},
	{"mknod", "devices", "make a character device"},
	{"mount-proc", "mounts", "mount a new procfs"},
	{"mount-tmpfs", "mounts", "mount a tmpfs"},
	{"umount-proc", "mounts", "unmount /proc to uncover what is under it"},
	{"pivot-root", "mounts", "pivot_root"},
	{"raise-rlimit", "resource limits", "raise a hard rlimit"},
	{"setuid0", "capabilities", "setuid(0)"},
	{"setgroups", "capabilities", "join group 0"},
	{"capset", "capabilities", "raise CAP_SYS_ADMIN"},
	{"userns-regain", "namespaces", "unshare a user namespace to regain capabilities, then mount"},
	{"setns", "namespaces", "join init's mount namespace"},
	{"clone-newuser", "namespaces", "clone with CLONE_NEWUSER"},
	{"keyctl", "kernel attack surface", "add a key to the kernel keyring"},
	{"io-uring", "kernel attack surface", "io_uring_setup"},
	{"bpf", "kernel attack surface", "load a BPF program"},
	{"perf-event-open", "kernel attack surface", "perf_event_open"},
	{"userfaultfd", "kernel attack surface", "userfaultfd"},
	{"open-by-handle", "shocker (open_by_handle_at)", "open the host root by file handle"},
	{"kexec", "host administration", "kexec_load"},
	{"init-module", "host administration", "load a kernel module"},
	{"reboot", "host administration", "reboot"},
	{"swapon", "host administration", "swapon"},
	{"settime", "host administration", "set the clock"},
	{"sethostname", "host administration", "set the host name"},
	{"acct", "host administration", "process accounting"},
	{"iopl", "host administration", "raise the I/O privilege level"},
	{"syslog", "information leak", "read the kernel log"},
	{"kmsg", "information leak", "open /dev/kmsg"},
	{"dev-mem", "devices", "open /dev/mem"},
	{"personality", "exploit aid", "disable ASLR with personality"},
	{"net-out", "network", "connect to the internet"},
	{"net-host", "network", "connect to a host service on 127.0.0.1"},
	{"abstract-socket", "network", "connect to a host abstract unix socket"},
	{"packet-socket", "network", "open a raw packet socket"},
	{"write-etc", "filesystem", "write /etc/passwd"},
	{"write-usr", "filesystem", "create a file in /usr"},
	{"oom-score-adj", "resource limits", "make itself unkillable by the OOM killer"},
	{"sysv-host", "IPC", "see the host's System V shared memory"},
}

var (
	victimOnce sync.Once
	victimDir  string
)

// victim builds testdata/victim statically, once.
func victim(t *testing.T) string {
	t.Helper()
	victimOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sandbox-victim-")
		if err != nil {
			return
		}
		os.Chmod(dir, 0o755)
		out, err := exec.Command("gcc", "-static", "-O1", "-o", filepath.Join(dir, "victim"), "testdata/victim/victim.c").CombinedOutput()
		if err != nil {
			t.Logf("gcc: %v %s", err, out)
			os.RemoveAll(dir)
			return
		}
		victimDir = dir
	})
	if victimDir == "" {
		t.Fatal("cannot build testdata/victim (needs gcc and libc6-dev)")
	}
	return victimDir
}

// openPTY returns a terminal pair: the command gets the terminal as stdin.
func openPTY(t *testing.T) (*os.File, *os.File) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptmx, pts
}

// TestEscapes runs every attack inside New() and asserts it failed: a
// "BLOCKED" line and exit 0, or, for the foreign-ABI system calls, death by
// SIGSYS from the seccomp filter.
func TestEscapes(t *testing.T) {
	requireRoot(t)
	checkLeaks(t)
	dir := victim(t)
	marker := filepath.Join(t.TempDir(), "host-secret")
	os.WriteFile(marker, []byte("secret"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	abstract := fmt.Sprintf("sandbox-test-%d", os.Getpid())
	al, err := net.Listen("unix", "@"+abstract)
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	shm, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmCtl(shm, unix.IPC_RMID, nil)
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	hostname, _ := os.Hostname()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)

	sb := New().Bind(dir, "/v")
	for _, a := range escapeClasses {
		t.Run(a.attack, func(t *testing.T) {
			cmd := exec.Command("/v/victim", a.attack, marker, strconv.Itoa(os.Getpid()), port, abstract)
			var out strings.Builder
			cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, &out, &out
			res, err := sb.Run(cmd)
			if err != nil {
				t.Fatal(err)
			}
			switch a.attack {
			case "int80", "x32":
				if res.Status != Signaled || res.Signal != syscall.SIGSYS {
					t.Errorf("%+v, want killed by SIGSYS\n%s", res, out.String())
				}
			default:
				if res.Status != OK || !strings.HasPrefix(out.String(), "BLOCKED "+a.attack) {
					t.Errorf("%v (exit %d): %s", res.Status, res.ExitCode, out.String())
				}
			}
		})
	}
	if h, _ := os.Hostname(); h != hostname {
		t.Errorf("host name changed: %q → %q", hostname, h)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "secret" {
		t.Errorf("host marker changed: %q %v", b, err)
	}
	sb.Close()
}

// TestEscapeList: the C program and the table name the same attacks, and
// there are at least 40.
func TestEscapeList(t *testing.T) {
	requireRoot(t)
	out, err := exec.Command(filepath.Join(victim(t), "victim"), "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(string(out))
	if len(names) != len(escapeClasses) || len(names) < 40 {
		t.Fatalf("victim has %d attacks, the table %d", len(names), len(escapeClasses))
	}
	readme, _ := os.ReadFile("README.md")
	for i, a := range escapeClasses {
		if names[i] != a.attack {
			t.Errorf("attack %d: victim %q, table %q", i, names[i], a.attack)
		}
		if !strings.Contains(string(readme), "| "+a.attack+" |") {
			t.Errorf("README's security section lacks %q", a.attack)
		}
	}
}
