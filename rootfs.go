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
// Every host path handed in (a Bind source, the Chroot directory, each of
// its entries, the system files) may have been written by untrusted code,
// say an earlier run with a writable bind, so none is trusted as a string:
//
//   - the parent resolves it one component at a time with
//     O_PATH|O_NOFOLLOW and follows a symbolic link only when root or the
//     calling process's effective uid owns it (the rule of the kernel's
//     fs.protected_symlinks); any other fails the run with a *SetupError
//     naming the link and wrapping ErrUntrustedSymlink. A missing source is
//     reported by name before anything starts;
//   - the child mounts the file the parent checked, not a path: it opens
//     the resolved path again refusing every link (openat2 with
//     RESOLVE_NO_SYMLINKS), checks its device and inode, and moves a clone
//     of it (open_tree, move_mount) into the new root. A file only root can
//     change (every directory on its way is root's and writable by no one
//     else, or a sticky one like /tmp and the file is root's) is bound by
//     its path, as nobody else can make that path name another file;
//   - a destination is made and resolved inside the new root without
//     following any link, so a link left in a writable bind cannot send a
//     mount or a directory onto the host: the run fails with ELOOP naming
//     the path that holds the link;
//   - the planned root is cached per Sandbox and keyed on what it mounts:
//     the device and inode of each bind source and Chroot entry checked
//     that way (their descriptors are held while the plan lives, until
//     Close or the Sandbox is collected, so those numbers stay theirs;
//     meanwhile their filesystems cannot be unmounted), and the
//     directories whose listing it used;
//   - as root without a user namespace, and unless a Tmpfs, a mount at or
//     under /tmp, /dev, /proc or /etc, or one inside a bound tree (whose
//     directories can be renamed from under a template's mount) needs the
//     root assembled per run, the
//     plan's second run builds a template of the root in a mount namespace
//     no process stays in, and every later run's init copies it (setns,
//     unshare) and mounts only its own /proc, /tmp, /dev/shm and id files
//     (roottemplate_linux.go). Everything the copies share is read-only.
//
// Chroot's top-level links, and the host's (/bin -> usr/bin), are recreated
// as links: they resolve inside the new root, whoever made them.

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
