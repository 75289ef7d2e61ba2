package child

import "strconv"

// Stage names a step of building a sandbox: one of the child's operations
// (Info.Stage) or something the parent does around the fork. Its String is
// what *sandbox.SetupError.Stage says.
type Stage uint8

// The stages. New ones go at the end of their group; the order of the
// constants is not the order of the steps (see the plan of a run).
const (
	StageUnknown Stage = iota

	// The parent, around the fork.
	StagePipe
	StageStdio
	StageClone
	StageIDMaps
	StageSync // also init's read of the parent's "go"
	StageInit
	StagePrctl
	StageCgroup
	StageCgroupJoin // also the command's write to cgroup.procs
	StageBindSource
	StageChroot
	StageMountPoint
	StageLandlock     // the Landlock backend's preparation
	StageLandlockRule // also the command's landlock_add_rule
	StageTmpdir

	// init.
	StageCloseFDs
	StagePdeathsig // also the command's
	StageParentAlive
	StageJoinNet
	StageSetuid // also the command's
	StageUnshareTime
	StageTimeOffsets
	StageSetsid
	StageUmask // also the command's
	StageSethostname
	StageLoopback
	StageNonDumpable
	StageFork

	// The root filesystem (init).
	StageMount
	StageMkdir
	StageMknod
	StageMountSetattr
	StagePivotRoot
	StageUmount
	StageSymlink
	StageChdir // also the command's
	StageOpen
	StageWrite
	StageClose
	StageEnterRoot // join the root's template mount namespace and copy it

	// The command.
	StageUnshareCgroup
	StageSetpgid
	StageFDs
	StageRlimit
	StageCapabilities
	StageSecurebits
	StageNoNewPrivs
	StageSignals
	StagePeakRSS // the command's ru_maxrss before execve, for init (see rssFloor)
	StageSeccomp
	StageExecve
	StageLandlockRuleset
	StageLandlockRestrict

	numStages
)

var stageNames = [numStages]string{
	StageUnknown:          "unknown",
	StagePipe:             "pipe",
	StageStdio:            "stdio",
	StageClone:            "clone",
	StageIDMaps:           "id maps",
	StageSync:             "sync",
	StageInit:             "init",
	StagePrctl:            "prctl",
	StageCgroup:           "cgroup",
	StageCgroupJoin:       "cgroup join",
	StageBindSource:       "bind source",
	StageChroot:           "chroot",
	StageMountPoint:       "mount point",
	StageLandlock:         "landlock",
	StageLandlockRule:     "landlock rule",
	StageTmpdir:           "TMPDIR",
	StageCloseFDs:         "close fds",
	StagePdeathsig:        "pdeathsig",
	StageParentAlive:      "parent alive",
	StageJoinNet:          "join network namespace",
	StageSetuid:           "setuid",
	StageUnshareTime:      "unshare time",
	StageTimeOffsets:      "time offsets",
	StageSetsid:           "setsid",
	StageUmask:            "umask",
	StageSethostname:      "sethostname",
	StageLoopback:         "loopback",
	StageNonDumpable:      "non-dumpable",
	StageFork:             "fork",
	StageMount:            "mount",
	StageMkdir:            "mkdir",
	StageMknod:            "mknod",
	StageMountSetattr:     "mount_setattr",
	StagePivotRoot:        "pivot_root",
	StageUmount:           "umount",
	StageSymlink:          "symlink",
	StageChdir:            "chdir",
	StageOpen:             "open",
	StageWrite:            "write",
	StageClose:            "close",
	StageEnterRoot:        "enter root",
	StageUnshareCgroup:    "unshare cgroup",
	StageSetpgid:          "setpgid",
	StageFDs:              "fds",
	StageRlimit:           "rlimit",
	StageCapabilities:     "capabilities",
	StageSecurebits:       "securebits",
	StageNoNewPrivs:       "no_new_privs",
	StageSignals:          "signals",
	StagePeakRSS:          "peak rss",
	StageSeccomp:          "seccomp",
	StageExecve:           "execve",
	StageLandlockRuleset:  "landlock ruleset",
	StageLandlockRestrict: "landlock restrict",
}

func (s Stage) String() string {
	if s < numStages && stageNames[s] != "" {
		return stageNames[s]
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}
