package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// rootCache keeps the planned root filesystem of a Sandbox: the mount
// operations, with every path and struct they point to, are the same for
// each run of one configuration, so they are planned once and shared
// read-only by the runs.
//
// A plan is keyed on the configuration and on what it mounts (rootDeps):
// the device and inode of each bind source and of each Chroot entry, and
// the state of the directories whose listing it used. Every run checks
// them and re-plans when one changed. That keeps a plan current; it is not
// what keeps a swapped file out: the child mounts only a file it found
// without following a link and whose device and inode are those the
// parent checked (bindChecked), so a swap after the check fails the run,
// whose error drops the plan (failed).
type rootCache struct {
	mu     sync.Mutex
	key    rootKey
	shared *child.Shared // the steps of each run
	build  *child.Shared // the template's steps (roottemplate_linux.go), or nil
	tmpl   int           // the template's mount namespace once built, or -1; held with the plan
	// assembled: the plan's first run, which takes the template's steps
	// itself, was given; the next one builds the template.
	assembled bool
	// noTemplate: a run could not enter a copy of the template (a
	// container's seccomp filter may refuse setns): from then on each run
	// assembles its root itself.
	noTemplate bool
	deps       *rootDeps
	held       *heldFDs // the plan's descriptors: closed with it, or by a cleanup
}

// rootKey is the part of the configuration a planned root depends on.
type rootKey struct {
	root     string
	hostname string
	euid     int // whose symbolic links are followed
	userns   bool
	mounts   []mountSpec
}

func (k *rootKey) equal(o *rootKey) bool {
	return k.root == o.root && k.hostname == o.hostname &&
		k.euid == o.euid && k.userns == o.userns && slices.Equal(k.mounts, o.mounts)
}

// fileID identifies a file.
type fileID struct{ dev, ino uint64 }

func idOf(st *unix.Stat_t) fileID { return fileID{dev: uint64(st.Dev), ino: st.Ino} }

// pathStamp is the identity of a path's file (following links), and for a
// directory whose listing was used, its modification time.
type pathStamp struct {
	path  string
	id    fileID
	mtime unix.Timespec
}

// entryStamp is the identity of a Chroot entry (not following a link).
type entryStamp struct {
	name string
	id   fileID
}

// rootDeps is what a planned root was made from.
type rootDeps struct {
	dirs    []pathStamp  // "/" and "/etc", or the Chroot directory
	binds   []pathStamp  // the bind sources, as the caller gave them
	entries []entryStamp // the Chroot directory's entries
	rootFD  int          // the Chroot directory, or -1
	fds     []int        // descriptors held while the plan lives
}

func (d *rootDeps) hold(fd int) { d.fds = append(d.fds, fd) }

func (d *rootDeps) stampDir(p string) {
	var st unix.Stat_t
	if unix.Stat(p, &st) == nil {
		d.dirs = append(d.dirs, pathStamp{path: p, id: idOf(&st), mtime: st.Mtim})
	}
}

// current says whether nothing the plan was made from changed: a few
// stat(2) calls per run.
func (d *rootDeps) current() bool {
	var st unix.Stat_t
	for _, s := range d.dirs {
		if unix.Stat(s.path, &st) != nil || idOf(&st) != s.id || st.Mtim != s.mtime {
			return false
		}
	}
	for _, s := range d.binds {
		if unix.Stat(s.path, &st) != nil || idOf(&st) != s.id {
			return false
		}
	}
	for _, e := range d.entries {
		if unix.Fstatat(d.rootFD, e.name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || idOf(&st) != e.id {
			return false
		}
	}
	return true
}

// heldFDs are the descriptors a plan holds.
type heldFDs struct {
	mu  sync.Mutex
	fds []int
}

// set closes the descriptors held and holds fds instead.
func (h *heldFDs) set(fds []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, fd := range h.fds {
		unix.Close(fd)
	}
	h.fds = fds
}

func (h *heldFDs) closeAll() { h.set(nil) }

// add holds one more descriptor.
func (h *heldFDs) add(fd int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fds = append(h.fds, fd)
}

// runRoot is how one run gets its root.
type runRoot struct {
	assemble *child.Shared // the template's steps, for a run that takes them itself, or nil
	steps    *child.Shared // the run's steps
	tmpl     int           // a duplicate of the template's descriptor, for the run's init to copy, or -1
}

// rootFor returns the planned root filesystem for this configuration.
// With a template, the plan's first run assembles the root itself (a
// template would cost a one-shot run a process more); from the second,
// each copies the template, built then. The caller closes rr.tmpl once
// init has its copy.
func (c *config) rootFor(userns bool) (rr runRoot, err error) {
	key := rootKey{root: c.root, hostname: c.hostname, euid: os.Geteuid(), userns: userns, mounts: c.mounts}
	rc := c.roots
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.shared == nil || !rc.key.equal(&key) || !rc.deps.current() {
		if err := rc.plan(c, key, userns); err != nil {
			return runRoot{tmpl: -1}, err
		}
	}
	rr = runRoot{steps: rc.shared, tmpl: -1}
	switch {
	case rc.build == nil:
		return rr, nil
	case rc.tmpl < 0 && !rc.assembled:
		rc.assembled = true
		rr.assemble = rc.build
		return rr, nil
	case rc.tmpl < 0:
		if err := rc.buildTemplate(c); err != nil {
			return runRoot{tmpl: -1}, err
		}
	}
	if rr.tmpl, err = unix.FcntlInt(uintptr(rc.tmpl), unix.F_DUPFD_CLOEXEC, 3); err != nil {
		return runRoot{tmpl: -1}, setupErr(child.StageEnterRoot, err)
	}
	return rr, nil
}

// buildTemplate builds the plan's template, whose descriptor the plan
// then holds. A failure drops the plan.
func (rc *rootCache) buildTemplate(c *config) error {
	t0 := time.Now()
	fd, err := buildTemplate(rc.build)
	if err != nil {
		rc.drop()
		return err
	}
	rc.tmpl = fd
	rc.held.add(fd)
	c.logger.Debug("root template built", zap.Int("steps", len(rc.build.Ops)), zap.Int("each run's steps", len(rc.shared.Ops)), zap.Duration("took", time.Since(t0)))
	return nil
}

// plan plans the root anew: with a template, its steps go to rc.build,
// and rootFor builds it at the plan's second run.
func (rc *rootCache) plan(c *config, key rootKey, userns bool) error {
	rc.drop()
	deps := &rootDeps{rootFD: -1}
	// Stamped before they are read: a change while planning shows next run.
	if c.root != "" {
		deps.stampDir(c.root)
	} else {
		deps.stampDir("/")
		deps.stampDir("/etc")
	}
	sh := &child.Shared{}
	r := &rootPlanner{k: &sh.Keeper, seq: &sh.Seq, deps: deps}
	var build *child.Shared
	if c.canTemplate(userns) && !rc.noTemplate {
		// The assembly goes to the template; the run's steps to sh,
		// whose keeper keeps what both point to.
		build = &child.Shared{}
		r.seq, r.run = &build.Seq, &sh.Seq
	}
	if err := c.planRoot(r); err != nil {
		for _, fd := range deps.fds {
			unix.Close(fd)
		}
		return err
	}
	if rc.held == nil {
		rc.held = &heldFDs{}
		runtime.AddCleanup(rc, (*heldFDs).closeAll, rc.held)
	}
	rc.held.set(deps.fds)
	key.mounts = slices.Clone(c.mounts)
	rc.key, rc.shared, rc.build, rc.deps = key, sh, build, deps
	return nil
}

// drop forgets the plan and closes its descriptors, the template's too.
// Runs still using it need none of them: the child opens every file again,
// and a run that copies the template has a duplicate of its own.
func (rc *rootCache) drop() {
	rc.shared, rc.build, rc.deps, rc.tmpl, rc.assembled = nil, nil, nil, -1, false
	if rc.held != nil {
		rc.held.set(nil)
	}
}

// templateFailed is told of a run that could not enter a copy of the
// template: the plan is dropped, and the next ones have no template.
func (rc *rootCache) templateFailed() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.noTemplate = true
	rc.drop()
}

// release drops the plan (Sandbox.Close).
func (rc *rootCache) release() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.drop()
}

// failed is told of a run whose root operation index of sh failed with
// err: what the plan was made from changed under it, so the plan is
// dropped, and err says how.
func (rc *rootCache) failed(sh *child.Shared, index int, err *SetupError) {
	if sh == nil {
		return
	}
	rc.mu.Lock()
	if rc.shared == sh || rc.build == sh {
		rc.drop()
	}
	rc.mu.Unlock()
	if index >= 0 && index < len(sh.Ops) {
		explainOp(&sh.Ops[index], err)
	}
}

// explainOp adds to err, the failure of the root's operation op, why it
// failed when that is what the plan was made from changing under it.
func explainOp(op *child.Op, err *SetupError) {
	var why string
	switch errno, _ := err.Err.(syscall.Errno); {
	case op.Nr == child.NrSameFile:
		why = "not the file that was checked: it was replaced since"
	case errno == unix.ELOOP && err.Stage == "bind source":
		why = "a symbolic link replaced a directory of it since it was checked"
	case errno == unix.ELOOP && err.Stage == "mount point":
		why = "a symbolic link is on the way, and a destination is never resolved through one"
	default:
		return
	}
	err.Err = fmt.Errorf("%s: %w", why, err.Err)
}
