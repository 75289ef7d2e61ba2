package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// landlockRun is one run of the Landlock backend: the descriptors its
// rules name, its private TMPDIR, and how its limits are enforced.
type landlockRun struct {
	attr    unix.LandlockRulesetAttr
	rules   []unix.LandlockPathBeneathAttr
	paths   []string        // of rules, for error messages
	fds     []int           // the rules' O_PATH descriptors, until the child has them
	filter  *unix.SockFprog // landlockPolicy
	tmpdir  string
	root    bool // the caller is root: the command takes RunAs's (or the default) ids
	polling bool // no cgroup: the limits are enforced by polling (see landlock_limits_linux.go)
	limits  limits
	peak    atomic.Int64 // polling: the largest VmHWM seen, bytes
}

// llReg is the register the command keeps its ruleset descriptor in.
const llReg = 3

// prepareLandlock opens what the run's rules name and makes its TMPDIR,
// which it adds to the command's environment.
func prepareLandlock(cfg *config, cmd *command) (ll *landlockRun, err error) {
	abi, err := landlockVersion()
	if err != nil {
		return nil, &SetupError{Stage: child.StageLandlock.String(), Index: -1, Err: err}
	}
	filter, err := landlockProgram()
	if err != nil {
		return nil, &SetupError{Stage: child.StageSeccomp.String(), Index: -1, Err: fmt.Errorf("the Landlock backend's filter: %w", err)}
	}
	run := &landlockRun{attr: landlockHandled(abi), filter: filter, root: os.Geteuid() == 0, limits: cfg.limits}
	defer func() {
		if err != nil {
			run.release() // the returns below say nil, not run
		}
	}()
	ll = run
	for _, d := range systemDirs {
		if err := ll.allow(d, llReadExec, true); err != nil {
			return nil, err
		}
	}
	for _, m := range landlockEtcFiles() {
		if err := ll.allow(m, llReadExec, true); err != nil {
			return nil, err
		}
	}
	if err := ll.allow("/proc", llRead, false); err != nil {
		return nil, err
	}
	for _, name := range devFiles {
		if err := ll.allow("/dev/"+name, llDevice, true); err != nil {
			return nil, err
		}
	}
	for i, m := range cfg.mounts {
		rights := uint64(llReadExec)
		if m.writable {
			rights = llWritable
		}
		// As a Native bind source: through no symbolic link but root's or
		// the caller's (openHost). The rule names what was opened; the
		// command, resolving the path itself, is refused anything else.
		h, err := openHost(m.dst, true)
		if err != nil {
			return nil, &SetupError{Stage: child.StageBindSource.String(), Index: i, Path: errPath(err, m.dst), Err: err}
		}
		ll.fds = append(ll.fds, h.fd)
		ll.rule(h.fd, &h.st, m.src, rights)
	}
	if ll.tmpdir, err = makeRunTmp(cfg); err != nil {
		return nil, err
	}
	if err := ll.allow(ll.tmpdir, llWritable, false); err != nil {
		return nil, err
	}
	env := make([]string, 0, len(cmd.env)+1)
	for _, kv := range cmd.env {
		if !strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	cmd.env = append(env, "TMPDIR="+ll.tmpdir)
	return ll, nil
}

// etcCache holds the host's /etc files of etcFiles, found again only when
// /etc changes (its device, inode or modification time).
var etcCache struct {
	mu    sync.Mutex
	stamp etcStamp
	paths []string
}

type etcStamp struct {
	dev, ino uint64
	mtime    unix.Timespec
}

// landlockEtcFiles returns the host's /etc files the rules name
// (etcMatches, found again when /etc changes).
func landlockEtcFiles() []string {
	var st unix.Stat_t
	unix.Stat("/etc", &st)
	stamp := etcStamp{dev: st.Dev, ino: st.Ino, mtime: st.Mtim}
	etcCache.mu.Lock()
	defer etcCache.mu.Unlock()
	if etcCache.paths == nil || etcCache.stamp != stamp {
		etcCache.stamp, etcCache.paths = stamp, etcMatches()
	}
	return etcCache.paths
}

// allow adds a rule granting rights beneath p (on p itself, for a file),
// held by an O_PATH descriptor opened now: the rule names what was opened,
// whatever the path points to later. A missing optional path is skipped.
func (ll *landlockRun) allow(p string, rights uint64, optional bool) error {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		if optional && errors.Is(err, unix.ENOENT) {
			return nil
		}
		return &SetupError{Stage: child.StageLandlockRule.String(), Index: -1, Path: p, Err: err}
	}
	ll.fds = append(ll.fds, fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &SetupError{Stage: child.StageLandlockRule.String(), Index: -1, Path: p, Err: err}
	}
	ll.rule(fd, &st, p, rights)
	return nil
}

// rule grants rights beneath the file open as fd (st), named p in errors;
// a file (not a directory) takes only the rights of files.
func (ll *landlockRun) rule(fd int, st *unix.Stat_t, p string, rights uint64) {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		rights &= llFile
	}
	ll.rules = append(ll.rules, unix.LandlockPathBeneathAttr{Allowed_access: rights & ll.attr.Handled_access_fs, Parent_fd: int32(fd)})
	ll.paths = append(ll.paths, p)
}

// takeFDs hands the rules' descriptors to the launch, which keeps them in
// init for the command and closes them once the child has its copies.
func (ll *landlockRun) takeFDs() []int {
	if ll == nil {
		return nil
	}
	fds := ll.fds
	ll.fds = nil
	return fds
}

// closeFDs closes the rules' descriptors once the child has its copies.
func (ll *landlockRun) closeFDs() {
	if ll == nil {
		return
	}
	for _, fd := range ll.fds {
		unix.Close(fd)
	}
	ll.fds = nil
}

// release closes what is left and removes the TMPDIR. Every process of the
// run is gone by then, so nothing can change the tree while it is removed.
func (ll *landlockRun) release() error {
	if ll == nil {
		return nil
	}
	ll.closeFDs()
	if ll.tmpdir == "" {
		return nil
	}
	dir := ll.tmpdir
	err := removeTree(dir)
	ll.tmpdir = ""
	if err != nil {
		return &WaitError{Step: WaitTmpdirRemove, Path: dir, Err: err}
	}
	return nil
}

// planRestrict adds the command's Landlock steps (after no_new_privs,
// before the caller's seccomp filter): make the ruleset, add the rules,
// restrict itself, then install the backend's own seccomp filter.
func (ll *landlockRun) planRestrict(pl *child.Plan, seq *child.Seq) {
	info := func(stage child.Stage, path string) child.Info {
		return child.Info{Stage: stage, Index: -1, Path: path}
	}
	// struct landlock_ruleset_attr up to scoped (ABI 6); x/sys/unix's has
	// fields of later ABIs, which stay zero.
	size := unsafe.Offsetof(ll.attr.Scoped) + unsafe.Sizeof(ll.attr.Scoped)
	op := seq.Add(info(child.StageLandlockRuleset, ""), unix.SYS_LANDLOCK_CREATE_RULESET, child.Keep(&pl.Keeper, &ll.attr), size, 0)
	op.Flags, op.Reg = child.FlagSave, llReg
	for i := range ll.rules {
		op := seq.Add(info(child.StageLandlockRule, ll.paths[i]), unix.SYS_LANDLOCK_ADD_RULE, llReg,
			unix.LANDLOCK_RULE_PATH_BENEATH, child.Keep(&pl.Keeper, &ll.rules[i]), 0)
		op.Use = 1
	}
	seq.Add(info(child.StageLandlockRestrict, ""), unix.SYS_LANDLOCK_RESTRICT_SELF, llReg, 0).Use = 1
	seq.Add(info(child.StageLandlockRestrict, ""), unix.SYS_CLOSE, llReg).Use = 1
	seq.Add(child.Info{Stage: child.StageSeccomp, Index: -1, Detail: "the Landlock backend's filter"}, unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, child.Keep(&pl.Keeper, ll.filter))
}

// planUnprivilegedIdentity drops what an unprivileged caller's command may
// hold (its ids stay the caller's): every capability set it can empty, and
// the bounding set and securebits where it may change them.
func planUnprivilegedIdentity(pl *child.Plan, seq *child.Seq) {
	info := child.Info{Stage: child.StageCapabilities, Index: -1}
	for c := 0; c <= lastCap(); c++ {
		seq.Add(info, unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c)).Flags = child.FlagIgnore
	}
	seq.Add(info, unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	seq.Add(child.Info{Stage: child.StageSecurebits, Index: -1}, unix.SYS_PRCTL, unix.PR_SET_SECUREBITS,
		secbitNoRoot|secbitNoRootLocked|secbitKeepCapsLocked|secbitNoAmbientRaise|secbitNoAmbientLocked).Flags = child.FlagIgnore
	planCapsEmpty(pl, seq, info)
}

// tmpPrefix names the runs' TMPDIRs: sandbox-landlock-<pid>-<random>, so
// that a later process can remove those of a process that died.
const tmpPrefix = "sandbox-landlock-"

var sweepTmpOnce sync.Once

// makeRunTmp makes the run's private TMPDIR in the host's temporary
// directory, mode 0700, owned by the command's user.
func makeRunTmp(cfg *config) (string, error) {
	sweepTmpOnce.Do(sweepRunTmp)
	dir, err := os.MkdirTemp("", tmpPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", &SetupError{Stage: child.StageTmpdir.String(), Index: -1, Err: err}
	}
	if os.Geteuid() == 0 {
		err = os.Chown(dir, cfg.uid, cfg.gid)
	}
	if err == nil {
		err = os.Chmod(dir, 0o700)
	}
	if err != nil {
		os.Remove(dir)
		return "", &SetupError{Stage: child.StageTmpdir.String(), Index: -1, Path: dir, Err: err}
	}
	return dir, nil
}

// sweepRunTmp removes the TMPDIRs of processes that are gone (killed
// before they could remove them).
func sweepRunTmp() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tmpPrefix+"*"))
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), tmpPrefix)
		pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
		if err != nil || pid <= 0 || pid > 1<<22 || pid == os.Getpid() { // PID_MAX_LIMIT
			continue
		}
		// Gone means no process has the pid (ESRCH). /proc would hide a
		// live process of another user where it is mounted hidepid, and
		// kill answers EPERM for one.
		if unix.Kill(pid, 0) == unix.ESRCH {
			removeTree(d)
		}
	}
}

// removeTree removes dir, which a sandboxed command wrote: os.RemoveAll
// follows no symbolic link. A directory the command made unreadable or
// unwritable (its owner, like the caller when unprivileged, may not remove
// what is inside) gets mode 0700 back and the removal is tried again; only
// directories opened with O_NOFOLLOW are changed, never what a link points
// to.
func removeTree(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	if fd, ok := unlockDir(unix.AT_FDCWD, dir); ok {
		unlockBelow(fd, 0)
	}
	return os.RemoveAll(dir)
}

// unlockDir gives the directory name (relative to dirfd) mode 0700 and
// opens it for reading; it is not a directory (a link, a file) → false.
func unlockDir(dirfd int, name string) (int, bool) {
	pfd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, false
	}
	defer unix.Close(pfd)
	// chmod through the descriptor: the directory that was opened.
	unix.Chmod("/proc/self/fd/"+strconv.Itoa(pfd), 0o700)
	fd, err := unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	return fd, err == nil
}

// unlockBelow unlocks every directory below dirfd, and closes it.
func unlockBelow(dirfd, depth int) {
	f := os.NewFile(uintptr(dirfd), "")
	defer f.Close()
	if depth > 256 {
		return
	}
	for {
		ents, err := f.ReadDir(256)
		for _, e := range ents {
			if e.IsDir() {
				if fd, ok := unlockDir(dirfd, e.Name()); ok {
					unlockBelow(fd, depth+1)
				}
			}
		}
		if err != nil || len(ents) == 0 {
			return
		}
	}
}
