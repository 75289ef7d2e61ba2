package sandbox

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// A root template: when the sandbox runs as root without a user namespace,
// the root filesystem is assembled once, in a mount namespace of its own
// that no process stays in (the template), and each run's init copies it:
// it joins the template (setns) and unshares a new mount namespace, which
// copies every mount of the template and nothing of the host's. It then
// mounts only what must be its own: a fresh /proc (of its PID namespace)
// with its read-only masks, /tmp, /dev/shm and the id files naming the
// run's uid. That takes about half the time of assembling the root per run.
//
// A copy shares the template's file systems, so nothing of the template
// may be writable: its base tmpfs (the root, /etc's generated files) and
// /dev are mounted read-only, every host file is a read-only bind unless
// the caller made it writable (BindWritable, whose writes are the
// caller's to share), and the command, which has no capability, cannot
// change a mount's flags. A run's writes go only to its own mounts, and a
// run's mounts never reach the template: mount events do not propagate
// between the template and its copies (every mount is private).
//
// The template is built at the plan's second run (the first, which may be
// a one-shot's only one, takes the template's steps itself, in a mount
// namespace of its own, and then its own steps), by a child that runs the
// template's steps and parks; the parent opens its mount namespace and lets
// it exit. The descriptor is held with the plan (rootCache) and closed with
// it; each run gets a duplicate, which its init closes after the setns.
// The checks that bind the files the parent checked (bindChecked) run
// when the template is built; what keeps a template current is the plan's:
// every run stats what the plan was made from, and a change re-plans.

// canTemplate says whether c's root is built as a template: as root
// without a user namespace (the template's mounts belong to the host's
// user namespace; a run in a user namespace of its own could not join it),
// and unless a caller's mount must be made per run or lands under what
// each run makes: a Tmpfs, or anything at or under /tmp, /dev, /proc or
// /etc; or lands inside a bound tree (inBoundTree).
func (c *config) canTemplate(userns bool) bool {
	if c.perRunRoot || userns || os.Geteuid() != 0 {
		return false
	}
	for _, m := range c.mounts {
		if m.kind != mountBind {
			return false
		}
		switch strings.SplitN(inner(m.dst), "/", 2)[0] {
		case "tmp", "dev", "proc", "etc":
			return false
		}
		if c.inBoundTree(m.dst) {
			return false
		}
	}
	return true
}

// inBoundTree says whether dst lies beneath another of c's mounts or
// beneath a top-level directory the root binds (a Chroot entry, a system
// directory): then a template's mount at dst would sit on a directory of
// a bound tree, which a run (in a BindWritable tree) or anyone who can
// write the tree on the host can rename, or remove, from under it. The
// mount moves with the directory, or is dropped with it, and every later
// copy of the template would have, at dst, what the renamer put there. A
// run that assembles its root resolves dst anew (openDst). The planner's
// own directories, in the root's tmpfs, nobody can rename.
func (c *config) inBoundTree(dst string) bool {
	d := inner(dst)
	top, _, nested := strings.Cut(d, "/")
	if nested && (c.root != "" || slices.Contains(systemDirs, "/"+top)) {
		return true
	}
	for _, m := range c.mounts {
		if strings.HasPrefix(d, inner(m.dst)+"/") {
			return true
		}
	}
	return false
}

// idFile is a generated file whose content is the run's (writeIDFile).
type idFile struct {
	dst    string
	ptr, n uint8 // registers: address and length of the content
}

// runIDFiles adds, with a template, the steps that give a run its id
// files: each is written to a new file of the run's fresh /dev/shm, bound
// read-only over the template's empty file at its place, and unlinked,
// so that the file is reachable only through the bind.
func (r *rootPlanner) runIDFiles() {
	for _, f := range r.ids {
		src := "/dev/shm/.sandbox-" + strings.TrimPrefix(f.dst, "/etc/")
		info := r.info(child.StageOpen, f.dst)
		op := r.run.Add(info, unix.SYS_OPENAT, child.AtFDCWD, r.k.Str(src),
			unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		op.Flags, op.Reg = child.FlagSave, 0
		info.Stage = child.StageWrite
		op = r.run.Add(info, unix.SYS_WRITE, 0, uintptr(f.ptr), uintptr(f.n))
		op.Use, op.Flags, op.Expect = 1|1<<1|1<<2|child.UseExpect, child.FlagExpect, uintptr(f.n)
		info.Stage = child.StageClose
		r.run.Add(info, unix.SYS_CLOSE, 0).Use = 1
		info.Stage = child.StageMount
		r.run.Add(info, unix.SYS_MOUNT, r.k.Str(src), r.k.Str(f.dst), 0, unix.MS_BIND, 0)
		r.setattrIn(r.run, f.dst, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, false)
		r.run.Add(info, unix.SYS_UNLINKAT, child.AtFDCWD, r.k.Str(src), 0)
	}
}

// planEnterRoot adds init's steps that put it in a copy of the template
// tmpl (a descriptor of the run's): join it, close it, unshare a copy.
// init was cloned without CLONE_NEWNS, so no copy of the host's mount
// table is made.
func planEnterRoot(seq *child.Seq, tmpl int) {
	in := info(child.StageEnterRoot)
	seq.Add(in, unix.SYS_SETNS, uintptr(tmpl), unix.CLONE_NEWNS)
	seq.Add(in, unix.SYS_CLOSE, uintptr(tmpl))
	seq.Add(in, unix.SYS_UNSHARE, unix.CLONE_NEWNS)
}

// buildTemplate runs the template's steps sh in a child of their own, in a
// new mount namespace, and returns a descriptor of that namespace. On
// failure the error is the step's, as a run would report it.
func buildTemplate(sh *child.Shared) (fd int, err error) {
	var report, sync [2]int
	if err := unix.Pipe2(report[:], unix.O_CLOEXEC); err != nil {
		return -1, setupErr(child.StagePipe, err)
	}
	rf := os.NewFile(uintptr(report[0]), "sandbox-template-report")
	defer rf.Close()
	if err := unix.Pipe2(sync[:], unix.O_CLOEXEC); err != nil {
		unix.Close(report[1])
		return -1, setupErr(child.StagePipe, err)
	}
	pl := child.NewPlan()
	pl.CloneFlags = unix.CLONE_NEWNS
	pl.ReportW = report[1]
	pl.Root = sh
	pl.Park = true
	gapsClose(&pl.Init, []int{report[1], sync[0]})
	planPdeathsig(&pl.Init)
	pl.Init.Add(info(child.StageUmask), unix.SYS_UMASK, 0) // as in a run: modes as planned
	ready := &child.Msg{Kind: child.MsgStarted}
	op := pl.InitPost.Add(info(child.StageInit), unix.SYS_WRITE, uintptr(report[1]), child.Keep(&pl.Keeper, ready), unsafe.Sizeof(*ready))
	op.Flags, op.Expect = child.FlagExpect, unsafe.Sizeof(*ready)
	// Parked until the parent closes its end of the sync pipe.
	pl.InitPost.Add(info(child.StageSync), unix.SYS_READ, uintptr(sync[0]), pl.Bytes(make([]byte, 1)), 1).Flags = child.FlagIgnore

	pid, pidfd, err := child.Start(pl)
	unix.Close(report[1])
	unix.Close(sync[0])
	if err != nil {
		unix.Close(sync[1])
		return -1, setupErr(child.StageClone, err)
	}
	defer func() {
		unix.Close(sync[1]) // the child exits
		reap(pid)
		unix.Close(pidfd)
		pl.Release()
	}()
	var m child.Msg
	if !readMsg(rf, &m) {
		return -1, setupErr(child.StageInit, errors.New("the root's template process ended before it was ready"))
	}
	if m.Kind == child.MsgError {
		in := pl.Describe(m.List, m.Index)
		se := &SetupError{Stage: in.Stage.String(), Index: in.Index, Path: in.Path, Err: detailErr(in.Detail, unix.Errno(m.Errno))}
		if m.List == child.ListRoot && int(m.Index) < len(sh.Ops) {
			explainOp(&sh.Ops[m.Index], se)
		}
		return -1, se
	}
	// The child is ours and not reaped: its PID names it.
	fd, err = unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/mnt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, setupErr(child.StageEnterRoot, err)
	}
	return fd, nil
}
