package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// An OCI bundle (config.json and a root directory) describes one GVisor
// run to runsc. It shows the command the same root as Native does
// (rootfs.go): runsc needs a directory as the root, so the fresh tmpfs of
// Native becomes a fresh "skeleton" directory in the run's own directory,
// holding the mount points, the recreated top-level symbolic links and the
// generated /etc files, and every host entry Native binds is a bind mount
// of the spec. runsc mounts the skeleton read-only; /proc, /dev, /dev/shm
// and /tmp are the Sentry's own, never the host's.
//
// Everything is written fresh for each run into a directory only root can
// enter, so nothing in it can be a link planted by someone else.

// bundle is what a run's bundle directory holds.
type bundle struct {
	dir    string // the bundle: config.json, rootfs/
	rootfs string // the skeleton root
	tops   map[string]fs.FileMode
	spec   *specs.Spec
}

// writeBundle makes the bundle of cmd under c in the new directory dir.
// cgroupsPath is the run's cgroup as runsc must name it, or "".
func (c *config) writeBundle(dir string, cmd *command, cgroupsPath string) (*bundle, error) {
	b := &bundle{dir: dir, rootfs: filepath.Join(dir, "rootfs"), tops: map[string]fs.FileMode{}}
	for _, d := range []string{dir, b.rootfs} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, &SetupError{Stage: "gvisor bundle", Index: -1, Path: d, Err: err}
		}
	}
	cwd := cmd.dir
	if cwd == "" {
		cwd = "/"
	}
	b.spec = &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: b.rootfs, Readonly: true},
		Hostname: c.hostname,
		Process: &specs.Process{
			User: specs.User{UID: uint32(c.uid), GID: uint32(c.gid)},
			Args: cmd.argv,
			Env:  cmd.env,
			Cwd:  cwd,
			// Every set empty: no capability at all.
			Capabilities:    &specs.LinuxCapabilities{},
			Rlimits:         ociRlimits(c.gvisorRlimits()),
			NoNewPrivileges: true,
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			CgroupsPath: cgroupsPath,
		},
	}
	var err error
	if c.root != "" {
		err = b.chrootEntries(c.root)
	} else {
		err = b.systemEntries(c)
	}
	if err != nil {
		return nil, err
	}
	b.sandboxMounts(c)
	for i, m := range c.mounts {
		if err := b.callerMount(i, m); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(b.spec)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600)
	}
	if err != nil {
		return nil, &SetupError{Stage: "gvisor bundle", Index: -1, Path: dir, Err: err}
	}
	return b, nil
}

// rlimitNames are the names the OCI spec gives the resources of
// getrlimit(2) (asm-generic/resource.h).
var rlimitNames = [...]string{
	unix.RLIMIT_CPU: "RLIMIT_CPU", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE", unix.RLIMIT_DATA: "RLIMIT_DATA",
	unix.RLIMIT_STACK: "RLIMIT_STACK", unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_RSS: "RLIMIT_RSS",
	unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_NOFILE: "RLIMIT_NOFILE", unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK",
	unix.RLIMIT_AS: "RLIMIT_AS", unix.RLIMIT_LOCKS: "RLIMIT_LOCKS", unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING",
	unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE", unix.RLIMIT_NICE: "RLIMIT_NICE", unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO",
	unix.RLIMIT_RTTIME: "RLIMIT_RTTIME",
}

// gvisorRlimits are the command's rlimits under GVisor: PidsLimit is the
// Sentry's RLIMIT_NPROC, which counts every task (process or thread) of
// the command's user, and the sandbox has no other user (the host cgroup's
// pids.max counts the Sentry's own threads too: see gvisorHostPids).
func (c *config) gvisorRlimits() []rlimitSpec {
	var rls []rlimitSpec
	if n := c.limits.pids; n > 0 {
		rls = append(rls, rlimitSpec{resource: unix.RLIMIT_NPROC, cur: uint64(n), max: uint64(n)})
	}
	return append(rls, c.rlimitsFor()...)
}

// ociRlimits turns the command's rlimits into the spec's, the last setting
// of a resource winning as it does in Native.
func ociRlimits(rls []rlimitSpec) []specs.POSIXRlimit {
	var out []specs.POSIXRlimit
	at := map[int]int{}
	for _, rl := range rls {
		if rl.resource < 0 || rl.resource >= len(rlimitNames) {
			continue // Rlimit refuses unknown resources
		}
		r := specs.POSIXRlimit{Type: rlimitNames[rl.resource], Soft: rl.cur, Hard: rl.max}
		if i, ok := at[rl.resource]; ok {
			out[i] = r
			continue
		}
		at[rl.resource] = len(out)
		out = append(out, r)
	}
	return out
}

// skel is the host path of a sandbox path in the skeleton.
func (b *bundle) skel(p string) string { return filepath.Join(b.rootfs, inner(p)) }

func (b *bundle) setupErr(index int, p string, err error) error {
	return &SetupError{Stage: "gvisor bundle", Index: index, Path: p, Err: err}
}

// mkdirAll makes dst and its parents in the skeleton.
func (b *bundle) mkdirAll(dst string) error {
	if err := os.MkdirAll(b.skel(dst), 0o755); err != nil {
		return b.setupErr(-1, dst, err)
	}
	return nil
}

// mountPoint makes dst in the skeleton, as a directory or an empty file,
// unless it lies below a host entry bound at the top level: that one
// belongs to the host, and runsc makes (or fails to make) it there, as
// Native's mount does.
func (b *bundle) mountPoint(dst string, dir bool) error {
	top, _, nested := strings.Cut(inner(dst), "/")
	if mode, ok := b.tops[top]; ok && nested && mode&fs.ModeSymlink == 0 && mode.IsDir() && b.boundTop(top) {
		return nil
	}
	if dir {
		return b.mkdirAll(dst)
	}
	if err := b.mkdirAll(path.Dir(dst)); err != nil {
		return err
	}
	f, err := os.OpenFile(b.skel(dst), os.O_CREATE|os.O_WRONLY|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return b.setupErr(-1, dst, err)
	}
	return f.Close()
}

// boundTop says whether the top-level entry top is a bind of a host
// directory (rather than a directory of the skeleton, such as /etc).
func (b *bundle) boundTop(top string) bool {
	for _, m := range b.spec.Mounts {
		if m.Destination == "/"+top && m.Type == "bind" {
			return true
		}
	}
	return false
}

func (b *bundle) bind(src, dst string, writable bool) {
	opts := []string{"rbind", "ro", "nosuid", "nodev"}
	if writable {
		opts[1] = "rw"
	}
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: opts})
}

func (b *bundle) tmpfs(dst string, size int64, mode fs.FileMode, opts ...string) {
	opts = append(opts, "size="+strconv.FormatInt(size, 10), fmt.Sprintf("mode=%o", mode&fs.ModePerm|modeSticky(mode)))
	b.spec.Mounts = append(b.spec.Mounts, specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: opts})
}

// hostEntry recreates one host entry at dst, resolved and checked as
// Native does (openHost): a symbolic link as a link, a directory or a
// regular file as a read-only bind of its physical path; anything else is
// skipped.
func (b *bundle) hostEntry(h *hostFile, dst string) error {
	var mode fs.FileMode
	switch h.mode() {
	case unix.S_IFLNK:
		mode = fs.ModeSymlink
	case unix.S_IFDIR:
		mode = fs.ModeDir
	case unix.S_IFREG:
	default:
		return nil
	}
	if !strings.Contains(inner(dst), "/") {
		b.tops[inner(dst)] = mode
	}
	if mode == fs.ModeSymlink {
		target, err := readLinkFD(h.fd)
		if err != nil {
			return nil
		}
		if err := b.mkdirAll(path.Dir(dst)); err != nil {
			return err
		}
		if err := os.Symlink(target, b.skel(dst)); err != nil {
			return b.setupErr(-1, dst, err)
		}
		return nil
	}
	if err := b.mountPoint(dst, h.isDir()); err != nil {
		return err
	}
	b.bind(h.path, dst, false)
	return nil
}

// systemEntry recreates the host's system file p at the same place; a
// missing one is skipped.
func (b *bundle) systemEntry(p string) error {
	h, err := openHost(p, false)
	if err != nil {
		return nil
	}
	defer unix.Close(h.fd)
	return b.hostEntry(&h, p)
}

// systemEntries is the default root: the host's system directories and
// /etc files, and the generated /etc files.
func (b *bundle) systemEntries(c *config) error {
	for _, d := range systemDirs {
		if err := b.systemEntry(d); err != nil {
			return err
		}
	}
	if err := b.mkdirAll("/etc"); err != nil {
		return err
	}
	b.tops["etc"] = fs.ModeDir
	for _, pat := range etcFiles {
		matches, _ := filepath.Glob("/etc/" + pat)
		for _, m := range matches {
			if err := b.systemEntry(m); err != nil {
				return err
			}
		}
	}
	for name, content := range map[string]string{
		"passwd": fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\nsandbox:x:%d:%d:sandbox:/tmp:/bin/sh\n", c.uid, c.gid),
		"group":  fmt.Sprintf("root:x:0:\nsandbox:x:%d:\n", c.gid),
		"hosts":  fmt.Sprintf("127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost\n", c.hostname),
	} {
		if err := os.WriteFile(b.skel("/etc/"+name), []byte(content), 0o644); err != nil {
			return b.setupErr(-1, "/etc/"+name, err)
		}
	}
	return nil
}

// chrootEntries binds the top-level entries of root, as Native does: root
// itself is never given to runsc, so it is never modified. The directory
// is resolved like a bind source, its entries opened without following a
// link (openChroot).
func (b *bundle) chrootEntries(root string) error {
	dir, err := openChroot(root, func(_, h *hostFile, name string) error {
		defer unix.Close(h.fd)
		return b.hostEntry(h, "/"+name)
	})
	if err != nil {
		return err
	}
	unix.Close(dir.fd)
	return nil
}

// sandboxMounts are the Sentry's own /proc, /dev (runsc fills a tmpfs at
// /dev with its devices), /dev/shm and /tmp.
func (b *bundle) sandboxMounts(c *config) {
	for _, d := range []string{"/proc", "/dev", "/tmp"} {
		b.mkdirAll(d)
		b.tops[inner(d)] = fs.ModeDir
	}
	b.spec.Mounts = append(b.spec.Mounts,
		specs.Mount{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "nodev", "noexec"}})
	b.tmpfs("/dev", 64<<10, 0o755, "nosuid", "noexec")
	b.tmpfs("/dev/shm", 64<<20, fs.ModeSticky|0o777, "nosuid", "nodev")
	if !c.hasMountAt("/tmp") {
		b.tmpfs("/tmp", DefaultTmpSize, fs.ModeSticky|0o777, "nosuid", "nodev")
	}
}

// callerMount adds Bind, BindWritable and Tmpfs mount i.
func (b *bundle) callerMount(i int, m mountSpec) error {
	top, _, _ := strings.Cut(inner(m.dst), "/")
	if b.tops[top]&fs.ModeSymlink != 0 {
		return &SetupError{Stage: "mount point", Index: i, Path: m.dst,
			Err: errors.New("destination passes through a symbolic link of the root")}
	}
	if m.kind == mountTmpfs {
		if err := b.mountPoint(m.dst, true); err != nil {
			return err
		}
		b.tmpfs(m.dst, m.size, fs.ModeSticky|0o777, "nosuid", "nodev")
		return nil
	}
	src, err := filepath.Abs(m.src)
	if err != nil {
		return &SetupError{Stage: "bind source", Index: i, Path: m.src, Err: err}
	}
	h, err := openHost(src, true)
	if err != nil {
		return &SetupError{Stage: "bind source", Index: i, Path: errPath(err, src), Err: err}
	}
	unix.Close(h.fd)
	if err := b.mountPoint(m.dst, h.isDir()); err != nil {
		return err
	}
	src = h.path
	b.bind(src, m.dst, m.writable)
	return nil
}
