/* victim: one attack on the sandbox per subcommand, run inside it by
 * escape_linux_test.go. Each prints "BLOCKED <name>: <why>" and exits 0
 * when the attack failed, or "ESCAPED <name>: <evidence>" and exits 42.
 * Every attack is harmless should it succeed: it only probes, or writes
 * values that change nothing.
 *
 * usage: victim ATTACK MARKER HOSTPID PORT ABSTRACT
 *   MARKER   a host file outside the sandbox (must stay unreachable)
 *   HOSTPID  a host process (must stay unreachable)
 *   PORT     a TCP port a host process listens on at 127.0.0.1
 *   ABSTRACT an abstract unix socket name a host process listens on
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <grp.h>
#include <linux/reboot.h>
#include <sys/personality.h>

static const char *name, *marker, *port, *abstract_name;
static pid_t hostpid;

static int blocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static int blocked(const char *fmt, ...) {
	va_list ap; va_start(ap, fmt);
	printf("BLOCKED %s: ", name); vprintf(fmt, ap); printf("\n");
	va_end(ap); return 0;
}
static int escaped(const char *fmt, ...) {
	va_list ap; va_start(ap, fmt);
	printf("ESCAPED %s: ", name); vprintf(fmt, ap); printf("\n");
	va_end(ap); return 42;
}
/* must_fail: the call's result r must be -1. */
static int must_fail(long r, const char *what) {
	if (r == -1) return blocked("%s: %s", what, strerror(errno));
	return escaped("%s succeeded (%ld)", what, r);
}
static int open_fails(const char *path, int flags) {
	int fd = open(path, flags);
	if (fd >= 0) { close(fd); return escaped("opened %s", path); }
	return blocked("open %s: %s", path, strerror(errno));
}
static int marker_unreachable(const char *prefix) {
	char p[4096];
	snprintf(p, sizeof p, "%s%s", prefix, marker);
	return open_fails(p, O_RDONLY);
}

static int chroot_escape(void) {
	mkdir("/tmp/esc", 0755);
	if (chroot("/tmp/esc") < 0) return blocked("chroot: %s", strerror(errno));
	for (int i = 0; i < 64; i++) chdir("..");
	chroot(".");
	return marker_unreachable("");
}
static int fd_leak(void) {
	for (int fd = 3; fd < 4096; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			char l[64], t[4096] = "";
			snprintf(l, sizeof l, "/proc/self/fd/%d", fd);
			readlink(l, t, sizeof t - 1);
			return escaped("inherited fd %d -> %s", fd, t);
		}
	}
	return blocked("no descriptor but 0, 1, 2");
}
static int cwd_outside(void) {
	char buf[4096];
	if (!getcwd(buf, sizeof buf)) return escaped("getcwd: %s", strerror(errno));
	if (buf[0] != '/') return escaped("cwd %s is outside the root", buf);
	struct stat r, c, up;
	stat("/", &r); stat(".", &c); stat("/..", &up);
	if (r.st_ino != up.st_ino || r.st_dev != up.st_dev) return escaped("/.. is not /");
	return blocked("cwd %s inside the root", buf);
}
static int int80(void) {
#if defined(__x86_64__)
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(24) : "memory"); /* i386 getuid */
	return escaped("int 0x80 returned %ld", r);
#else
	return blocked("not x86");
#endif
}
static int x32(void) {
#if defined(__x86_64__)
	long r = syscall(0x40000000 | 39); /* x32 getpid */
	return escaped("x32 getpid returned %ld", r);
#else
	return blocked("not x86");
#endif
}
static int kill_init(void) {
	kill(1, SIGKILL);
	usleep(100000);
	if (kill(1, 0) == 0 || errno == EPERM) return blocked("init still alive");
	return escaped("init is gone");
}
static int kill_host(void) {
	if (kill(hostpid, 0) == 0) return escaped("can signal host pid %d", hostpid);
	return blocked("kill(%d): %s", hostpid, strerror(errno));
}
static int raise_rlimit(void) {
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max += 1; rl.rlim_cur = rl.rlim_max;
	return must_fail(setrlimit(RLIMIT_NOFILE, &rl), "raise RLIMIT_NOFILE hard limit");
}
static int cap_raise(void) {
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0}};
	d[0].effective = d[0].permitted = 1u << 21; /* CAP_SYS_ADMIN */
	return must_fail(syscall(SYS_capset, &h, d), "capset CAP_SYS_ADMIN");
}
static int userns_regain(void) {
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) return blocked("unshare: %s", strerror(errno));
	if (mount("none", "/tmp", "tmpfs", 0, NULL) == 0) return escaped("mounted with regained capabilities");
	return escaped("unshare(CLONE_NEWUSER) succeeded");
}
static int setns_init(void) {
	int fd = open("/proc/1/ns/mnt", O_RDONLY);
	if (fd < 0) return blocked("open /proc/1/ns/mnt: %s", strerror(errno));
	return must_fail(setns(fd, 0), "setns into init's mount namespace");
}
static int clone_newuser(void) {
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0) _exit(0);
	return must_fail(r, "clone(CLONE_NEWUSER)");
}
static int connect_tcp(const char *ip, int p) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) return blocked("socket: %s", strerror(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	struct timeval tv = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (void *)&a, sizeof a) == 0) return escaped("connected to %s:%d", ip, p);
	return blocked("connect %s:%d: %s", ip, p, strerror(errno));
}
static int abstract_connect(void) {
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strncpy(a.sun_path + 1, abstract_name, sizeof a.sun_path - 2);
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(abstract_name);
	if (connect(s, (void *)&a, len) == 0) return escaped("connected to host abstract socket @%s", abstract_name);
	return blocked("connect @%s: %s", abstract_name, strerror(errno));
}
static int sysv_host(void) {
	struct shm_info info;
	int r = shmctl(0, SHM_INFO, (void *)&info);
	if (r < 0) return blocked("shmctl: %s", strerror(errno));
	if (info.used_ids > 0) return escaped("sees %d SysV shm segments", info.used_ids);
	return blocked("no SysV shm segment visible");
}
static int oom_lower(void) {
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0) return blocked("open: %s", strerror(errno));
	return must_fail(write(fd, "-1000", 5), "write oom_score_adj -1000");
}
static int sethost(void) {
	return must_fail(sethostname("pwned", 5), "sethostname");
}
static int bpf_load(void) {
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	return must_fail(syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr), "bpf(BPF_PROG_LOAD)");
}
static int perf_open(void) {
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a; a.type = PERF_TYPE_SOFTWARE; a.config = PERF_COUNT_SW_CPU_CLOCK;
	return must_fail(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0), "perf_event_open");
}
static int shocker(void) {
	struct { unsigned int bytes; int type; unsigned char h[128]; } fh = {128, 0, {0}};
	int mnt;
	if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh, &mnt, 0) < 0)
		return blocked("name_to_handle_at: %s", strerror(errno));
	return must_fail(syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY), "open_by_handle_at");
}
static int ptrace_init(void) { return must_fail(ptrace(PTRACE_ATTACH, 1, 0, 0), "ptrace(PTRACE_ATTACH, 1)"); }
static int vm_readv(void) {
	char buf[16]; struct iovec l = {buf, sizeof buf}, r = {(void *)0x400000, sizeof buf};
	return must_fail(process_vm_readv(1, &l, 1, &r, 1, 0), "process_vm_readv(1)");
}
static int tiocsti(void) { char c = 'x'; return must_fail(ioctl(0, TIOCSTI, &c), "ioctl(0, TIOCSTI)"); }
static int tioclinux(void) { char b[2] = {2, 0}; return must_fail(ioctl(0, TIOCLINUX, b), "ioctl(0, TIOCLINUX)"); }

struct attack { const char *name; int (*fn)(void); };

#define FAIL(n, expr) static int n(void) { return must_fail((long)(expr), #expr); }
FAIL(mount_proc, (mkdir("/tmp/p", 0755), mount("proc", "/tmp/p", "proc", 0, NULL)))
FAIL(mount_tmpfs, (mkdir("/tmp/t", 0755), mount("tmpfs", "/tmp/t", "tmpfs", 0, NULL)))
FAIL(mount_cgroup, (mkdir("/tmp/cg", 0755), mount("cgroup", "/tmp/cg", "cgroup", 0, "memory")))
FAIL(mount_cgroup2, (mkdir("/tmp/cg2", 0755), mount("cgroup2", "/tmp/cg2", "cgroup2", 0, NULL)))
FAIL(umount_proc, umount2("/proc", MNT_DETACH))
FAIL(pivot, syscall(SYS_pivot_root, ".", "."))
FAIL(mknod_dev, mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)))
FAIL(setuid0, setuid(0))
FAIL(setgroups0, ({ gid_t g = 0; setgroups(1, &g); }))
FAIL(keyctl_add, syscall(SYS_add_key, "user", "x", "y", 1, -3))
FAIL(io_uring, syscall(SYS_io_uring_setup, 1, calloc(1, 256)))
FAIL(uffd, syscall(SYS_userfaultfd, 0))
FAIL(kexec, syscall(SYS_kexec_load, 0, 0, NULL, 0))
FAIL(init_module, syscall(SYS_init_module, NULL, 0, ""))
FAIL(reboot_call, syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, 0xdeadbeef, 0))
FAIL(swapon_call, syscall(SYS_swapon, "/tmp", 0))
FAIL(settime, ({ struct timespec t; clock_gettime(CLOCK_REALTIME, &t); clock_settime(CLOCK_REALTIME, &t); }))
FAIL(acct_call, acct("/tmp/acct"))
FAIL(iopl_call, syscall(SYS_iopl, 3))
FAIL(syslog_read, ({ char b[64]; syscall(SYS_syslog, 3, b, sizeof b); }))
FAIL(personality_aslr, personality(ADDR_NO_RANDOMIZE) == -1 ? -1 : (personality(0xffffffff) & ADDR_NO_RANDOMIZE ? 0 : -1))
FAIL(packet_socket, socket(AF_PACKET, SOCK_RAW, 0))
FAIL(write_etc, open("/etc/passwd", O_WRONLY))
FAIL(create_usr, open("/usr/pwned", O_WRONLY | O_CREAT, 0644))
FAIL(chroot_call, chroot("/tmp"))

static int proc_root(void) { return marker_unreachable("/proc/1/root"); }
static int proc_self_root(void) { return marker_unreachable("/proc/self/root/../../.."); }
static int proc_cwd(void) { return marker_unreachable("/proc/1/cwd/../../.."); }
static int exe_write(void) { return open_fails("/proc/1/exe", O_WRONLY); }
static int exe_read(void) { return open_fails("/proc/1/exe", O_RDONLY); }
static int self_exe_write(void) { return open_fails("/proc/self/exe", O_WRONLY | O_TRUNC); }
static int init_mem(void) { return open_fails("/proc/1/mem", O_RDONLY); }
static int init_environ(void) { return open_fails("/proc/1/environ", O_RDONLY); }
static int init_fds(void) {
	DIR *d = opendir("/proc/1/fd");
	if (d) { closedir(d); return escaped("listed /proc/1/fd"); }
	return blocked("opendir /proc/1/fd: %s", strerror(errno));
}
static int proc_sys(void) { return open_fails("/proc/sys/kernel/hostname", O_WRONLY); }
static int core_pattern(void) { return open_fails("/proc/sys/kernel/core_pattern", O_WRONLY); }
static int sysrq(void) { return open_fails("/proc/sysrq-trigger", O_WRONLY); }
static int sys_write(void) { return open_fails("/sys/kernel/uevent_helper", O_WRONLY); }
static int release_agent(void) { return open_fails("/sys/fs/cgroup/release_agent", O_WRONLY); }
static int notify_on_release(void) { return open_fails("/sys/fs/cgroup/memory/notify_on_release", O_WRONLY); }
static int cgroup_limits(void) { return open_fails("/sys/fs/cgroup/memory.max", O_WRONLY); }
static int kmsg(void) { return open_fails("/dev/kmsg", O_RDONLY); }
static int dev_mem(void) { return open_fails("/dev/mem", O_RDONLY); }
static int net_out(void) { return connect_tcp("1.1.1.1", 53); }
static int net_host(void) { return connect_tcp("127.0.0.1", atoi(port)); }

static const struct attack attacks[] = {
	{"chroot-escape", chroot_escape}, {"chroot", chroot_call}, {"proc-1-root", proc_root},
	{"proc-self-root", proc_self_root}, {"proc-1-cwd", proc_cwd}, {"proc-1-exe-write", exe_write},
	{"proc-1-exe-read", exe_read}, {"proc-self-exe-write", self_exe_write}, {"proc-1-mem", init_mem},
	{"proc-1-environ", init_environ}, {"proc-1-fd", init_fds}, {"fd-leak", fd_leak},
	{"cwd-outside", cwd_outside}, {"tiocsti", tiocsti}, {"tioclinux", tioclinux}, {"int80", int80},
	{"x32", x32}, {"mount-cgroup", mount_cgroup}, {"mount-cgroup2", mount_cgroup2},
	{"release-agent", release_agent}, {"notify-on-release", notify_on_release},
	{"cgroup-limits", cgroup_limits}, {"proc-sys", proc_sys}, {"core-pattern", core_pattern},
	{"sysrq", sysrq}, {"sys-write", sys_write}, {"ptrace-init", ptrace_init},
	{"process-vm-readv", vm_readv}, {"kill-init", kill_init}, {"kill-host", kill_host},
	{"mknod", mknod_dev}, {"mount-proc", mount_proc}, {"mount-tmpfs", mount_tmpfs},
	{"umount-proc", umount_proc}, {"pivot-root", pivot}, {"raise-rlimit", raise_rlimit},
	{"setuid0", setuid0}, {"setgroups", setgroups0}, {"capset", cap_raise},
	{"userns-regain", userns_regain}, {"setns", setns_init}, {"clone-newuser", clone_newuser},
	{"keyctl", keyctl_add}, {"io-uring", io_uring}, {"bpf", bpf_load}, {"perf-event-open", perf_open},
	{"userfaultfd", uffd}, {"open-by-handle", shocker}, {"kexec", kexec}, {"init-module", init_module},
	{"reboot", reboot_call}, {"swapon", swapon_call}, {"settime", settime}, {"sethostname", sethost},
	{"acct", acct_call}, {"iopl", iopl_call}, {"syslog", syslog_read}, {"kmsg", kmsg},
	{"dev-mem", dev_mem}, {"personality", personality_aslr}, {"net-out", net_out},
	{"net-host", net_host}, {"abstract-socket", abstract_connect}, {"packet-socket", packet_socket},
	{"write-etc", write_etc}, {"write-usr", create_usr}, {"oom-score-adj", oom_lower},
	{"sysv-host", sysv_host},
};

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) puts(attacks[i].name);
		return 0;
	}
	if (argc != 6) { fprintf(stderr, "usage: victim ATTACK MARKER HOSTPID PORT ABSTRACT\n"); return 2; }
	name = argv[1]; marker = argv[2]; hostpid = atoi(argv[3]); port = argv[4]; abstract_name = argv[5];
	for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++)
		if (!strcmp(attacks[i].name, name)) return attacks[i].fn();
	fprintf(stderr, "unknown attack %s\n", name);
	return 2;
}
