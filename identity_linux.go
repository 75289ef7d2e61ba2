package sandbox

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/internal/child"
)

// Constants of prctl(2) that x/sys/unix lacks.
const (
	secbitNoRoot          = 1 << 0 // SECBIT_NOROOT, linux/securebits.h
	secbitNoRootLocked    = 1 << 1
	secbitKeepCapsLocked  = 1 << 5
	secbitNoAmbientRaise  = 1 << 6
	secbitNoAmbientLocked = 1 << 7
)

var lastCap = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 && n < 64 {
			return n
		}
	}
	return 63 // drop every possible bit; the kernel refuses unknown ones, which is ignored
})

// planIdentity adds the steps that leave the command with only its
// unprivileged identity: empty capability sets (bounding and ambient too),
// locked securebits, no supplementary groups, the uid and gid.
func planIdentity(pl *child.Plan, seq *child.Seq, uid, gid int, userns, boundingEmpty bool) {
	info := info(child.StageCapabilities)
	// Without a user namespace of its own, the command inherits the
	// bounding set of the thread init is cloned from: empty, when it
	// could be emptied (child.BoundingSetEmpty, runSpec.boundingEmpty).
	if userns || !boundingEmpty {
		for c := 0; c <= lastCap(); c++ {
			seq.Add(info, unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c)).Flags = child.FlagIgnore
		}
	}
	seq.Add(info, unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	seq.Add(child.Info{Stage: child.StageSecurebits, Index: -1}, unix.SYS_PRCTL, unix.PR_SET_SECUREBITS,
		secbitNoRoot|secbitNoRootLocked|secbitKeepCapsLocked|secbitNoAmbientRaise|secbitNoAmbientLocked)
	ids := child.Info{Stage: child.StageSetuid, Index: -1, Detail: "uid " + strconv.Itoa(uid) + " gid " + strconv.Itoa(gid)}
	if !userns {
		seq.Add(ids, unix.SYS_SETGROUPS, 0, 0)
	}
	seq.Add(ids, unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid))
	seq.Add(ids, unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid))
	planCapsEmpty(pl, seq, info)
}

// planCapsEmpty adds the capset(2) that empties the effective, permitted and
// inheritable sets of the calling thread (pid 0).
func planCapsEmpty(pl *child.Plan, seq *child.Seq, info child.Info) {
	hdr := &unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3, Pid: 0}
	data := &[2]unix.CapUserData{} // version 3: two words of each set
	seq.Add(info, unix.SYS_CAPSET, child.Keep(&pl.Keeper, hdr), child.Keep(&pl.Keeper, data))
}
