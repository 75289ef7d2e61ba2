package sandbox

// The root filesystem a sandbox sees is always a fresh, read-only tmpfs
// built in a private mount namespace and entered with pivot_root:
//
//   - without Chroot, it holds read-only binds of the host's system
//     directories (systemDirs) and the few /etc files that dynamic binaries
//     and language runtimes read (etcFiles), plus generated /etc/passwd,
//     /etc/group and /etc/hosts that name no host user;
//   - with Chroot(dir), it holds read-only binds of dir's top-level entries
//     (top-level symbolic links are recreated), so dir is never modified;
//   - always: /proc of the new PID namespace (with /proc/sys and a few
//     other kernel knobs read-only), a minimal /dev (null, zero, full,
//     random, urandom, fd symlinks, a tmpfs shm; no tty), and a writable
//     tmpfs /tmp of DefaultTmpSize;
//   - then the caller's Bind, BindWritable and Tmpfs mounts, in order.
//
// Bind sources are opened by the parent before the fork, so a missing
// source is reported by name and the child mounts exactly what was checked.

// systemDirs are bound from the host when there is no Chroot. Symbolic links
// among them (merged /usr) are recreated as links.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// etcFiles are bound from the host's /etc when there is no Chroot and they
// exist. Entries ending in * are globs.
var etcFiles = []string{
	"ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
	"nsswitch.conf", "java-*", "python3*", "mime.types", "ssl",
}

// procReadOnly are the parts of the sandbox's /proc made read-only, as
// Docker and bubblewrap do.
var procReadOnly = []string{"sys", "sysrq-trigger", "irq", "bus", "fs"}

// devFiles are bound from the host's /dev.
var devFiles = []string{"null", "zero", "full", "random", "urandom"}

// devLinks are the symbolic links of the sandbox's /dev.
var devLinks = [][2]string{
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
}
