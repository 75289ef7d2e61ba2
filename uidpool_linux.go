package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// uidLockDir holds one lock file per uid of a range that a run has held:
// the run holds an exclusive flock(2) on it, which the kernel drops when
// the run ends or its process dies. /run is a tmpfs, emptied at boot.
const uidLockDir = "/run/sandbox-uids"

// uidLease is a uid a run holds.
type uidLease struct {
	uid  int
	lock *os.File
	pool *uidPool
}

// Registers that carry the run's /etc/passwd and /etc/group into the
// shared root plan (rootfs_linux.go, writeIDFile): address and length
// (registers 0-7 and child.RegInitPID are the plan's own).
const (
	regPasswd, regPasswdLen = 8, 9
	regGroup, regGroupLen   = 10, 11
)

// leaseUID gives the run a host uid of its own when it gets one (a root
// caller without RunAs): without a user namespace the command runs as it,
// with one the command's inside ids are mapped to it.
func (p *Process) leaseUID(userns bool) error {
	cfg := p.cfg
	pool := cfg.uids
	if pool == nil || cfg.runAs {
		return nil
	}
	if os.Geteuid() != 0 {
		if pool.explicit {
			return &SetupError{Stage: "uid", Index: -1,
				Err: fmt.Errorf("UIDRange %s needs root: a rootless caller's runs all have its own uid", pool)}
		}
		return nil
	}
	l, err := pool.acquire()
	if err != nil {
		return err
	}
	p.lease = l
	if !userns {
		cfg.uid, cfg.gid = l.uid, l.uid
	}
	return nil
}

// planIDFiles gives the run's /etc/passwd and /etc/group, which name the ids
// the command sees, to the shared root plan (writeIDFile).
func (p *Process) planIDFiles() {
	rp := p.rp
	uid, gid := p.cfg.uid, p.cfg.gid
	if rp.userns {
		uid, gid = rp.insideUID, rp.insideGID
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\nsandbox:x:%d:%d:sandbox:/tmp:/bin/sh\n", uid, gid)
	group := fmt.Sprintf("root:x:0:\nsandbox:x:%d:\n", gid)
	pl := rp.plan
	pl.SetReg(regPasswd, pl.Str(passwd))
	pl.SetReg(regPasswdLen, uintptr(len(passwd)))
	pl.SetReg(regGroup, pl.Str(group))
	pl.SetReg(regGroupLen, uintptr(len(group)))
}

// hostUID is the uid the run's processes have on the host, as id maps
// need it, or -1 when the run has none of its own.
func (p *Process) hostUID() int {
	if p.lease == nil {
		return -1
	}
	return p.lease.uid
}

// releaseUID gives the run's uid back once none of its processes is left:
// after init is reaped, which (as PID 1, or as the subreaper of everything
// the run started) took every process of the run with it.
func (p *Process) releaseUID() {
	if l := p.lease; l != nil {
		p.lease = nil
		l.pool.release(l)
	}
}

func (u *uidPool) String() string {
	return fmt.Sprintf("%d-%d", u.first, u.first+u.count-1)
}

// acquire leases the lowest uid of the range that no live run holds.
func (u *uidPool) acquire() (*uidLease, error) {
	u.check.Do(func() { u.checkErr = u.usable() })
	if u.checkErr != nil {
		return nil, &SetupError{Stage: "uid", Index: -1, Err: fmt.Errorf("UIDRange %s: %w", u, u.checkErr)}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for uid := u.first; uid < u.first+u.count; uid++ {
		if u.held[uid] {
			continue
		}
		f, err := lockUID(uid)
		if errors.Is(err, unix.EWOULDBLOCK) {
			continue // another process's run has it
		}
		if err != nil {
			return nil, &SetupError{Stage: "uid", Index: -1, Path: filepath.Join(uidLockDir, strconv.Itoa(uid)), Err: err}
		}
		u.held[uid] = true
		return &uidLease{uid: uid, lock: f, pool: u}, nil
	}
	return nil, &SetupError{Stage: "uid", Index: -1, Err: fmt.Errorf("UIDRange %s: %w", u, ErrUIDRangeExhausted)}
}

func (u *uidPool) release(l *uidLease) {
	u.mu.Lock()
	delete(u.held, l.uid)
	u.mu.Unlock()
	l.lock.Close()
}

// lockUID takes the lock file of uid, or fails with EWOULDBLOCK when
// another open file description holds it. Lock files are never removed:
// removing one would let two processes lock two different files of one
// name.
//
// The file is opened with open(2) and wrapped with os.NewFile, blocking:
// os.OpenFile would also try to register it with the runtime's poller, a
// few system calls more at every run for a file nobody reads.
func lockUID(uid int) (*os.File, error) {
	name := filepath.Join(uidLockDir, strconv.Itoa(uid))
	fd, err := ignoringEINTR(func() (int, error) {
		return unix.Open(name, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// usable checks once per pool that the range can be used here: the lock
// directory is root's own, the range is mapped in this process's user
// namespace (inside a container's user namespace the default range
// usually is not), and no account of /etc/passwd or /etc/group has an id in
// it.
func (u *uidPool) usable() error {
	if err := os.MkdirAll(uidLockDir, 0o700); err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(uidLockDir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Uid != 0 || st.Mode&0o022 != 0 {
		return fmt.Errorf("%s is not a directory only root can write", uidLockDir)
	}
	for _, m := range []string{"/proc/self/uid_map", "/proc/self/gid_map"} {
		if err := inIDMap(m, u.first, u.count); err != nil {
			return err
		}
	}
	for _, db := range []string{"/etc/passwd", "/etc/group"} {
		if err := noAccountIn(db, u.first, u.count); err != nil {
			return err
		}
	}
	return nil
}

// inIDMap checks that [first, first+count) is mapped in the id map file.
func inIDMap(file string, first, count int) error {
	b, err := readSmallFile(file)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		in, err1 := strconv.ParseInt(f[0], 10, 64)
		n, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 == nil && err2 == nil && in <= int64(first) && int64(first)+int64(count) <= in+n {
			return nil
		}
	}
	return fmt.Errorf("the ids are not mapped in this user namespace (%s: %q): give UIDRange a range inside it",
		file, strings.TrimSpace(string(b)))
}

// noAccountIn checks that no entry of a passwd or group file has its id
// (the third field) in [first, first+count).
// Every line is read, however long (bufio.Scanner would stop at the first
// line over 64 KiB and leave the rest unchecked).
func noAccountIn(file string, first, count int) error {
	b, err := readSmallFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for line := range bytes.Lines(b) {
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		name, rest, ok1 := bytes.Cut(line, []byte(":"))
		_, rest, ok2 := bytes.Cut(rest, []byte(":"))
		if !ok1 || !ok2 {
			continue
		}
		field, _, _ := bytes.Cut(rest, []byte(":"))
		if id, err := strconv.Atoi(string(field)); err == nil && id >= first && id < first+count {
			return fmt.Errorf("%s has an entry with id %d (%s): the range must be reserved for sandboxes", file, id, name)
		}
	}
	return nil
}

// writeIDFile plans a generated file of the root whose content is the
// run's (registers ptr and n, set by planIDs), so that the root plan is
// shared by runs of different uids.
func (r *rootPlanner) writeIDFile(dst string, ptr, n uint8) {
	if r.run != nil {
		r.mountPoint(dst, false)
		r.ids = append(r.ids, idFile{dst: dst, ptr: ptr, n: n})
		return
	}
	r.writeFile(dst, "-")
	w := &r.seq.Ops[len(r.seq.Ops)-2] // writeFile's write(fd, content, len)
	w.Args[1], w.Args[2] = uintptr(ptr), uintptr(n)
	w.Use |= 1<<1 | 1<<2
	w.Flags &^= child.FlagExpect
}
