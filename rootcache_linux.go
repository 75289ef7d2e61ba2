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
	tmpl   int           // the template's mount namespace, or -1 (roottemplate_linux.go); held with the plan
	deps   *rootDeps
	held   *heldFDs // the plan's descriptors: closed with it, or by a cleanup
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

// rootFor returns the planned root filesystem for this configuration: the
// steps each run takes, and, when the root is built as a template, a
// duplicate of the template's descriptor for the run (-1 otherwise), which
// the caller closes once init has its copy.
func (c *config) rootFor(userns bool) (*child.Shared, int, error) {
	key := rootKey{root: c.root, hostname: c.hostname, euid: os.Geteuid(), userns: userns, mounts: c.mounts}
	rc := c.roots
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.shared == nil || !rc.key.equal(&key) || !rc.deps.current() {
		if err := rc.plan(c, key, userns); err != nil {
			return nil, -1, err
		}
	}
	if rc.tmpl < 0 {
		return rc.shared, -1, nil
	}
	fd, err := unix.FcntlInt(uintptr(rc.tmpl), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, -1, setupErr(child.StageEnterRoot, err)
	}
	return rc.shared, fd, nil
}

// plan plans the root anew, and builds its template if it has one.
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
	var tmpl *child.Shared
	if c.canTemplate(userns) {
		// The assembly goes to the template; the run's steps to sh,
		// whose keeper keeps what both point to.
		tmpl = &child.Shared{}
		r.seq, r.run = &tmpl.Seq, &sh.Seq
	}
	closeDeps := func() {
		for _, fd := range deps.fds {
			unix.Close(fd)
		}
	}
	if err := c.planRoot(r); err != nil {
		closeDeps()
		return err
	}
	tfd := -1
	if tmpl != nil {
		var err error
		t0 := time.Now()
		if tfd, err = buildTemplate(tmpl); err != nil {
			closeDeps()
			return err
		}
		deps.hold(tfd)
		c.logger.Debug("root template built", zap.Int("steps", len(tmpl.Ops)), zap.Int("each run's steps", len(sh.Ops)), zap.Duration("took", time.Since(t0)))
	}
	if rc.held == nil {
		rc.held = &heldFDs{}
		runtime.AddCleanup(rc, (*heldFDs).closeAll, rc.held)
	}
	rc.held.set(deps.fds)
	key.mounts = slices.Clone(c.mounts)
	rc.key, rc.shared, rc.deps, rc.tmpl = key, sh, deps, tfd
	return nil
}

// drop forgets the plan and closes its descriptors. Runs still using it
// need none of them: the child opens every file again.
func (rc *rootCache) drop() {
	rc.shared, rc.deps, rc.tmpl = nil, nil, -1
	if rc.held != nil {
		rc.held.set(nil)
	}
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
	if rc.shared == sh {
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
