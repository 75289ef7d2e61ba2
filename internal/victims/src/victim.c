/* victim: one attack on the sandbox per subcommand. Built statically by
 * internal/victims.Build and run inside a sandbox by the escape tests.
 *
 *   victim --list                       print every attack name, one a line
 *   victim ATTACK MARKER HOSTPID PORT ABSTRACT
 *
 *   MARKER   absolute host path of a file the sandbox must keep unreachable
 *   HOSTPID  a host process the sandbox must keep unreachable
 *   PORT     a TCP port a host process listens on at 127.0.0.1
 *   ABSTRACT an abstract unix socket name (without '@') a host process
 *            listens on
 *   An argument an attack does not need may be "-" (or 0).
 *
 * Each attack prints exactly one line and exits:
 *   "BLOCKED <name>: <how it failed, with the errno>"  exit 0
 *   "ESCAPED <name>: <evidence>"                        exit 42
 * and exit 2 for a usage error (never a verdict). The foreign-ABI attacks
 * (int80, x32) expect to be killed by the seccomp filter; if they survive
 * they report ESCAPED, and the test decides from the wait status.
 *
 * Safety: every attack must be harmless should the sandbox fail, even as
 * root on the host. Nothing is written to a kernel knob, a cgroup file, a
 * binary or a device: success is proven by open(O_WRONLY) and close, or by
 * a call whose arguments are invalid *after* the permission check (reboot
 * with a bad magic, kexec_load with too many segments, init_module with an
 * empty image, pivot_root/umount2 on paths that are not mount points,
 * settimeofday with an out-of-range time zone, acct on a missing path,
 * swapon on a file with no swap signature). Mounts made in the attempt are
 * undone at once; files and device nodes created are removed. Signals to
 * foreign processes are signal 0 (a permission probe), except SIGKILL to
 * the caller's own PID-namespace init, which the kernel never delivers
 * from inside that namespace. ptrace uses PTRACE_SEIZE (the tracee is not
 * stopped). Terminal injection pushes a single space, never a newline.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *name, *marker, *port_arg, *abstract_name;
static pid_t hostpid;

/* ---- verdicts ---------------------------------------------------------- */

static int verdict(const char *word, int code, const char *fmt, va_list ap) {
	char buf[2048];
	vsnprintf(buf, sizeof buf, fmt, ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n') *p = ' ';
	printf("%s %s: %s\n", word, name, buf);
	fflush(stdout);
	return code;
}
static int blocked(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int blocked(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int r = verdict("BLOCKED", 0, fmt, ap);
	va_end(ap);
	return r;
}
static int escaped(const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int r = verdict("ESCAPED", 42, fmt, ap);
	va_end(ap);
	return r;
}

/* E formats an errno as "EPERM (Operation not permitted)". */
static const char *E(int e) {
	static char buf[8][96];
	static int i;
	char *b = buf[i++ % 8];
	const char *n = strerrorname_np(e);
	snprintf(b, sizeof buf[0], "%s (%s)", n ? n : "E?", strerror(e));
	return b;
}

/* must_fail: r is the result of the call described by what; -1 is a block. */
static int must_fail(long r, const char *what) {
	if (r == -1) return blocked("%s: %s", what, E(errno));
	return escaped("%s succeeded (returned %ld)", what, r);
}

/* perm_probe: the call was made with arguments that are invalid after the
 * kernel's permission check, so EPERM (or the seccomp filter's EPERM or
 * ENOSYS) means blocked and the "invalid argument" errno means the
 * permission check passed. */
static int perm_probe(long r, int passed, const char *what) {
	int e = errno;
	if (r != -1) return escaped("%s succeeded (returned %ld)", what, r);
	if (e == passed) return escaped("%s: %s after the permission check: a privileged caller", what, E(e));
	return blocked("%s: %s", what, E(e));
}

static int open_fails(const char *path, int flags) {
	int fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return escaped("opened %s (flags %#x)", path, flags);
	}
	return blocked("open %s: %s", path, E(errno));
}

static void need_marker(void) {
	if (!marker || marker[0] != '/') {
		fprintf(stderr, "victim %s: MARKER must be an absolute host path\n", name);
		exit(2);
	}
}

/* marker_via: open prefix+MARKER; success means a host file was reached. */
static int marker_via(const char *prefix) {
	char p[PATH_MAX];
	need_marker();
	snprintf(p, sizeof p, "%s%s", prefix, marker);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char b[32] = "";
		ssize_t n = read(fd, b, sizeof b - 1);
		close(fd);
		if (n > 0) b[n] = 0;
		return escaped("read the host file %s: \"%s\"", p, b);
	}
	return blocked("open %s: %s", p, E(errno));
}

/* tmpdir makes a fresh directory under $TMPDIR when it is an absolute path
 * (the Landlock backend's private one), else under /tmp (or returns NULL). */
static char *tmpdir(void) {
	static char d[PATH_MAX];
	const char *t = getenv("TMPDIR");
	if (!t || t[0] != '/' || strlen(t) > PATH_MAX - 64) t = "/tmp";
	snprintf(d, sizeof d, "%s/victim-%s-XXXXXX", t, name);
	return mkdtemp(d);
}

/* seccomp_mode returns the Seccomp: field of /proc/self/status, or -1. */
static int status_field(const char *key, char *out, size_t n) {
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t k = strlen(key);
	if (!f) return -1;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, key, k) && line[k] == ':') {
			char *v = line + k + 1;
			while (*v == ' ' || *v == '\t') v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(out, n, "%s", v);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* ---- chroot escape ------------------------------------------------------ */

/* The classic: chroot into a subdirectory while keeping the cwd above it,
 * then chdir("..") past the (now lower) root and chroot(".") there. */
static int chroot_escape(void) {
	need_marker();
	char *d = tmpdir();
	if (!d) return blocked("mkdtemp in /tmp: %s", E(errno));
	const char *base = strrchr(d, '/') + 1;
	char pdir[PATH_MAX];
	snprintf(pdir, sizeof pdir, "%.*s", (int)(base - 1 - d), d);
	int parent = open(pdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chroot(d) < 0) {
		int e = errno;
		unlinkat(parent, base, AT_REMOVEDIR);
		return blocked("chroot(%s): %s", d, E(e));
	}
	unlinkat(parent, base, AT_REMOVEDIR);
	for (int i = 0; i < 256; i++) chdir("..");
	if (chroot(".") < 0) return blocked("chroot succeeded, but chroot(\".\") after chdir(\"..\")x256: %s", E(errno));
	return marker_via("");
}

/* An inherited directory descriptor, fchdir'd into, then walked up. */
static int fchdir_fd(void) {
	need_marker();
	struct stat root, s;
	stat("/", &root);
	for (int fd = 3; fd < 1024; fd++) {
		if (fstat(fd, &s) < 0 || !S_ISDIR(s.st_mode)) continue;
		char l[64], t[PATH_MAX] = "";
		snprintf(l, sizeof l, "/proc/self/fd/%d", fd);
		readlink(l, t, sizeof t - 1);
		if (fchdir(fd) < 0) continue;
		for (int i = 0; i < 256; i++) chdir("..");
		stat(".", &s);
		int m = open(marker + 1, O_RDONLY | O_CLOEXEC);
		if (m >= 0) return escaped("fchdir(%d -> %s) then \"..\"x256 reaches the host file %s", fd, t, marker);
		if (s.st_dev != root.st_dev || s.st_ino != root.st_ino)
			return escaped("fchdir(%d -> %s) then \"..\"x256 ends above the sandbox's root", fd, t);
		return escaped("inherited directory descriptor %d -> %s", fd, t);
	}
	return blocked("no inherited directory descriptor among 3..1023 (fstat: %s)", E(EBADF));
}

static int proc_1_root(void) { return marker_via("/proc/1/root"); }
static int proc_self_root(void) { return marker_via("/proc/self/root/../../../../../../../.."); }
static int proc_1_cwd(void) { return marker_via("/proc/1/cwd/../../../../../../../../../../../../../../../.."); }
static int proc_self_cwd(void) { return marker_via("/proc/self/cwd/../../../../../../../../../../../../../../../.."); }

/* A working directory outside the root (CVE-2024-21626): getcwd must name
 * a path under "/", and walking ".." from the cwd must end at "/". */
static int cwd_outside(void) {
	char buf[PATH_MAX];
	struct stat root, up, s, u;
	if (!getcwd(buf, sizeof buf)) return escaped("getcwd: %s: the cwd is not under the root", E(errno));
	if (buf[0] != '/') return escaped("cwd \"%s\" is outside the root", buf);
	if (stat("/", &root) < 0 || stat("/..", &up) < 0) return blocked("stat /: %s", E(errno));
	if (root.st_dev != up.st_dev || root.st_ino != up.st_ino) return escaped("\"/..\" is not \"/\"");
	char p[3 * 300 + 2] = ".";
	for (int i = 0; i < 300; i++) {
		if (stat(p, &s) < 0) return blocked("cwd %s; stat %s: %s", buf, p, E(errno));
		if (s.st_dev == root.st_dev && s.st_ino == root.st_ino) return blocked("cwd %s is inside the root (\"..\"x%d reaches \"/\")", buf, i);
		strcat(p, "/..");
		if (stat(p, &u) < 0) return blocked("cwd %s; stat %s: %s", buf, p, E(errno));
		if (u.st_dev == s.st_dev && u.st_ino == s.st_ino) return escaped("walking \"..\" from the cwd %s ends at a top that is not \"/\"", buf);
	}
	return escaped("cwd %s: 300 levels of \"..\" never reach \"/\"", buf);
}

/* ---- CVE-2019-5736 class and the host program's process ------------------ */

/* O_WRONLY without O_TRUNC: opening proves it, nothing is written. */
static int proc_1_exe_write(void) { return open_fails("/proc/1/exe", O_WRONLY); }
static int proc_1_exe_read(void) {
	int fd = open("/proc/1/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open /proc/1/exe: %s", E(errno));
	char b[4];
	ssize_t n = read(fd, b, 4);
	close(fd);
	if (n == 4 && !memcmp(b, "\177ELF", 4)) return escaped("read init's binary (ELF header) through /proc/1/exe");
	return escaped("opened /proc/1/exe for reading (read: %zd)", n);
}
static int proc_self_exe_write(void) { return open_fails("/proc/self/exe", O_WRONLY); }
static int proc_1_mem(void) {
	int fd = open("/proc/1/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open /proc/1/mem: %s", E(errno));
	close(fd);
	return escaped("opened /proc/1/mem");
}
static int read_file(const char *path) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open %s: %s", path, E(errno));
	char b[64];
	ssize_t n = read(fd, b, sizeof b);
	int e = errno;
	close(fd);
	if (n > 0) return escaped("read %zd bytes of %s", n, path);
	if (n == 0) return blocked("%s is empty", path);
	return blocked("read %s: %s", path, E(e));
}
static int proc_1_environ(void) { return read_file("/proc/1/environ"); }
static int proc_1_maps(void) { return read_file("/proc/1/maps"); }

/* Init's descriptors: listing their numbers is harmless, reading their
 * links or reopening them (CVE-2024-21626 style) is not. */
static int proc_1_fd(void) {
	DIR *d = opendir("/proc/1/fd");
	if (!d) return blocked("opendir /proc/1/fd: %s", E(errno));
	struct dirent *e;
	int n = 0, le = 0, oe = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		n++;
		char p[64], t[PATH_MAX] = "";
		snprintf(p, sizeof p, "/proc/1/fd/%.40s", e->d_name);
		if (readlink(p, t, sizeof t - 1) >= 0) {
			closedir(d);
			return escaped("readlink %s -> %s", p, t);
		}
		le = errno;
		int fd = open(p, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			closedir(d);
			close(fd);
			return escaped("reopened init's descriptor %s", p);
		}
		oe = errno;
	}
	closedir(d);
	if (n == 0) return blocked("/proc/1/fd lists no descriptor");
	return blocked("/proc/1/fd lists %d descriptors, but readlink: %s, open: %s", n, E(le), E(oe));
}

/* ---- inherited descriptors ---------------------------------------------- */

static int fd_leak(void) {
	char out[1024] = "";
	int found = 0;
	for (int fd = 3; fd < 65536; fd++) {
		if (fcntl(fd, F_GETFD) < 0) continue;
		char l[64], t[256] = "";
		snprintf(l, sizeof l, "/proc/self/fd/%d", fd);
		readlink(l, t, sizeof t - 1);
		size_t k = strlen(out);
		snprintf(out + k, sizeof out - k, "%s%d -> %s", found ? ", " : "", fd, t);
		found++;
	}
	if (found) return escaped("inherited %d descriptor(s) beyond stdio: %s", found, out);
	return blocked("no descriptor but 0, 1, 2 (fcntl(3..65535): %s)", E(EBADF));
}

/* ---- terminal injection ------------------------------------------------- */

static int not_a_tty(void) {
	if (isatty(0)) return 0;
	return 1;
}
static int tiocsti(void) {
	if (not_a_tty()) return blocked("fd 0 is not a terminal (%s): hand one in to make this attack mean something", E(errno));
	char c = ' ';
	return must_fail(ioctl(0, TIOCSTI, &c), "ioctl(0, TIOCSTI, \" \")");
}
/* New session, take the terminal as the controlling one, then inject:
 * the sandbox's own new session is not enough unless TIOCSTI is refused. */
static int tiocsti_ctty(void) {
	if (not_a_tty()) return blocked("fd 0 is not a terminal (%s): hand one in to make this attack mean something", E(errno));
	pid_t s = setsid();
	int se = errno;
	int r = ioctl(0, TIOCSCTTY, 0);
	int ce = errno;
	char c = ' ';
	if (ioctl(0, TIOCSTI, &c) == 0)
		return escaped("setsid()=%d, TIOCSCTTY=%d, then TIOCSTI injected into the terminal", (int)s, r);
	return blocked("setsid: %s; TIOCSCTTY: %s; TIOCSTI: %s", s < 0 ? E(se) : "ok", r < 0 ? E(ce) : "ok", E(errno));
}
/* TIOCL_GETSHIFTSTATE (6): a harmless member of the TIOCLINUX family
 * whose paste-selection subcode injects input into a virtual console. */
static int tioclinux(void) {
	if (not_a_tty()) return blocked("fd 0 is not a terminal (%s): hand one in to make this attack mean something", E(errno));
	char b[2] = {6, 0};
	return must_fail(ioctl(0, TIOCLINUX, b), "ioctl(0, TIOCLINUX, TIOCL_GETSHIFTSTATE)");
}
static int dev_tty(void) { return open_fails("/dev/tty", O_RDWR | O_NOCTTY); }

/* ---- seccomp bypasses -------------------------------------------------- */

static int int80(void) {
#if defined(__x86_64__)
	long r;
	char mode[32] = "?";
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(24L) /* i386 getuid */ : "memory", "cc");
	status_field("Seccomp", mode, sizeof mode);
	return escaped("i386 getuid through int 0x80 returned %ld and the process survived (Seccomp: %s)", r, mode);
#else
	return blocked("not x86-64: no int 0x80 ABI to try");
#endif
}
static int x32(void) {
#if defined(__x86_64__)
	char mode[32] = "?";
	long r = syscall(0x40000000L | 39); /* x32 getpid */
	int e = errno;
	status_field("Seccomp", mode, sizeof mode);
	if (r == -1) return escaped("x32 getpid returned %s and the process survived (Seccomp: %s)", E(e), mode);
	return escaped("x32 getpid returned %ld and the process survived (Seccomp: %s)", r, mode);
#else
	return blocked("not x86-64: no x32 ABI to try");
#endif
}
/* ASLR off is an exploit aid; Default allows only the harmless personas. */
static int personality_aslr(void) {
	int r = personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	if (r == -1) return blocked("personality(ADDR_NO_RANDOMIZE): %s", E(errno));
	int now = personality(0xffffffff);
	if (now & ADDR_NO_RANDOMIZE) return escaped("personality(ADDR_NO_RANDOMIZE) turned ASLR off (persona %#x)", now);
	return blocked("personality returned %d but the persona is %#x", r, now);
}

/* ---- cgroups (CVE-2022-0492 class) ------------------------------------- */

static int mount_try(const char *src, const char *type, const char *data, const char *look) {
	char *d = tmpdir();
	if (!d) return blocked("mkdtemp in /tmp: %s", E(errno));
	if (mount(src, d, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0) {
		int e = errno;
		rmdir(d);
		return blocked("mount(%s, %s, %s, %s): %s", src, d, type, data ? data : "NULL", E(e));
	}
	char p[PATH_MAX] = "";
	int seen = 0;
	if (look) {
		snprintf(p, sizeof p, "%s/%s", d, look);
		seen = access(p, F_OK) == 0;
	}
	umount2(d, MNT_DETACH);
	rmdir(d);
	return escaped("mounted %s (%s)%s%s (unmounted again)", type, data ? data : "", seen ? "; it has " : "", seen ? look : "");
}
static int mount_cgroup(void) { return mount_try("cgroup", "cgroup", "rdma", "release_agent"); }
static int mount_cgroup2(void) { return mount_try("cgroup2", "cgroup2", NULL, "cgroup.procs"); }
static int mount_sysfs(void) { return mount_try("sysfs", "sysfs", NULL, "kernel"); }
static int mount_proc(void) { return mount_try("proc", "proc", NULL, "sysrq-trigger"); }
static int mount_tmpfs(void) { return mount_try("tmpfs", "tmpfs", "size=4k", NULL); }

/* open_any_wr tries to open each existing path for writing (no write). */
static int open_any_wr(const char **paths, int n, const char *what) {
	char tried[1536] = "";
	int existing = 0;
	for (int i = 0; i < n; i++) {
		if (!paths[i] || access(paths[i], F_OK) < 0) continue;
		existing++;
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return escaped("opened %s for writing (nothing written)", paths[i]);
		}
		size_t k = strlen(tried);
		snprintf(tried + k, sizeof tried - k, "%s%s: %s", existing > 1 ? "; " : "", paths[i], E(errno));
	}
	if (!existing) return blocked("no %s visible (stat /sys/fs/cgroup: %s)", what, access("/sys/fs/cgroup", F_OK) < 0 ? E(errno) : "exists");
	return blocked("%s", tried);
}

/* cgroup_files lists name under /sys/fs/cgroup, each of its subdirectories
 * and the caller's own cgroup directories (from /proc/self/cgroup). */
static int cgroup_files(const char **out, int max, const char *const *names) {
	static char store[64][PATH_MAX];
	int n = 0;
	char dirs[32][PATH_MAX];
	int nd = 0;
	snprintf(dirs[nd++], PATH_MAX, "/sys/fs/cgroup");
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	while (d && (e = readdir(d)) && nd < 16) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR) continue;
		snprintf(dirs[nd++], PATH_MAX, "/sys/fs/cgroup/%.200s", e->d_name);
	}
	if (d) closedir(d);
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];
	while (f && fgets(line, sizeof line, f) && nd < 32) {
		line[strcspn(line, "\n")] = 0;
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || !strcmp(c2 + 1, "/")) continue;
		*c2 = 0;
		const char *ctrl = c1 + 1;
		if (!*ctrl)
			snprintf(dirs[nd++], PATH_MAX, "/sys/fs/cgroup%.300s", c2 + 1);
		else
			snprintf(dirs[nd++], PATH_MAX, "/sys/fs/cgroup/%.100s%.300s", strncmp(ctrl, "name=", 5) ? ctrl : ctrl + 5, c2 + 1);
	}
	if (f) fclose(f);
	for (int i = 0; i < nd; i++)
		for (int j = 0; names[j] && n < max && n < 64; j++) {
			snprintf(store[n], PATH_MAX, "%.3000s/%s", dirs[i], names[j]);
			out[n] = store[n];
			n++;
		}
	return n;
}
static int cgroup_wr(const char *const *names, const char *what) {
	const char *paths[64];
	int n = cgroup_files(paths, 64, names);
	return open_any_wr(paths, n, what);
}
static int release_agent(void) {
	static const char *const names[] = {"release_agent", NULL};
	return cgroup_wr(names, "release_agent");
}
static int notify_on_release(void) {
	static const char *const names[] = {"notify_on_release", NULL};
	return cgroup_wr(names, "notify_on_release");
}
static int cgroup_limits(void) {
	static const char *const names[] = {"memory.max", "pids.max", "cpu.max", "memory.limit_in_bytes", "cpu.cfs_quota_us", NULL};
	return cgroup_wr(names, "cgroup limit file");
}
/* Any cgroup.procs but our own would move us out of our limits. */
static int cgroup_move(void) {
	static const char *const names[] = {"cgroup.procs", "tasks", NULL};
	const char *paths[64];
	int n = cgroup_files(paths, 64, names);
	return open_any_wr(paths, n, "cgroup.procs or tasks file");
}

/* ---- kernel knobs: /proc/sys, sysrq, /sys -------------------------------- */

static int proc_sys(void) { return open_fails("/proc/sys/kernel/hostname", O_WRONLY); }
static int core_pattern(void) { return open_fails("/proc/sys/kernel/core_pattern", O_WRONLY); }
static int sysrq(void) { return open_fails("/proc/sysrq-trigger", O_WRONLY); }
static int sys_write(void) {
	struct stat s;
	if (stat("/sys/kernel", &s) < 0) return blocked("/sys/kernel: %s (no sysfs)", E(errno));
	static const char *paths[] = {"/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
				      "/sys/power/state", "/sys/kernel/profiling"};
	char tried[1024] = "";
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return escaped("opened %s for writing (nothing written)", paths[i]);
		}
		size_t k = strlen(tried);
		snprintf(tried + k, sizeof tried - k, "%s%s: %s", i ? "; " : "", paths[i], E(errno));
	}
	return blocked("%s", tried);
}

/* ---- ptrace and signals --------------------------------------------------- */

static int ptrace_init(void) { return must_fail(ptrace(PTRACE_SEIZE, 1, 0, 0), "ptrace(PTRACE_SEIZE, 1)"); }
static int process_vm_readv_init(void) {
	char buf[16];
	unsigned long addr = 0x400000;
	struct iovec l = {buf, sizeof buf}, r = {(void *)addr, sizeof buf};
	ssize_t n = process_vm_readv(1, &l, 1, &r, 1, 0);
	int e = errno;
	if (n >= 0) return escaped("process_vm_readv(1) read %zd bytes of init's memory", n);
	if (e == EFAULT || e == EIO) return escaped("process_vm_readv(1): %s: past the permission check (the address was unmapped)", E(e));
	return blocked("process_vm_readv(1): %s", E(e));
}
static int pidfd_getfd(void) {
	int pfd = syscall(SYS_pidfd_open, 1, 0);
	if (pfd < 0) return blocked("pidfd_open(1): %s", E(errno));
	long r = syscall(SYS_pidfd_getfd, pfd, 0, 0);
	int e = errno;
	close(pfd);
	if (r >= 0) return escaped("pidfd_getfd took init's descriptor 0 (as %ld)", r);
	if (e == EBADF) return escaped("pidfd_getfd(init, 0): %s: past the permission check", E(e));
	return blocked("pidfd_getfd(init, 0): %s", E(e));
}
/* SIGKILL to the namespace's init: from inside its namespace the kernel
 * drops it (and it is our own namespace's init, never the host's). */
static int kill_init(void) {
	int r = kill(1, SIGKILL);
	int e = errno;
	usleep(100000);
	if (kill(1, 0) == 0 || errno == EPERM)
		return blocked("kill(1, SIGKILL) = %s; init is still alive", r == 0 ? "0 (ignored)" : E(e));
	return escaped("init is gone after kill(1, SIGKILL): %s", E(errno));
}
static int kill_host(void) {
	if (hostpid <= 2 || hostpid == getpid()) {
		fprintf(stderr, "victim kill-host: HOSTPID %d is not a usable host pid\n", (int)hostpid);
		exit(2);
	}
	if (kill(hostpid, 0) == 0) {
		char p[64], comm[64] = "?";
		snprintf(p, sizeof p, "/proc/%d/comm", (int)hostpid);
		FILE *f = fopen(p, "re");
		if (f) {
			if (fgets(comm, sizeof comm, f)) comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		return escaped("kill(%d, 0) succeeded: may signal the host process (comm %s)", (int)hostpid, comm);
	}
	return blocked("kill(%d, 0): %s", (int)hostpid, E(errno));
}

/* ---- devices ------------------------------------------------------------ */

static int mknod_dev(void) {
	char *d = tmpdir();
	if (!d) return blocked("mkdtemp in /tmp: %s", E(errno));
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/null", d);
	if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) < 0) {
		int e = errno;
		rmdir(d);
		return blocked("mknod %s c 1 3: %s", p, E(e));
	}
	int fd = open(p, O_RDWR | O_CLOEXEC);
	int e = errno;
	unlink(p);
	rmdir(d);
	if (fd >= 0) {
		close(fd);
		return escaped("made and opened the character device %s (1:3)", p);
	}
	return blocked("mknod %s succeeded but open: %s (nodev)", p, E(e));
}
static int open_any_rd(const char **paths, int n) {
	char tried[1536] = "";
	for (int i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			return escaped("opened %s for reading", paths[i]);
		}
		size_t k = strlen(tried);
		snprintf(tried + k, sizeof tried - k, "%s%s: %s", i ? "; " : "", paths[i], E(errno));
	}
	return blocked("%s", tried);
}
static int dev_mem(void) {
	static const char *p[] = {"/dev/mem", "/dev/kmem", "/dev/port"};
	return open_any_rd(p, 3);
}
/* Any block device node, plus the usual disk names. */
static int dev_block(void) {
	static char store[32][300];
	const char *paths[40];
	int n = 0;
	const char *dirs[] = {"/dev", "/dev/mapper", "/dev/block"};
	for (int i = 0; i < 3; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		while (d && (e = readdir(d)) && n < 32) {
			struct stat s;
			snprintf(store[n], sizeof store[n], "%s/%.250s", dirs[i], e->d_name);
			if (stat(store[n], &s) == 0 && S_ISBLK(s.st_mode)) {
				paths[n] = store[n];
				n++;
			}
		}
		if (d) closedir(d);
	}
	const char *usual[] = {"/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/xvda"};
	for (int i = 0; i < 4; i++) paths[n++] = usual[i];
	return open_any_rd(paths, n);
}
static int kmsg(void) { return open_fails("/dev/kmsg", O_RDONLY | O_NONBLOCK); }
static int syslog_read(void) {
	char b[64];
	long r = syscall(SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, b, sizeof b);
	return must_fail(r, "syslog(SYSLOG_ACTION_READ_ALL)");
}

/* ---- mounts --------------------------------------------------------------- */

/* umount2 and pivot_root on paths that are not mount points: EINVAL only
 * after may_mount() passed. */
static int umount_call(void) {
	char *d = tmpdir();
	if (!d) return blocked("mkdtemp in /tmp: %s", E(errno));
	long r = umount2(d, 0);
	int e = errno;
	rmdir(d);
	errno = e;
	return perm_probe(r, EINVAL, "umount2 (on a directory that is not a mount point)");
}
static int pivot_root_call(void) {
	long r = syscall(SYS_pivot_root, "/victim-nonexistent", "/victim-nonexistent");
	return perm_probe(r, ENOENT, "pivot_root(\"/victim-nonexistent\", ...)");
}
static int fsopen_call(void) {
	long fd = syscall(SYS_fsopen, "tmpfs", 0);
	if (fd >= 0) close(fd);
	return must_fail(fd, "fsopen(\"tmpfs\")");
}
static int open_tree_call(void) {
	long fd = syscall(SYS_open_tree, AT_FDCWD, "/proc", 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
	if (fd >= 0) close(fd);
	return must_fail(fd, "open_tree(\"/proc\", OPEN_TREE_CLONE)");
}

/* ---- resource limits ----------------------------------------------------- */

static int raise_rlimit(void) {
	static const char *names[] = {"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
				      "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"};
	int tried = 0, e = 0;
	for (int res = 0; res < 16; res++) {
		struct rlimit rl;
		if (getrlimit(res, &rl) < 0 || rl.rlim_max == RLIM_INFINITY) continue;
		tried++;
		struct rlimit up = {rl.rlim_cur, rl.rlim_max + 1};
		if (setrlimit(res, &up) == 0) return escaped("raised the hard RLIMIT_%s from %llu to %llu", names[res], (unsigned long long)rl.rlim_max, (unsigned long long)up.rlim_max);
		e = errno;
	}
	if (!tried) return escaped("every hard limit is already unlimited");
	return blocked("raising any of %d finite hard limits: %s", tried, E(e));
}
static int oom_score_adj(void) {
	int fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC);
	if (fd < 0) return blocked("open /proc/self/oom_score_adj: %s", E(errno));
	char b[16] = "";
	read(fd, b, sizeof b - 1);
	int cur = atoi(b);
	if (cur <= -1000) {
		close(fd);
		return escaped("oom_score_adj is already %d", cur);
	}
	char v[16];
	int n = snprintf(v, sizeof v, "%d", cur - 1);
	ssize_t r = pwrite(fd, v, n, 0);
	int e = errno;
	close(fd);
	if (r > 0) return escaped("lowered oom_score_adj from %d to %s", cur, v);
	return blocked("lower oom_score_adj from %d to %s: %s", cur, v, E(e));
}
static int setpriority_raise(void) {
	errno = 0;
	int cur = getpriority(PRIO_PROCESS, 0);
	if (cur <= -20) return escaped("nice is already %d", cur);
	if (setpriority(PRIO_PROCESS, 0, cur - 1) == 0) return escaped("lowered nice from %d to %d", cur, cur - 1);
	return blocked("setpriority(nice %d -> %d): %s", cur, cur - 1, E(errno));
}
static int sched_fifo(void) {
	struct sched_param p = {.sched_priority = 1};
	if (sched_setscheduler(0, SCHED_FIFO, &p) == 0) {
		struct sched_param z = {0};
		sched_setscheduler(0, SCHED_OTHER, &z);
		return escaped("switched to SCHED_FIFO priority 1 (switched back)");
	}
	return blocked("sched_setscheduler(SCHED_FIFO, 1): %s", E(errno));
}
static int mlock_call(void) {
	struct rlimit z = {0, 0};
	setrlimit(RLIMIT_MEMLOCK, &z);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) return blocked("mmap: %s", E(errno));
	if (mlock(p, 4096) == 0) return escaped("mlock with RLIMIT_MEMLOCK 0 succeeded (CAP_IPC_LOCK)");
	return blocked("mlock with RLIMIT_MEMLOCK 0: %s", E(errno));
}

/* ---- identity and capabilities ------------------------------------------ */

static int setuid0(void) {
	if (getuid() == 0 && geteuid() == 0) return blocked("runs as uid 0 already (RunAs(0)): nothing to gain; capabilities are the next line of defence");
	return must_fail(setuid(0), "setuid(0)");
}
static int setgid0(void) {
	if (getgid() == 0 && getegid() == 0) return blocked("runs as gid 0 already (RunAs(_, 0)): nothing to gain");
	return must_fail(setgid(0), "setgid(0)");
}
static int setgroups0(void) {
	gid_t g = 0;
	return must_fail(setgroups(1, &g), "setgroups([0])");
}
static int capset_raise(void) {
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	d[0].effective = d[0].permitted = 1u << CAP_SYS_ADMIN;
	return must_fail(syscall(SYS_capset, &h, d), "capset(CAP_SYS_ADMIN)");
}
static int capabilities(void) {
	static const char *keys[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	char out[256] = "", v[64];
	int any = 0;
	for (int i = 0; i < 5; i++) {
		if (status_field(keys[i], v, sizeof v) < 0) return blocked("/proc/self/status has no %s: %s", keys[i], E(errno));
		size_t k = strlen(out);
		snprintf(out + k, sizeof out - k, "%s%s=%s", i ? " " : "", keys[i], v);
		if (strtoull(v, NULL, 16)) any = 1;
	}
	if (any) return escaped("holds capabilities: %s", out);
	return blocked("every capability set is empty: %s", out);
}
static int no_new_privs(void) {
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (r == 1) return blocked("no_new_privs is set: setuid and file capabilities are inert");
	return escaped("no_new_privs is %d: a setuid binary would raise privileges", r);
}

/* ---- namespaces ---------------------------------------------------------- */

static int write_str(const char *path, const char *s) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	int r = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	close(fd);
	return r;
}
/* A new user namespace grants every capability over new namespaces:
 * harmless here (all of it is the caller's own), but it reopens the
 * kernel attack surface the sandbox closed. */
static int userns_regain(void) {
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0) return blocked("unshare(CLONE_NEWUSER): %s", E(errno));
	char m[64];
	write_str("/proc/self/setgroups", "deny");
	snprintf(m, sizeof m, "0 %d 1", (int)uid);
	int um = write_str("/proc/self/uid_map", m);
	snprintf(m, sizeof m, "0 %d 1", (int)gid);
	write_str("/proc/self/gid_map", m);
	if (unshare(CLONE_NEWNS) < 0) return escaped("unshare(CLONE_NEWUSER) succeeded (uid_map %s; CLONE_NEWNS: %s)", um ? "refused" : "written", E(errno));
	char *d = tmpdir();
	int r = d ? mount("victim", d, "tmpfs", 0, "size=4k") : -1;
	if (r == 0) umount2(d, MNT_DETACH);
	if (d) rmdir(d);
	if (r == 0) return escaped("unshare(CLONE_NEWUSER|CLONE_NEWNS) then mount(tmpfs) as root of its own user namespace");
	return escaped("unshare(CLONE_NEWUSER) and unshare(CLONE_NEWNS) succeeded");
}
static int unshare_mount(void) { return must_fail(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)"); }
static int setns_init(void) {
	int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open /proc/1/ns/mnt: %s", E(errno));
	return must_fail(setns(fd, CLONE_NEWNS), "setns(/proc/1/ns/mnt)");
}
static int clone_newuser(void) {
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0) _exit(0);
	if (r > 0) waitpid(r, NULL, 0);
	return must_fail(r, "clone(CLONE_NEWUSER)");
}

/* ---- kernel attack surface ---------------------------------------------- */

static int keyctl_add(void) {
	/* The process keyring dies with the process. */
	return must_fail(syscall(SYS_add_key, "user", "victim", "x", 1, -2 /* KEY_SPEC_PROCESS_KEYRING */), "add_key(\"user\") to the process keyring");
}
static int io_uring(void) {
	char params[120];
	memset(params, 0, sizeof params);
	long fd = syscall(SYS_io_uring_setup, 1, params);
	if (fd >= 0) close(fd);
	return must_fail(fd, "io_uring_setup(1)");
}
/* A valid two-instruction socket filter (r0 = 0; exit), loaded, not attached. */
static int bpf_load(void) {
	struct bpf_insn insns[2];
	memset(insns, 0, sizeof insns);
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[1].code = BPF_JMP | BPF_EXIT;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0) close(fd);
	return must_fail(fd, "bpf(BPF_PROG_LOAD, socket filter)");
}
static int perf_open(void) {
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (fd >= 0) close(fd);
	return must_fail(fd, "perf_event_open(software cpu-clock, self)");
}
static int uffd(void) {
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
	if (fd == -1 && errno == EINVAL) fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd >= 0) close(fd);
	return must_fail(fd, "userfaultfd");
}
static int fanotify(void) {
	long fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fd >= 0) close(fd);
	return must_fail(fd, "fanotify_init(FAN_CLASS_CONTENT)");
}
static int modify_ldt(void) {
	/* struct user_desc (asm/ldt.h): entry 0, a flat 32-bit data segment. */
	struct {
		unsigned int entry_number, base_addr, limit;
		unsigned int flags;
	} d = {0, 0, 0xfffff, 1 /* seg_32bit */ | (1 << 4) /* limit_in_pages */};
	return must_fail(syscall(SYS_modify_ldt, 1, &d, sizeof d), "modify_ldt(write an LDT entry)");
}

/* The "shocker" attack: name_to_handle_at on a file of a host filesystem
 * bound into the sandbox (our own binary), then open_by_handle_at with a
 * forged handle for that filesystem's root inode (ext4: ino 2, gen 0). */
static int open_by_handle(void) {
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh;
	memset(&fh, 0, sizeof fh);
	fh.bytes = sizeof fh.h;
	int mnt;
	if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/self/exe", &fh, &mnt, AT_SYMLINK_FOLLOW) < 0)
		return blocked("name_to_handle_at(/proc/self/exe): %s", E(errno));
	int mfd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (mfd < 0) return blocked("open /proc/self/exe: %s", E(errno));
	long fd = syscall(SYS_open_by_handle_at, mfd, &fh, O_RDONLY | O_CLOEXEC);
	int e1 = errno;
	if (fd >= 0) {
		close(fd);
		close(mfd);
		return escaped("open_by_handle_at reopened a file from a raw handle (CAP_DAC_READ_SEARCH)");
	}
	fh.bytes = 8;
	fh.type = 1; /* FILEID_INO32_GEN */
	uint32_t ino_gen[2] = {2, 0};
	memcpy(fh.h, ino_gen, 8);
	fd = syscall(SYS_open_by_handle_at, mfd, &fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e2 = errno;
	close(mfd);
	if (fd >= 0) {
		char b[256];
		long n = syscall(SYS_getdents64, fd, b, sizeof b);
		close(fd);
		return escaped("opened the host filesystem's root directory by a forged handle (getdents: %ld bytes)", n);
	}
	return blocked("open_by_handle_at: own handle: %s; forged root handle: %s", E(e1), E(e2));
}

/* ---- host administration --------------------------------------------- */

static int kexec(void) {
	/* 17 segments > KEXEC_SEGMENT_MAX: EINVAL right after the permission check. */
	return perm_probe(syscall(SYS_kexec_load, 0, 17, NULL, 0), EINVAL, "kexec_load(17 segments)");
}
static int init_module(void) {
	static char empty[1];
	return perm_probe(syscall(SYS_init_module, empty, 0, ""), ENOEXEC, "init_module(empty image)");
}
static int reboot_call(void) {
	/* Bad magic: EINVAL right after the CAP_SYS_BOOT check, nothing runs. */
	return perm_probe(syscall(SYS_reboot, 0x12345678, 0x12345678, 0xdeadbeef, NULL), EINVAL, "reboot(bad magic)");
}
static int swapon_call(void) {
	char *d = tmpdir();
	if (!d) return blocked("mkdtemp in /tmp: %s", E(errno));
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/swap", d);
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		static char zero[4096];
		write(fd, zero, sizeof zero);
		close(fd);
	}
	long r = syscall(SYS_swapon, p, 0);
	int e = errno;
	if (r == 0) syscall(SYS_swapoff, p);
	unlink(p);
	rmdir(d);
	errno = e;
	return perm_probe(r, EINVAL, "swapon(a file with no swap signature)");
}
static int settime(void) {
	/* Time zone out of range: EINVAL right after the CAP_SYS_TIME check. */
	struct timezone tz = {100000, 0};
	return perm_probe(syscall(SYS_settimeofday, NULL, &tz), EINVAL, "settimeofday(tz out of range)");
}
static int sethostname_call(void) {
	char h[128] = "";
	gethostname(h, sizeof h);
	/* Set to its current value: proves the permission, changes nothing. */
	if (sethostname(h, strlen(h)) == 0) return escaped("sethostname(\"%s\") succeeded (its current value)", h);
	return blocked("sethostname(\"%s\"): %s", h, E(errno));
}
static int acct_call(void) { return perm_probe(acct("/victim-nonexistent/acct"), ENOENT, "acct(a missing path)"); }
/* Another user's quota: needs CAP_SYS_ADMIN (our own is allowed). */
static int quotactl_call(void) {
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open /proc/self/exe: %s", E(errno));
	struct dqblk q;
	long r = syscall(SYS_quotactl_fd, fd, QCMD(Q_GETQUOTA, USRQUOTA), geteuid() + 1, &q);
	int e = errno;
	close(fd);
	if (r == 0 || e == ESRCH) return escaped("quotactl_fd(Q_GETQUOTA, uid %d): %s: past the permission check", (int)geteuid() + 1, r == 0 ? "read it" : E(e));
	return blocked("quotactl_fd(Q_GETQUOTA, uid %d): %s", (int)geteuid() + 1, E(e));
}
static int iopl_call(void) {
	long r = syscall(SYS_iopl, 3);
	if (r == 0) syscall(SYS_iopl, 0);
	return must_fail(r, "iopl(3)");
}
static int ioperm_call(void) {
	long r = syscall(SYS_ioperm, 0x80, 1, 1);
	if (r == 0) syscall(SYS_ioperm, 0x80, 1, 0);
	return must_fail(r, "ioperm(0x80)");
}

/* ---- network ------------------------------------------------------------- */

/* A UDP connect only looks up a route: no packet leaves. */
static int net_out(void) {
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) return blocked("socket(AF_INET): %s", E(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);
	if (connect(s, (void *)&a, sizeof a) == 0) return escaped("a route to 1.1.1.1 exists (UDP connect succeeded)");
	return blocked("connect udp 1.1.1.1:53: %s", E(errno));
}
static int net_host(void) {
	int port = port_arg ? atoi(port_arg) : 0;
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "victim net-host: PORT must be a host TCP port\n");
		exit(2);
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) return blocked("socket(AF_INET): %s", E(errno));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	int r = connect(s, (void *)&a, sizeof a);
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = {s, POLLOUT, 0};
		int err = ETIMEDOUT;
		socklen_t l = sizeof err;
		if (poll(&p, 1, 2000) == 1) getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
		errno = err;
		r = err ? -1 : 0;
	}
	if (r == 0) return escaped("connected to the host's 127.0.0.1:%d", port);
	return blocked("connect 127.0.0.1:%d: %s", port, E(errno));
}
static int abstract_socket(void) {
	if (!abstract_name || !*abstract_name || !strcmp(abstract_name, "-")) {
		fprintf(stderr, "victim abstract-socket: ABSTRACT must name a host abstract socket\n");
		exit(2);
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) return blocked("socket(AF_UNIX): %s", E(errno));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(abstract_name);
	if (n > sizeof a.sun_path - 1) n = sizeof a.sun_path - 1;
	memcpy(a.sun_path + 1, abstract_name, n);
	if (connect(s, (void *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n) == 0)
		return escaped("connected to the host's abstract socket @%s", abstract_name);
	return blocked("connect @%s: %s", abstract_name, E(errno));
}
static int packet_socket(void) {
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s >= 0) close(s);
	return must_fail(s, "socket(AF_PACKET, SOCK_RAW)");
}
static int raw_socket(void) {
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s >= 0) close(s);
	return must_fail(s, "socket(AF_INET, SOCK_RAW, ICMP)");
}
/* RTM_GETLINK dump: the sandbox's network namespace has only lo. */
static int netlink_links(void) {
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0) return blocked("socket(AF_NETLINK): %s", E(errno));
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req;
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	if (send(s, &req, sizeof req, 0) < 0) return blocked("send RTM_GETLINK: %s", E(errno));
	char names[512] = "";
	int others = 0, total = 0;
	static char buf[65536];
	for (;;) {
		ssize_t n = recv(s, buf, sizeof buf, 0);
		if (n <= 0) return blocked("recv: %s", E(errno));
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) goto done;
			if (h->nlmsg_type == NLMSG_ERROR) return blocked("RTM_GETLINK: netlink error");
			if (h->nlmsg_type != RTM_NEWLINK) continue;
			struct ifinfomsg *ifi = NLMSG_DATA(h);
			int len = h->nlmsg_len - NLMSG_LENGTH(sizeof *ifi);
			for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
				if (a->rta_type != IFLA_IFNAME) continue;
				const char *ifname = RTA_DATA(a);
				total++;
				if (strcmp(ifname, "lo")) others++;
				size_t k = strlen(names);
				snprintf(names + k, sizeof names - k, "%s%.32s", k ? " " : "", ifname);
			}
		}
	}
done:
	close(s);
	if (others) return escaped("sees %d network interfaces besides lo: %s", others, names);
	return blocked("only %s visible (%d interface%s)", total ? names : "nothing", total, total == 1 ? "" : "s");
}

/* ---- filesystem ----------------------------------------------------------- */

static int create_in(const char *dir) {
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/.victim-%d", dir, (int)getpid());
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		unlink(p);
		return escaped("created %s (removed again)", p);
	}
	return blocked("create %s: %s", p, E(errno));
}
static int write_etc(void) { return create_in("/etc"); }
static int write_usr(void) { return create_in("/usr"); }
static int write_root(void) { return create_in(""); }

/* ---- IPC ----------------------------------------------------------------- */

/* The IPC namespace's own counts: the test makes a segment on the host. */
static int sysv_host(void) {
	struct shm_info si;
	struct msginfo mi;
	struct seminfo se;
	int shm = shmctl(0, SHM_INFO, (void *)&si);
	int shme = errno;
	int msg = msgctl(0, MSG_INFO, (void *)&mi);
	int sem = semctl(0, 0, SEM_INFO, &se);
	if (shm < 0) return blocked("shmctl(SHM_INFO): %s", E(shme));
	int nshm = si.used_ids, nmsg = msg < 0 ? 0 : mi.msgpool, nsem = sem < 0 ? 0 : se.semusz;
	if (nshm || nmsg || nsem) return escaped("sees System V objects: %d shm segments, %d message queues, %d semaphore sets", nshm, nmsg, nsem);
	return blocked("no System V shm segment, message queue or semaphore set visible");
}

/* ---- issue 10: process ----------------------------------------------------- */

/* init is a copy of the host program, or shares its memory: its command
 * line and memory figures are the host program's. */
static int proc_1_cmdline(void) { return read_file("/proc/1/cmdline"); }
static int proc_1_status(void) { return read_file("/proc/1/status"); }
/* ---- issue 12: without namespaces (the Landlock backend) ------------------ */

/* What the sandbox's init is to the command: its parent. Inside New() it
 * is the PID namespace's init (pid 1); without a PID namespace it is a
 * host process. */
static int proc_parent_mem(void) {
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/mem", (int)getppid());
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return blocked("open %s: %s", p, E(errno));
	close(fd);
	return escaped("opened %s, the memory of the sandbox's init", p);
}
/* Signal 0 proves the permission; a PID namespace's init (pid 1) is the
 * kill-init case: the kernel drops SIGKILL from inside, which this checks
 * the same way. Nothing but signal 0 reaches a parent that is not pid 1. */
static int kill_parent(void) {
	pid_t pp = getppid();
	if (kill(pp, 0) != 0) return blocked("kill(%d, 0), the sandbox's init: %s", (int)pp, E(errno));
	if (pp != 1) return escaped("kill(%d, 0) succeeded: may signal the sandbox's init", (int)pp);
	int r = kill(1, SIGKILL);
	int e = errno;
	usleep(100000);
	if (kill(1, 0) == 0 || errno == EPERM)
		return blocked("the parent is a PID namespace's init: kill(1, SIGKILL) = %s; it is still alive", r == 0 ? "0 (ignored)" : E(e));
	return escaped("init is gone after kill(1, SIGKILL): %s", E(errno));
}
static void need_hostpid(void) {
	if (hostpid <= 2 || hostpid == getpid()) {
		fprintf(stderr, "victim %s: HOSTPID %d is not a usable host pid\n", name, (int)hostpid);
		exit(2);
	}
}
static int proc_host_environ(void) {
	char p[64];
	need_hostpid();
	snprintf(p, sizeof p, "/proc/%d/environ", (int)hostpid);
	return read_file(p);
}
static int proc_host_cmdline(void) {
	char p[64];
	need_hostpid();
	snprintf(p, sizeof p, "/proc/%d/cmdline", (int)hostpid);
	return read_file(p);
}
/* The host's listening socket in the table of the network namespace the
 * sandbox's /proc/net shows. */
static int proc_net_tcp(void) {
	int port = port_arg ? atoi(port_arg) : 0;
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "victim proc-net-tcp: PORT must be a host TCP port\n");
		exit(2);
	}
	FILE *f = fopen("/proc/net/tcp", "re");
	if (!f) return blocked("open /proc/net/tcp: %s", E(errno));
	char line[512], want[16];
	snprintf(want, sizeof want, ":%04X ", port);
	int lines = 0;
	while (fgets(line, sizeof line, f)) {
		lines++;
		char *local = strchr(line, ':'); /* "  sl: local rem st ..." */
		if (local && strstr(local + 1, want) == strchr(local + 1, ':')) {
			fclose(f);
			return escaped("/proc/net/tcp lists the host's socket on 127.0.0.1:%d", port);
		}
	}
	fclose(f);
	return blocked("/proc/net/tcp (%d lines) does not list the host's port %d", lines, port);
}
static int sysv_proc(void) {
	FILE *f = fopen("/proc/sysvipc/shm", "re");
	if (!f) return blocked("open /proc/sysvipc/shm: %s", E(errno));
	char line[512];
	int n = -1; /* a header line */
	while (fgets(line, sizeof line, f)) n++;
	fclose(f);
	if (n > 0) return escaped("/proc/sysvipc/shm lists %d shared memory segments", n);
	return blocked("/proc/sysvipc/shm lists no segment");
}
/* A host unix socket next to MARKER: MARKER.sock (stream), MARKER.dgram
 * (datagram), mode 0777, a host process listening on each. */
static void sock_path(struct sockaddr_un *a, const char *suffix) {
	need_marker();
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "%s%s", marker, suffix);
}
static int unix_host_path(void) {
	struct sockaddr_un a;
	sock_path(&a, ".sock");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) return blocked("socket(AF_UNIX): %s", E(errno));
	if (connect(s, (void *)&a, sizeof a) == 0) return escaped("connected to the host's unix socket %s", a.sun_path);
	return blocked("connect %s: %s", a.sun_path, E(errno));
}
/* Past a filter that refuses socket(2): a pair's socket addressing another
 * socket with sendto. */
static int unix_dgram_sendto(void) {
	struct sockaddr_un a;
	sock_path(&a, ".dgram");
	char how[256] = "";
	int types[] = {SOCK_DGRAM, SOCK_STREAM, SOCK_SEQPACKET};
	const char *names[] = {"dgram", "stream", "seqpacket"};
	for (int i = 0; i < 3; i++) {
		int sv[2];
		size_t k = strlen(how);
		if (socketpair(AF_UNIX, types[i] | SOCK_CLOEXEC, 0, sv) != 0) {
			snprintf(how + k, sizeof how - k, "%ssocketpair %s: %s", k ? "; " : "", names[i], E(errno));
			continue;
		}
		ssize_t r = types[i] == SOCK_SEQPACKET ? -1 : sendto(sv[0], "x", 1, MSG_DONTWAIT, (void *)&a, sizeof a);
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		if (types[i] == SOCK_SEQPACKET) { /* the kernel ignores the address: it goes to the peer */
			snprintf(how + k, sizeof how - k, "%sseqpacket pair: sends only to its peer", k ? "; " : "");
			continue;
		}
		if (r >= 0) return escaped("sendto %s from a %s socketpair succeeded", a.sun_path, names[i]);
		snprintf(how + k, sizeof how - k, "%ssendto from a %s pair: %s", k ? "; " : "", names[i], E(e));
	}
	return blocked("%s", how);
}
static int write_beside_marker(void) {
	char d[PATH_MAX];
	need_marker();
	snprintf(d, sizeof d, "%s", marker);
	char *slash = strrchr(d, '/');
	if (slash) *slash = 0;
	return create_in(d);
}

/* ---- issue 10: io ------------------------------------------------------------ */

/* AF_VSOCK's port space is the host's, whatever the network namespace:
 * bind a port in it (no packet is sent; nothing connects to the host). */
static int vsock(void) {
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) return blocked("socket(AF_VSOCK): %s", E(errno));
	struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = VMADDR_PORT_ANY};
	socklen_t l = sizeof a;
	if (bind(s, (void *)&a, sizeof a) < 0) {
		int e = errno;
		close(s);
		return escaped("opened an AF_VSOCK socket (bind: %s)", E(e));
	}
	getsockname(s, (void *)&a, &l);
	close(s);
	return escaped("bound port %u of the host-wide AF_VSOCK port space", a.svm_port);
}

/* The kernel sends the host's device events to every network namespace
 * the initial user namespace owns: subscribe to them. */
static int uevent(void) {
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (s < 0) return blocked("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT): %s", E(errno));
	struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int r = bind(s, (void *)&a, sizeof a);
	int e = errno;
	close(s);
	if (r < 0) return blocked("bind to the uevent group: %s", E(e));
	return escaped("subscribed to the host's device events (uevents)");
}

/* ---- table and main -------------------------------------------------------- */

struct attack {
	const char *name;
	int (*fn)(void);
};

/* Keep in the order of internal/victims.Attacks (TestList checks it). */
static const struct attack attacks[] = {
	{"chroot-escape", chroot_escape},
	{"fchdir-fd", fchdir_fd},
	{"proc-1-root", proc_1_root},
	{"proc-self-root", proc_self_root},
	{"proc-1-cwd", proc_1_cwd},
	{"proc-self-cwd", proc_self_cwd},
	{"cwd-outside", cwd_outside},
	{"proc-1-exe-write", proc_1_exe_write},
	{"proc-1-exe-read", proc_1_exe_read},
	{"proc-self-exe-write", proc_self_exe_write},
	{"proc-1-mem", proc_1_mem},
	{"proc-1-environ", proc_1_environ},
	{"proc-1-maps", proc_1_maps},
	{"proc-1-fd", proc_1_fd},
	{"fd-leak", fd_leak},
	{"tiocsti", tiocsti},
	{"tiocsti-ctty", tiocsti_ctty},
	{"tioclinux", tioclinux},
	{"dev-tty", dev_tty},
	{"int80", int80},
	{"x32", x32},
	{"personality", personality_aslr},
	{"mount-cgroup", mount_cgroup},
	{"mount-cgroup2", mount_cgroup2},
	{"release-agent", release_agent},
	{"notify-on-release", notify_on_release},
	{"cgroup-limits", cgroup_limits},
	{"cgroup-move", cgroup_move},
	{"proc-sys", proc_sys},
	{"core-pattern", core_pattern},
	{"sysrq", sysrq},
	{"sys-write", sys_write},
	{"mount-sysfs", mount_sysfs},
	{"ptrace-init", ptrace_init},
	{"process-vm-readv", process_vm_readv_init},
	{"pidfd-getfd", pidfd_getfd},
	{"kill-init", kill_init},
	{"kill-host", kill_host},
	{"mknod", mknod_dev},
	{"dev-mem", dev_mem},
	{"dev-block", dev_block},
	{"kmsg", kmsg},
	{"syslog", syslog_read},
	{"mount-proc", mount_proc},
	{"mount-tmpfs", mount_tmpfs},
	{"umount", umount_call},
	{"pivot-root", pivot_root_call},
	{"fsopen", fsopen_call},
	{"open-tree", open_tree_call},
	{"raise-rlimit", raise_rlimit},
	{"oom-score-adj", oom_score_adj},
	{"setpriority", setpriority_raise},
	{"sched-fifo", sched_fifo},
	{"mlock", mlock_call},
	{"setuid0", setuid0},
	{"setgid0", setgid0},
	{"setgroups", setgroups0},
	{"capset", capset_raise},
	{"capabilities", capabilities},
	{"no-new-privs", no_new_privs},
	{"userns-regain", userns_regain},
	{"unshare-mount", unshare_mount},
	{"setns", setns_init},
	{"clone-newuser", clone_newuser},
	{"keyctl", keyctl_add},
	{"io-uring", io_uring},
	{"bpf", bpf_load},
	{"perf-event-open", perf_open},
	{"userfaultfd", uffd},
	{"fanotify", fanotify},
	{"modify-ldt", modify_ldt},
	{"open-by-handle", open_by_handle},
	{"kexec", kexec},
	{"init-module", init_module},
	{"reboot", reboot_call},
	{"swapon", swapon_call},
	{"settime", settime},
	{"sethostname", sethostname_call},
	{"acct", acct_call},
	{"quotactl", quotactl_call},
	{"iopl", iopl_call},
	{"ioperm", ioperm_call},
	{"net-out", net_out},
	{"net-host", net_host},
	{"abstract-socket", abstract_socket},
	{"packet-socket", packet_socket},
	{"raw-socket", raw_socket},
	{"netlink-links", netlink_links},
	{"write-etc", write_etc},
	{"write-usr", write_usr},
	{"write-root", write_root},
	{"sysv-host", sysv_host},
	/* issue 10: process */
	{"proc-1-cmdline", proc_1_cmdline},
	{"proc-1-status", proc_1_status},
	/* issue 12 */
	{"proc-parent-mem", proc_parent_mem},
	{"kill-parent", kill_parent},
	{"proc-host-environ", proc_host_environ},
	{"proc-host-cmdline", proc_host_cmdline},
	{"proc-net-tcp", proc_net_tcp},
	{"sysv-proc", sysv_proc},
	{"unix-host-path", unix_host_path},
	{"unix-dgram-sendto", unix_dgram_sendto},
	{"write-beside-marker", write_beside_marker},

	/* issue 10: io */
	{"vsock", vsock},
	{"uevent", uevent},
};

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	size_t n = sizeof attacks / sizeof *attacks;
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < n; i++) puts(attacks[i].name);
		return 0;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: victim ATTACK MARKER HOSTPID PORT ABSTRACT\n       victim --list\n");
		return 2;
	}
	name = argv[1];
	marker = argv[2];
	hostpid = atoi(argv[3]);
	port_arg = argv[4];
	abstract_name = argv[5];
	for (size_t i = 0; i < n; i++)
		if (!strcmp(attacks[i].name, name)) return attacks[i].fn();
	fprintf(stderr, "victim: unknown attack %s\n", name);
	return 2;
}
