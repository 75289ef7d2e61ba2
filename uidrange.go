package sandbox

import (
	"errors"
	"sync"
)

// DefaultUIDFirst and DefaultUIDCount are the host uids (and, with the same
// numbers, gids) runs are given when the caller is root and RunAs is not
// set: one of its own for each run live at the same time, so that the
// kernel's per-user budgets (inotify instances, pending signals, POSIX
// message queue bytes, keys, RLIMIT_NPROC) are per run, not shared by
// every sandbox on the host.
//
// The range is in what systemd documents as unused (1879048192–2147483647,
// above its container ranges, below its foreign range 2147352576 and the
// 2^31 boundary some programs mishandle): clear of Debian's system and
// user accounts (below 60000), nobody (65534), systemd's DynamicUser
// (61184–65519), homed (60001–60513) and container ranges
// (524288–1879048191), isolate's boxes (60000+), and the subordinate ids
// useradd hands out for /etc/subuid (100000 up to 600100000 by default).
// See UIDRange for how to reserve it.
const (
	DefaultUIDFirst = 2_000_000_000
	DefaultUIDCount = 65536
)

// ErrUIDRangeExhausted is the error (inside a *SetupError) of a run that
// found every uid of its range in use by other live runs, of this process
// or of another one. The run does not wait for one to be free: size the
// range for the most runs live at once on the host.
var ErrUIDRangeExhausted = errors.New("every uid of the range is in use by a live run")

// uidPool hands out the uids of a range to runs; lock files shared by
// every process on the host keep two from having one at once
// (uidpool_linux.go).
type uidPool struct {
	first, count int
	explicit     bool // set by UIDRange: a rootless run must fail

	mu   sync.Mutex
	held map[int]bool // leased now by this pool's runs

	check    sync.Once
	checkErr error // the range is unusable here
}

// defaultUIDs is the pool of the default range, shared by every Sandbox of
// the process that has no UIDRange: its range is checked once, and its
// runs skip each other's uids without a system call.
var defaultUIDs = sync.OnceValue(func() *uidPool { return newUIDPool(DefaultUIDFirst, DefaultUIDCount, false) })

func newUIDPool(first, count int, explicit bool) *uidPool {
	return &uidPool{first: first, count: count, explicit: explicit, held: map[int]bool{}}
}

// UIDRange sets the host uids runs are given: first, first+1, …,
// first+count-1, each used as both uid and gid, one per run live at the
// same time (see DefaultUIDFirst for the default and why). RunAs wins over
// it. Inside a user namespace the command keeps seeing its inside id (65534
// by default), mapped to the run's host uid.
//
// Files a run creates in a BindWritable directory are owned by its uid, so
// such a directory must be writable by every uid of the range (mode 1777,
// or a group or ACL entry); use RunAs for a step that must find the files
// of an earlier run as its own.
//
// Reserving the range is the operator's part: no account in /etc/passwd,
// /etc/group or a directory service may use these ids, and no other
// allocator may hand them out (an entry "sandbox:2000000000:65536" in
// /etc/subuid and /etc/subgid keeps useradd's subordinate ranges away).
// Embedding processes on one host share the range safely: a run holds its
// uid with flock(2) on /run/sandbox-uids/<uid>, which the kernel drops when
// the process dies. A run that finds every uid taken fails with
// ErrUIDRangeExhausted. A rootless caller cannot switch uids: its runs all
// have its own uid, and a UIDRange set for them is an error.
func (s *Sandbox) UIDRange(first, count int) *Sandbox {
	switch {
	case count <= 0:
		return s.fail("UIDRange", count, "count must be positive")
	case first <= 0 || first > 1<<31-2 || count > 1<<31-1-first:
		return s.fail("UIDRange", first, "the range must lie within 1…2147483646")
	case first <= 65535 && first+count > 65534:
		return s.fail("UIDRange", first, "the range must not hold 65534 (nobody) or 65535 ((uid_t)-1 of 16-bit programs)")
	}
	s.cfg.uids = newUIDPool(first, count, true)
	return s
}
