package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
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
//  2. everything is bound from /oldroot to /newroot, then newroot becomes
//     the root with a second pivot_root and the base, with the host's root
//     under it, is detached.
//
// No path string crosses from the parent to a mount: the parent resolves
// every host file (hostpath_linux.go) and the child mounts the file it
// checked (bindChecked); destinations are resolved inside the new root
// without following any symbolic link (openDst).
const (
	stagingDir = "/tmp"
	oldRoot    = "/oldroot"
	newRoot    = "newroot"
)

// Registers of the root's operations (child.Op.Reg, Op.Use).
const (
	regSrc  = 5 // a bind source
	regTree = 6 // a detached copy of it (open_tree)
	regDst  = 7 // a destination
)

// rootPlanner adds the mount steps of one run to the init's list.
type rootPlanner struct {
	k     *child.Keeper
	seq   *child.Seq
	run   *child.Seq // with a template (roottemplate_linux.go): each run's own steps; nil: seq is the run's
	ids   []idFile   // with a template: the run's generated files, written after /dev/shm
	deps  *rootDeps  // what the plan depends on: filled while planning
	index int        // mount index, for error messages
	tops  map[string]os.FileMode
	dirs  map[string]bool // directories made (or planned) in the new root
	bound map[string]bool // where a bind or a recreated link was put
	links map[string]bool // where a recreated link was put

	empty, srcHow, dstHow, dirHow uintptr // kept once, shared by the operations
	attrs                         map[uint64]uintptr
	detail                        string // the Info.Detail of the operations being added
}

func (r *rootPlanner) info(stage child.Stage, p string) child.Info {
	return child.Info{Stage: stage, Index: r.index, Path: p, Detail: r.detail}
}

func (r *rootPlanner) add(stage child.Stage, p string, nr uintptr, args ...uintptr) *child.Op {
	return r.seq.Add(r.info(stage, p), nr, args...)
}

// runSteps is where the steps every run needs of its own go (a fresh
// /proc, /tmp, /dev/shm and the id files), and how they name a path of
// the new root: the one list and rel while the root is assembled, or,
// with a template, the run's list and the path itself, as a run's init
// takes those steps inside its copy of the finished root.
func (r *rootPlanner) runSteps() (*child.Seq, func(string) string) {
	if r.run != nil {
		return r.run, path.Clean
	}
	return r.seq, rel
}

// addReg adds an operation whose first argument is a register.
func (r *rootPlanner) addReg(stage child.Stage, p string, nr uintptr, args ...uintptr) *child.Op {
	op := r.add(stage, p, nr, args...)
	op.Use = 1
	return op
}

// save makes op store its result (a descriptor) in register reg.
func save(op *child.Op, reg uint8) { op.Flags, op.Reg = child.FlagSave, reg }

// rel turns a sandbox path into the path of its mount point while the root
// is assembled (relative to the base's root, the working directory).
func rel(p string) string { return newRoot + "/" + inner(p) }

// inner is a sandbox path without its leading slash.
func inner(p string) string { return strings.TrimPrefix(path.Clean(p), "/") }

// host is the path of a host file while the root is assembled.
func host(p string) string { return strings.TrimSuffix(oldRoot[1:]+p, "/") }

// keepHow keeps an open_how for openat2: an O_PATH descriptor, found below
// the working directory (the base) without following any symbolic link.
// The paths it is used with are clean, so that is the file at that path of
// the host's root (below /oldroot) or of the new root (below newroot).
func (r *rootPlanner) keepHow(flags uint64) uintptr {
	how := &unix.OpenHow{Flags: flags | unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	return child.Keep(r.k, how)
}

// attr returns a kept mount_attr that sets set.
func (r *rootPlanner) attr(set uint64) uintptr {
	if a, ok := r.attrs[set]; ok {
		return a
	}
	a := child.Keep(r.k, &unix.MountAttr{Attr_set: set})
	r.attrs[set] = a
	return a
}

// mkdirParents creates the missing parents of dst, best effort: a parent that
// cannot be made shows up as the mount's own failure. Only for paths the
// planner made itself (no bound tree on the way).
func (r *rootPlanner) mkdirParents(dst string) {
	parts := strings.Split(inner(dst), "/")
	for i := 1; i < len(parts); i++ {
		r.mkdir("/" + strings.Join(parts[:i], "/"))
	}
}

// mkdir creates a directory of the new root once; an error (it exists in a
// bound tree, or cannot be made there) surfaces as the failure of what is
// mounted on it. Only for paths the planner made itself.
func (r *rootPlanner) mkdir(dst string) {
	if r.dirs[dst] {
		return
	}
	r.dirs[dst] = true
	r.add(child.StageMkdir, dst, unix.SYS_MKDIRAT, child.AtFDCWD, r.k.Str(rel(dst)), 0o755).Flags = child.FlagIgnore
}

// mountPoint creates dst as a directory or an empty file. Only for paths
// the planner made itself.
func (r *rootPlanner) mountPoint(dst string, dir bool) {
	r.mkdirParents(dst)
	if dir {
		r.mkdir(dst)
	} else {
		r.add(child.StageMknod, dst, unix.SYS_MKNODAT, child.AtFDCWD, r.k.Str(rel(dst)), unix.S_IFREG|0o644, 0).Flags = child.FlagIgnore
	}
}

// openDst makes dst (a directory, or an empty file) and its missing parents
// inside the new root and opens it into regDst. Every path is resolved
// with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS: a symbolic link on
// the way, say one an earlier run left in a writable bind, fails the run
// with ELOOP naming the path that holds it, instead of sending a directory
// or a mount anywhere else. For the caller's Bind and Tmpfs destinations,
// which can lie in bound trees.
func (r *rootPlanner) openDst(dst string, dir bool) {
	parts := strings.Split(inner(dst), "/")
	for i := 1; i <= len(parts); i++ {
		p := "/" + strings.Join(parts[:i], "/")
		last := i == len(parts)
		if r.dirs[p] {
			continue
		}
		// At the top, newroot is the planner's own; below, the parent
		// is opened first (mkdirat follows links but in the last component).
		parent, name, use := child.AtFDCWD, r.k.Str(rel(p)), uint8(0)
		if i > 1 {
			pp := path.Dir(p)
			save(r.add(child.StageMountPoint, pp, unix.SYS_OPENAT2, child.AtFDCWD, r.k.Str(rel(pp)), r.dirHow, unix.SizeofOpenHow), regDst)
			parent, name, use = regDst, r.k.Str(parts[i-1]), 1
		}
		if last && !dir {
			op := r.add(child.StageMountPoint, p, unix.SYS_MKNODAT, parent, name, unix.S_IFREG|0o644, 0)
			op.Flags, op.Use = child.FlagIgnore, use
			break
		}
		op := r.add(child.StageMountPoint, p, unix.SYS_MKDIRAT, parent, name, 0o755)
		op.Flags, op.Use = child.FlagIgnore, use
		r.dirs[p] = true
	}
	save(r.add(child.StageMountPoint, dst, unix.SYS_OPENAT2, child.AtFDCWD, r.k.Str(rel(dst)), r.dstHow, unix.SizeofOpenHow), regDst)
}

// setattr changes the flags of the mount at target (relative or absolute).
// Only for paths the planner made itself.
func (r *rootPlanner) setattr(target string, set uint64, recursive bool) *child.Op {
	return r.setattrIn(r.seq, target, set, recursive)
}

// setattrIn is setattr adding to seq.
func (r *rootPlanner) setattrIn(seq *child.Seq, target string, set uint64, recursive bool) *child.Op {
	flags := uintptr(0)
	if recursive {
		flags = unix.AT_RECURSIVE
	}
	return seq.Add(r.info(child.StageMountSetattr, sandboxPath(target)), unix.SYS_MOUNT_SETATTR, child.AtFDCWD, r.k.Str(target), flags,
		r.attr(set), unsafe.Sizeof(unix.MountAttr{}))
}

// sandboxPath is the sandbox path of target, a path of the new root while
// it is assembled (rel) or already one, for an error to name.
func sandboxPath(target string) string {
	if rest, ok := strings.CutPrefix(target, newRoot+"/"); ok {
		return "/" + rest
	}
	return target
}

// bindChecked plans a bind of the host file h, which the parent resolved
// and checked, at dst with the mount flags set. The child opens h.path
// again below /oldroot refusing every symbolic link, checks that it is the
// same file (device and inode: child.NrSameFile), makes a detached copy of
// it (open_tree), sets its flags and moves it onto dst: it mounts the file
// that was checked, never a path. user says dst is the caller's: unless
// the planner made every directory on its way (ownedDst), it is resolved
// inside the new root without following links (openDst).
//
// A file only root can have changed since the parent's check (h.rootOnly:
// the system directories, /etc, /dev, root's own trees) is bound by its
// path: nobody else can make that path name another file.
func (r *rootPlanner) bindChecked(h *hostFile, dst string, set uint64, user bool) {
	r.detail = bindDetail(h.path, dst, set)
	defer func() { r.detail = "" }()
	owned := !user || r.ownedDst(dst)
	r.bound[dst] = true
	if owned {
		r.mountPoint(dst, h.isDir())
	}
	if h.rootOnly && owned {
		r.add(child.StageMount, dst, unix.SYS_MOUNT, r.k.Str(host(h.path)), r.k.Str(rel(dst)), 0, unix.MS_BIND|unix.MS_REC, 0)
		if set != 0 {
			r.setattr(rel(dst), set, true)
		}
		return
	}
	const clone = unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_RECURSIVE
	if h.rootOnly {
		save(r.add(child.StageBindSource, h.path, unix.SYS_OPEN_TREE, child.AtFDCWD, r.k.Str(host(h.path)), clone|unix.AT_SYMLINK_NOFOLLOW), regTree)
	} else {
		save(r.add(child.StageBindSource, h.path, unix.SYS_OPENAT2, child.AtFDCWD, r.k.Str(host(h.path)), r.srcHow, unix.SizeofOpenHow), regSrc)
		r.add(child.StageBindSource, h.path, child.NrSameFile, regSrc, uintptr(h.st.Dev), uintptr(h.st.Ino))
		save(r.addReg(child.StageMount, dst, unix.SYS_OPEN_TREE, regSrc, r.empty, clone|unix.AT_EMPTY_PATH), regTree)
	}
	if set != 0 {
		r.addReg(child.StageMountSetattr, dst, unix.SYS_MOUNT_SETATTR, regTree, r.empty, unix.AT_EMPTY_PATH|unix.AT_RECURSIVE,
			r.attr(set), unsafe.Sizeof(unix.MountAttr{}))
	}
	if owned {
		r.addReg(child.StageMount, dst, unix.SYS_MOVE_MOUNT, regTree, r.empty, child.AtFDCWD, r.k.Str(rel(dst)), unix.MOVE_MOUNT_F_EMPTY_PATH)
		return
	}
	r.openDst(dst, h.isDir())
	r.add(child.StageMount, dst, unix.SYS_MOVE_MOUNT, regTree, r.empty, regDst, r.empty,
		unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH).Use = 1 | 1<<2
}

// ownedDst says whether every directory on the way to dst is one the
// planner made in a tmpfs of the new root, so that no link can be on the
// way: none is bound from the host or a recreated link, and dst is not a
// recreated link either.
func (r *rootPlanner) ownedDst(dst string) bool {
	if r.links[dst] {
		return false
	}
	for p := path.Dir(dst); p != "/"; p = path.Dir(p) {
		if r.bound[p] {
			return false
		}
	}
	return true
}

// bindFlags are the flags of a Bind or BindWritable mount.
// bindDetail names a bind in its errors: source, destination and flags
// (the mount attributes set on the recursive bind).
func bindDetail(src, dst string, set uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "bind %q on %q (recursive", src, dst)
	for _, a := range mountAttrNames {
		if set&a.attr != 0 {
			b.WriteString(", ")
			b.WriteString(a.name)
			set &^= a.attr
		}
	}
	if set != 0 {
		fmt.Fprintf(&b, ", %#x", set)
	}
	b.WriteString(")")
	return b.String()
}

// mountAttrNames are the MOUNT_ATTR_* flags of mount_setattr(2) by the
// names mount(8) gives them.
var mountAttrNames = []struct {
	attr uint64
	name string
}{
	{unix.MOUNT_ATTR_RDONLY, "ro"},
	{unix.MOUNT_ATTR_NOSUID, "nosuid"},
	{unix.MOUNT_ATTR_NODEV, "nodev"},
	{unix.MOUNT_ATTR_NOEXEC, "noexec"},
	{unix.MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow"},
}

func bindFlags(writable bool) uint64 {
	set := uint64(unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV)
	if !writable {
		set |= unix.MOUNT_ATTR_RDONLY
	}
	return set
}

// tmpfs mounts a tmpfs at dst, a path the planner made.
func (r *rootPlanner) tmpfs(dst string, size int64, mode os.FileMode, flags uintptr) {
	r.mountPoint(dst, true)
	r.add(child.StageMount, dst, unix.SYS_MOUNT, r.k.Str("tmpfs"), r.k.Str(rel(dst)), r.k.Str("tmpfs"), flags, r.tmpfsData(size, mode))
}

// runTmpfs mounts a fresh tmpfs at dst, a path the planner made, in each
// run (runSteps).
func (r *rootPlanner) runTmpfs(dst string, size int64, mode os.FileMode, flags uintptr) {
	r.mountPoint(dst, true)
	seq, at := r.runSteps()
	seq.Add(r.info(child.StageMount, dst), unix.SYS_MOUNT, r.k.Str("tmpfs"), r.k.Str(at(dst)), r.k.Str("tmpfs"), flags, r.tmpfsData(size, mode))
}

// userTmpfs mounts a tmpfs at the caller's dst. Unless the planner made
// the way to it, on the directory openDst opened (made the working
// directory for the mount), not on a path.
func (r *rootPlanner) userTmpfs(dst string, size int64) {
	if r.ownedDst(dst) {
		r.tmpfs(dst, size, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
		return
	}
	r.openDst(dst, true)
	r.addReg(child.StageMount, dst, unix.SYS_FCHDIR, regDst)
	r.add(child.StageMount, dst, unix.SYS_MOUNT, r.k.Str("tmpfs"), r.k.Str("."), r.k.Str("tmpfs"),
		unix.MS_NOSUID|unix.MS_NODEV, r.tmpfsData(size, os.ModeSticky|0o777))
	r.add(child.StageChdir, "/", unix.SYS_CHDIR, r.k.Str("/"))
}

func (r *rootPlanner) tmpfsData(size int64, mode os.FileMode) uintptr {
	return r.k.Str(fmt.Sprintf("size=%d,mode=%o", size, mode&fs.ModePerm|modeSticky(mode)))
}

func modeSticky(m os.FileMode) os.FileMode {
	if m&os.ModeSticky != 0 {
		return 0o1000
	}
	return 0
}

func (r *rootPlanner) symlink(target, dst string) {
	r.bound[dst], r.links[dst] = true, true
	r.mkdirParents(dst)
	r.add(child.StageSymlink, dst, unix.SYS_SYMLINKAT, r.k.Str(target), child.AtFDCWD, r.k.Str(rel(dst)))
}

// writeFile creates a small generated file in the new root.
func (r *rootPlanner) writeFile(dst string, content string) {
	r.mkdirParents(dst)
	op := r.add(child.StageOpen, dst, unix.SYS_OPENAT, child.AtFDCWD, r.k.Str(rel(dst)),
		unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
	op.Flags, op.Reg = child.FlagSave, 0
	op = r.add(child.StageWrite, dst, unix.SYS_WRITE, 0, r.k.Str(content), uintptr(len(content)))
	op.Use, op.Flags, op.Expect = 1, child.FlagExpect, uintptr(len(content))
	op = r.add(child.StageClose, dst, unix.SYS_CLOSE, 0)
	op.Use = 1
}

// planRoot plans the whole root filesystem and the pivot into it.
func (c *config) planRoot(r *rootPlanner) error {
	r.tops, r.dirs, r.attrs = map[string]os.FileMode{}, map[string]bool{}, map[uint64]uintptr{}
	r.bound, r.links = map[string]bool{}, map[string]bool{}
	r.empty = r.k.Str("")
	r.srcHow, r.dstHow, r.dirHow = r.keepHow(0), r.keepHow(0), r.keepHow(unix.O_DIRECTORY)
	r.add(child.StageMount, "/", unix.SYS_MOUNT, r.k.Str("none"), r.k.Str("/"), 0, unix.MS_REC|unix.MS_PRIVATE, 0)
	r.add(child.StageMount, stagingDir, unix.SYS_MOUNT, r.k.Str("sandbox-base"), r.k.Str(stagingDir), r.k.Str("tmpfs"),
		unix.MS_NOSUID|unix.MS_NODEV, r.k.Str("mode=0755,size=64k"))
	r.add(child.StageChdir, stagingDir, unix.SYS_CHDIR, r.k.Str(stagingDir))
	for _, d := range []string{newRoot, oldRoot[1:]} {
		r.add(child.StageMkdir, d, unix.SYS_MKDIRAT, child.AtFDCWD, r.k.Str(d), 0o755)
	}
	r.add(child.StageMount, "/", unix.SYS_MOUNT, r.k.Str("sandbox"), r.k.Str(newRoot), r.k.Str("tmpfs"),
		unix.MS_NOSUID|unix.MS_NODEV, r.k.Str("mode=0755,size=4m"))
	r.add(child.StagePivotRoot, stagingDir, unix.SYS_PIVOT_ROOT, r.k.Str("."), r.k.Str(oldRoot[1:]))

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
	if err := r.planDev(); err != nil {
		return err
	}
	if !c.hasMountAt("/tmp") {
		r.index = -1
		r.runTmpfs("/tmp", DefaultTmpSize, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
	}
	for i, m := range c.mounts {
		r.index = i
		if err := r.checkDst(m.dst); err != nil {
			return err
		}
		switch m.kind {
		case mountBind:
			if err := r.planBind(m); err != nil {
				return err
			}
		case mountTmpfs:
			r.userTmpfs(m.dst, m.size)
		}
	}
	r.index = -1
	r.add(child.StageChdir, "/", unix.SYS_CHDIR, r.k.Str(newRoot))
	r.add(child.StagePivotRoot, "/", unix.SYS_PIVOT_ROOT, r.k.Str("."), r.k.Str("."))
	// One lazy unmount detaches the base, now over the new root, and with
	// it everything below it: the host's root at /oldroot too. (Detaching
	// /oldroot on its own first cost time per run in the steps after it,
	// where the kernel releases what was detached, in runs interleaved
	// with runs of the single unmount.)
	r.add(child.StageUmount, "/", unix.SYS_UMOUNT2, r.k.Str("."), unix.MNT_DETACH)
	r.add(child.StageChdir, "/", unix.SYS_CHDIR, r.k.Str("/"))
	r.setattr("/", unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, false)
	r.runIDFiles()
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
// new root (the CVE-2021-30465 class). (openDst would refuse it too, in
// the child; this says why, before the fork.)
func (r *rootPlanner) checkDst(dst string) error {
	top := strings.SplitN(inner(dst), "/", 2)[0]
	if r.tops[top]&fs.ModeSymlink != 0 {
		return &SetupError{Stage: child.StageMountPoint.String(), Index: r.index, Path: dst,
			Err: errors.New("destination passes through a symbolic link of the root")}
	}
	return nil
}

// planBind plans one of the caller's binds. Its source is resolved and
// checked here (openHost); its descriptor is held as long as the plan, so
// the device and inode the child checks, and those each run compares the
// source's with (rootDeps.current), cannot be those of another file.
func (r *rootPlanner) planBind(m mountSpec) error {
	src, err := filepath.Abs(m.src)
	if err != nil {
		return &SetupError{Stage: child.StageBindSource.String(), Index: r.index, Path: m.src, Err: fmt.Errorf("bind on %q: %w", m.dst, err)}
	}
	h, err := openHost(src, true)
	if err != nil {
		return &SetupError{Stage: child.StageBindSource.String(), Index: r.index, Path: errPath(err, src), Err: fmt.Errorf("bind on %q: %w", m.dst, err)}
	}
	r.bindChecked(&h, m.dst, bindFlags(m.writable), true)
	// A replaced source (a judge's fresh build directory, a release
	// directory moved in, a link retargeted) needs a new plan: the plan
	// binds the physical path it resolved, or the file it checked, and a
	// template keeps what it bound. A root-only one too.
	r.deps.hold(h.fd)
	r.deps.binds = append(r.deps.binds, pathStamp{path: m.src, id: idOf(&h.st)})
	return nil
}

func (r *rootPlanner) planSystem(c *config) error {
	r.index = -1
	for _, d := range systemDirs {
		r.systemEntry(d)
	}
	r.mkdir("/etc")
	r.tops["etc"] = fs.ModeDir
	for _, m := range etcMatches() {
		r.systemEntry(m)
	}
	r.writeIDFile("/etc/passwd", regPasswd, regPasswdLen) // the run's ids: uidpool_linux.go
	r.writeIDFile("/etc/group", regGroup, regGroupLen)
	r.writeFile("/etc/hosts", fmt.Sprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost\n", c.hostname))
	return nil
}

// etcMatches returns the host's /etc paths that etcFiles name, in their
// order, a pattern's matches sorted as filepath.Glob gives them. A name
// without a wildcard is returned as it is (systemEntry skips a missing
// one); /etc is listed once, at the first pattern that needs it.
func etcMatches() []string {
	var out, names []string
	listed := false
	for _, pat := range etcFiles {
		if !strings.ContainsAny(pat, `*?[\`) {
			out = append(out, "/etc/"+pat)
			continue
		}
		if !listed {
			names, listed = dirNames("/etc"), true
		}
		for _, n := range names {
			if ok, _ := path.Match(pat, n); ok {
				out = append(out, "/etc/"+n)
			}
		}
	}
	return out
}

// dirNames returns dir's entries sorted, or none if it cannot be read.
func dirNames(dir string) []string {
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	slices.Sort(names)
	return names
}

// systemEntry recreates the host's system file p at the same place. A
// missing one is skipped. Only root can change these: the plan holds no
// descriptor of them, and the stamps of / and /etc tell a run to re-plan.
func (r *rootPlanner) systemEntry(p string) {
	h, err := openHost(p, false)
	if err != nil {
		return
	}
	r.hostEntry(&h, p)
	unix.Close(h.fd)
}

// hostEntry recreates one host entry: a symbolic link as a link, a
// directory or a regular file as a read-only bind of what was checked. It
// says whether it bound h; anything else is skipped.
func (r *rootPlanner) hostEntry(h *hostFile, dst string) bool {
	var mode os.FileMode
	bound := false
	switch h.mode() {
	case unix.S_IFLNK:
		mode = fs.ModeSymlink
		target, err := readLinkFD(h.fd)
		if err != nil {
			return false
		}
		r.symlink(target, dst)
	case unix.S_IFDIR:
		mode, bound = fs.ModeDir, true
	case unix.S_IFREG:
		bound = true
	default:
		return false
	}
	if !strings.Contains(inner(dst), "/") {
		r.tops[inner(dst)] = mode
	}
	if bound {
		r.bindChecked(h, dst, bindFlags(false), false)
	}
	return bound
}

// planChroot recreates the top-level entries of root. The directory is
// held (each run checks its entries' device and inode through it); each
// entry, unless root-only, is held for as long as the plan.
func (r *rootPlanner) planChroot(root string) error {
	r.index = -1
	dir, err := openChroot(root, func(dir, h *hostFile, name string) error {
		h.rootOnly = dir.rootOnly && rootOnlyDir(&dir.st)
		r.deps.entries = append(r.deps.entries, entryStamp{name: name, id: idOf(&h.st)})
		if r.hostEntry(h, "/"+name) && !h.rootOnly {
			r.deps.hold(h.fd) // checked by device and inode in the child
		} else {
			unix.Close(h.fd)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.deps.hold(dir.fd)
	r.deps.rootFD = dir.fd
	return nil
}

// openChroot resolves root, the Chroot directory, like a bind source,
// checks it is a directory, and calls fn with each of its top-level
// entries in name order but proc, dev and tmp (each backend makes its
// own): the entry opened O_PATH without following a link and its fstat(2)
// taken through that descriptor, which fn then owns. An entry gone since
// it was listed is skipped. The caller owns the directory's descriptor;
// on error it is closed.
func openChroot(root string, fn func(dir, entry *hostFile, name string) error) (hostFile, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return hostFile{}, chrootErr(root, err)
	}
	dir, err := openHost(abs, true)
	if err != nil {
		return hostFile{}, chrootErr(errPath(err, root), err)
	}
	if err := walkChroot(&dir, root, fn); err != nil {
		unix.Close(dir.fd)
		return hostFile{}, err
	}
	return dir, nil
}

// walkChroot is openChroot's walk of dir, the directory root named.
func walkChroot(dir *hostFile, root string, fn func(dir, entry *hostFile, name string) error) error {
	if !dir.isDir() {
		return chrootErr(root, unix.ENOTDIR)
	}
	names, err := readDirNames(dir.fd)
	if err != nil {
		return chrootErr(root, err)
	}
	for _, name := range names {
		switch name {
		case "proc", "dev", "tmp":
			continue
		}
		fd, err := unix.Openat(dir.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // gone since it was listed
		}
		h := hostFile{path: path.Join(dir.path, name), fd: fd}
		if err := unix.Fstat(fd, &h.st); err != nil {
			unix.Close(fd)
			return chrootErr(h.path, err)
		}
		if err := fn(dir, &h, name); err != nil {
			return err
		}
	}
	return nil
}

// chrootErr is the error of the Chroot directory or of one of its entries
// (p).
func chrootErr(p string, err error) error {
	return &SetupError{Stage: child.StageChroot.String(), Index: -1, Path: p, Err: err}
}

// readDirNames lists the directory open (O_PATH) as fd, sorted.
func readDirNames(fd int) ([]string, error) {
	d, err := unix.Openat(fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(d), ".")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}

func (r *rootPlanner) planProc() {
	r.index = -1
	r.mountPoint("/proc", true)
	seq, at := r.runSteps()
	// The command sees only the processes it could ptrace (Linux 5.8),
	// so not init, whose /proc files show the embedding process (init
	// shares or copies its memory: command line, memory figures).
	// hidepid=invisible would let any member of group 0 see them all.
	seq.Add(r.info(child.StageMount, "/proc"), unix.SYS_MOUNT, r.k.Str("proc"), r.k.Str(at("/proc")), r.k.Str("proc"),
		unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, r.k.Str("hidepid=ptraceable"))
	// Each mask is a read-only bind of the file on itself. Only a file
	// the kernel lacks (sysrq-trigger without CONFIG_MAGIC_SYSRQ) is
	// skipped: the bind fails with ENOENT, and so does mount_setattr on
	// its path. Any other failure fails the run, as a writable /proc/sys
	// gives uid 0 the owner's write on the kernel's knobs. (Had the bind
	// failed otherwise on a file there, mount_setattr would fail with
	// EINVAL: not a mount.)
	for _, name := range procReadOnly {
		p := at("/proc/" + name)
		seq.Add(r.info(child.StageMount, "/proc/"+name), unix.SYS_MOUNT, r.k.Str(p), r.k.Str(p), 0, unix.MS_BIND|unix.MS_REC, 0).Flags = child.FlagAbsent
		r.setattrIn(seq, p, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, true).Flags = child.FlagAbsent
	}
}

// planDev makes the sandbox's /dev: a tmpfs with binds of the host's
// devices, checked like any bind source (they must be character devices).
func (r *rootPlanner) planDev() error {
	r.index = -1
	r.tmpfs("/dev", 64<<10, 0o755, unix.MS_NOSUID|unix.MS_NOEXEC)
	for _, name := range devFiles {
		d := "/dev/" + name
		h, err := openHost(d, true)
		if err == nil && h.mode() != unix.S_IFCHR {
			unix.Close(h.fd)
			err = errors.New("not a character device")
		}
		if err != nil {
			return &SetupError{Stage: child.StageBindSource.String(), Index: -1, Path: errPath(err, d), Err: err}
		}
		r.bindChecked(&h, d, 0, false)
		unix.Close(h.fd)
	}
	for _, l := range devLinks {
		r.symlink(l[1], "/dev/"+l[0])
	}
	r.runTmpfs("/dev/shm", 64<<20, os.ModeSticky|0o777, unix.MS_NOSUID|unix.MS_NODEV)
	r.setattr(rel("/dev"), unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, false)
	return nil
}
