package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// The root is assembled in two steps, in the run's private mount namespace
// (the host's mount table is never touched):
//
//  1. a small "base" tmpfs is mounted over stagingDir and entered with
//     pivot_root, which moves the host's root to /oldroot (uncovering
//     stagingDir there) and leaves the new root's tmpfs at /newroot;
//  2. everything is bound from /oldroot/<host path> to newroot/<path>,
//     then newroot becomes the root with a second pivot_root and the base,
//     with the host's root under it, is detached.
//
// A symbolic link met while mounting therefore resolves inside the base
// tmpfs, never on the host. Sources are resolved in the parent first.
const (
	stagingDir = "/tmp"
	oldRoot    = "/oldroot"
	newRoot    = "newroot"
)

// rootPlanner adds the mount steps of one run to the init's list.
type rootPlanner struct {
	k     *child.Keeper
	seq   *child.Seq
	index int // mount index, for error messages
	tops  map[string]os.FileMode
	dirs  map[string]bool // directories made (or planned) in the new root
}

func (r *rootPlanner) info(stage, p string) child.Info {
	return child.Info{Stage: stage, Index: r.index, Path: p}
}

func (r *rootPlanner) add(stage, p string, nr uintptr, args ...uintptr) *child.Op {
	return r.seq.Add(r.info(stage, p), nr, args...)
}

// rel turns a sandbox path into the path of its mount point while the root
// is assembled (relative to the base's root, the working directory).
func rel(p string) string { return newRoot + "/" + inner(p) }

// inner is a sandbox path without its leading slash.
func inner(p string) string { return strings.TrimPrefix(path.Clean(p), "/") }

// host is the path of a host file while the root is assembled.
func host(p string) string { return oldRoot + p }

// mkdirParents creates the missing parents of dst, best effort: a parent that
// cannot be made shows up as the mount's own failure.
func (r *rootPlanner) mkdirParents(dst string) {
	parts := strings.Split(inner(dst), "/")
	for i := 1; i < len(parts); i++ {
		r.mkdir("/" + strings.Join(parts[:i], "/"))
	}
}

// mkdir creates a directory of the new root once; an error (it exists in a
// bound tree, or cannot be made there) surfaces as the failure of what is
// mounted on it.
func (r *rootPlanner) mkdir(dst string) {
	if r.dirs[dst] {
		return
	}
	if r.dirs == nil {
		r.dirs = map[string]bool{}
	}
	r.dirs[dst] = true
	r.add("mkdir", dst, unix.SYS_MKDIRAT, atFDCWD, r.k.Str(rel(dst)), 0o755).Flags = child.FlagIgnore
}

// mountPoint creates dst as a directory or an empty file.
func (r *rootPlanner) mountPoint(dst string, dir bool) {
	r.mkdirParents(dst)
	if dir {
		r.mkdir(dst)
	} else {
		r.add("mknod", dst, unix.SYS_MKNODAT, atFDCWD, r.k.Str(rel(dst)), unix.S_IFREG|0o644, 0).Flags = child.FlagIgnore
	}
}

// setattr changes the flags of the mount at target (relative or absolute).
func (r *rootPlanner) setattr(target string, set uint64, recursive bool) {
	attr := &unix.MountAttr{Attr_set: set}
	flags := uintptr(0)
	if recursive {
		flags = unix.AT_RECURSIVE
	}
	r.add("mount_setattr", target, unix.SYS_MOUNT_SETATTR, atFDCWD, r.k.Str(target), flags,
		child.Keep(r.k, attr), unsafe.Sizeof(*attr))
}

// statSource checks a bind source in the parent, so that a missing one is
// reported by name before anything starts. The child mounts it by path, in
// its copy of the host's mount namespace (a descriptor opened here would
// belong to the host's namespace, which mount(2) refuses).
func (r *rootPlanner) statSource(src string) (string, bool, error) {
	resolved, err := filepath.EvalSymlinks(src)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(resolved); err == nil {
			return resolved, fi.IsDir(), nil
		}
	}
	return "", false, &SetupError{Stage: "bind source", Index: r.index, Path: src, Err: err}
}

// bind plans a bind of the host's src at dst.
func (r *rootPlanner) bind(src, dst string, writable bool) error {
	resolved, isDir, err := r.statSource(src)
	if err != nil {
		return err
	}
	r.mountPoint(dst, isDir)
	r.add("mount", dst, unix.SYS_MOUNT, r.k.Str(host(resolved)), r.k.Str(rel(dst)), 0, unix.MS_BIND|unix.MS_REC, 0)
	set := uint64(unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV)
	if !writable {
		set |= unix.MOUNT_ATTR_RDONLY
	}
	r.setattr(rel(dst), set, true)
	return nil
}

func (r *rootPlanner) tmpfs(dst string, size int64, mode os.FileMode, flags uintptr) {
	r.mountPoint(dst, true)
	data := fmt.Sprintf("size=%d,mode=%o", size, mode&fs.ModePerm|modeSticky(mode))
	r.add("mount", dst, unix.SYS_MOUNT, r.k.Str("tmpfs"), r.k.Str(rel(dst)), r.k.Str("tmpfs"), flags, r.k.Str(data))
}

func modeSticky(m os.FileMode) os.FileMode {
	if m&os.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

func (r *rootPlanner) symlink(target, dst string) {
	r.mkdirParents(dst)
	r.add("symlink", dst, unix.SYS_SYMLINKAT, r.k.Str(target), atFDCWD, r.k.Str(rel(dst)))
}

// writeFile creates a small generated file in the new root.
func (r *rootPlanner) writeFile(dst string, content string) {
	r.mkdirParents(dst)
	op := r.add("open", dst, unix.SYS_OPENAT, atFDCWD, r.k.Str(rel(dst)),
		unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
	op.Flags, op.Reg = child.FlagSave, 0
	op = r.add("write", dst, unix.SYS_WRITE, 0, r.k.Str(content), uintptr(len(content)))
	op.Use, op.Flags, op.Expect = 1, child.FlagExpect, uintptr(len(content))
	op = r.add("close", dst, unix.SYS_CLOSE, 0)
	op.Use = 1
}

// planRoot plans the whole root filesystem and the pivot into it.
func (c *config) planRoot(r *rootPlanner) error {
	r.add("mount", "/", unix.SYS_MOUNT, r.k.Str("none"), r.k.Str("/"), 0, unix.MS_REC|unix.MS_PRIVATE, 0)
	r.add("mount", stagingDir, unix.SYS_MOUNT, r.k.Str("sandbox-base"), r.k.Str(stagingDir), r.k.Str("tmpfs"),
		unix.MS_NOSUID|unix.MS_NODEV, r.k.Str("mode=0755,size=64k"))
	r.add("chdir", stagingDir, unix.SYS_CHDIR, r.k.Str(stagingDir))
	for _, d := range []string{newRoot, oldRoot[1:]} {
		r.add("mkdir", d, unix.SYS_MKDIRAT, atFDCWD, r.k.Str(d), 0o755)
	}
	r.add("mount", "/", unix.SYS_MOUNT, r.k.Str("sandbox"), r.k.Str(newRoot), r.k.Str("tmpfs"),
		unix.MS_NOSUID|unix.MS_NODEV, r.k.Str("mode=0755,size=4m"))
	r.add("pivot_root", stagingDir, unix.SYS_PIVOT_ROOT, r.k.Str("."), r.k.Str(oldRoot[1:]))

	r.tops = map[string]os.FileMode{}
	var err error
	if c.root != "" {
		err = r.planChroot(c.root)
	} else {
		err = r.planSystem(c)
	}
	if err != nil {
		return err
	}
	r.planProc()
	r.planDev()
	if !c.hasMountAt("/tmp") {
		r.index = -1
		r.tmpfs("/tmp", DefaultTmpSize, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
	}
	for i, m := range c.mounts {
		r.index = i
		if err := r.checkDst(m.dst); err != nil {
			return err
		}
		switch m.kind {
		case mountBind:
			src, err := filepath.Abs(m.src)
			if err != nil {
				return &SetupError{Stage: "bind source", Index: i, Path: m.src, Err: err}
			}
			if err := r.bind(src, m.dst, m.writable); err != nil {
				return err
			}
		case mountTmpfs:
			r.tmpfs(m.dst, m.size, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
		}
	}
	r.index = -1
	r.add("umount", oldRoot, unix.SYS_UMOUNT2, r.k.Str(oldRoot), unix.MNT_DETACH)
	r.add("chdir", "/", unix.SYS_CHDIR, r.k.Str(newRoot))
	r.add("pivot_root", "/", unix.SYS_PIVOT_ROOT, r.k.Str("."), r.k.Str("."))
	r.add("umount", "base", unix.SYS_UMOUNT2, r.k.Str("."), unix.MNT_DETACH)
	r.add("chdir", "/", unix.SYS_CHDIR, r.k.Str("/"))
	r.setattr("/", unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, false)
	return nil
}

func (c *config) hasMountAt(dst string) bool {
	for _, m := range c.mounts {
		if m.dst == dst {
			return true
		}
	}
	return false
}

// checkDst refuses a destination whose top-level component is one of the
// symbolic links the planner recreated: the mount would land outside the
// new root (the CVE-2021-30465 class).
func (r *rootPlanner) checkDst(dst string) error {
	top := strings.SplitN(inner(dst), "/", 2)[0]
	if r.tops[top]&fs.ModeSymlink != 0 {
		return &SetupError{Stage: "mount point", Index: r.index, Path: dst,
			Err: errors.New("destination passes through a symbolic link of the root")}
	}
	return nil
}

func (r *rootPlanner) planSystem(c *config) error {
	r.index = -1
	for _, d := range systemDirs {
		if err := r.hostEntry(d, d); err != nil {
			return err
		}
	}
	r.mkdir("/etc")
	r.tops["etc"] = fs.ModeDir
	for _, pat := range etcFiles {
		matches, _ := filepath.Glob("/etc/" + pat)
		for _, m := range matches {
			if err := r.hostEntry(m, m); err != nil {
				return err
			}
		}
	}
	r.writeFile("/etc/passwd", fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\nsandbox:x:%d:%d:sandbox:/tmp:/bin/sh\n", c.uid, c.gid))
	r.writeFile("/etc/group", fmt.Sprintf("root:x:0:\nsandbox:x:%d:\n", c.gid))
	r.writeFile("/etc/hosts", fmt.Sprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost\n", c.hostname))
	return nil
}

// hostEntry recreates one host entry: a symbolic link as a link, anything
// else as a read-only bind. A missing entry is skipped.
func (r *rootPlanner) hostEntry(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return nil
	}
	if !strings.Contains(inner(dst), "/") {
		r.tops[inner(dst)] = fi.Mode()
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return nil
		}
		r.symlink(target, dst)
		return nil
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return nil
	}
	return r.bind(src, dst, false)
}

func (r *rootPlanner) planChroot(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return &SetupError{Stage: "chroot", Index: -1, Path: root, Err: err}
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return &SetupError{Stage: "chroot", Index: -1, Path: root, Err: err}
	}
	r.index = -1
	for _, e := range entries {
		switch e.Name() {
		case "proc", "dev", "tmp":
			continue
		}
		if err := r.hostEntry(filepath.Join(abs, e.Name()), "/"+e.Name()); err != nil {
			return err
		}
	}
	return nil
}

func (r *rootPlanner) planProc() {
	r.index = -1
	r.mountPoint("/proc", true)
	r.add("mount", "/proc", unix.SYS_MOUNT, r.k.Str("proc"), r.k.Str(rel("/proc")), r.k.Str("proc"),
		unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, 0)
	for _, name := range procReadOnly {
		p := rel("/proc/" + name)
		r.add("mount", "/proc/"+name, unix.SYS_MOUNT, r.k.Str(p), r.k.Str(p), 0, unix.MS_BIND|unix.MS_REC, 0).Flags = child.FlagIgnore
		r.setattr(p, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, true)
		r.seq.Ops[len(r.seq.Ops)-1].Flags = child.FlagIgnore // absent on some kernels
	}
}

func (r *rootPlanner) planDev() {
	r.index = -1
	r.tmpfs("/dev", 64<<10, 0o755, unix.MS_NOSUID|unix.MS_NOEXEC)
	for _, name := range devFiles {
		d := "/dev/" + name
		r.mountPoint(d, false)
		r.add("mount", d, unix.SYS_MOUNT, r.k.Str(host(d)), r.k.Str(rel(d)), 0, unix.MS_BIND, 0)
	}
	for _, l := range devLinks {
		r.symlink(l[1], "/dev/"+l[0])
	}
	r.tmpfs("/dev/shm", 64<<20, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
	r.setattr(rel("/dev"), unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, false)
}

// atFDCWD is AT_FDCWD (-100, linux/fcntl.h) as a system call argument.
const atFDCWD = ^uintptr(99)
