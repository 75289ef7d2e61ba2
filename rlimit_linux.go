package sandbox

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// rlimitRefused says why Rlimit refuses resource, or "".
func rlimitRefused(resource int) string {
	switch resource {
	case unix.RLIMIT_CPU:
		return "RLIMIT_CPU is CPUTimeLimit's"
	case unix.RLIMIT_FSIZE:
		return "RLIMIT_FSIZE is OutputLimit's"
	case unix.RLIMIT_NPROC:
		return "RLIMIT_NPROC is PidsLimit's"
	case unix.RLIMIT_CORE:
		return "RLIMIT_CORE stays 0: a core dump would run the host's core handler"
	}
	if resource < 0 || resource >= rlimNLimits {
		return "not a resource of this kernel"
	}
	return ""
}

// rlimNLimits is RLIM_NLIMITS (asm-generic/resource.h): resources are
// numbered below it.
const rlimNLimits = 16

// String names the rlimit for error messages: "RLIMIT_NOFILE 1024 4096".
func (r rlimitSpec) String() string {
	return rlimitName(r.resource) + " " + rlimitValue(r.cur) + " " + rlimitValue(r.max)
}

func rlimitValue(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}

// rlimitName names a resource of getrlimit(2) (the numbers differ between
// architectures: asm-generic/resource.h and the arch's own).
func rlimitName(resource int) string {
	switch resource {
	case unix.RLIMIT_AS:
		return "RLIMIT_AS"
	case unix.RLIMIT_CORE:
		return "RLIMIT_CORE"
	case unix.RLIMIT_CPU:
		return "RLIMIT_CPU"
	case unix.RLIMIT_DATA:
		return "RLIMIT_DATA"
	case unix.RLIMIT_FSIZE:
		return "RLIMIT_FSIZE"
	case unix.RLIMIT_LOCKS:
		return "RLIMIT_LOCKS"
	case unix.RLIMIT_MEMLOCK:
		return "RLIMIT_MEMLOCK"
	case unix.RLIMIT_MSGQUEUE:
		return "RLIMIT_MSGQUEUE"
	case unix.RLIMIT_NICE:
		return "RLIMIT_NICE"
	case unix.RLIMIT_NOFILE:
		return "RLIMIT_NOFILE"
	case unix.RLIMIT_NPROC:
		return "RLIMIT_NPROC"
	case unix.RLIMIT_RSS:
		return "RLIMIT_RSS"
	case unix.RLIMIT_RTPRIO:
		return "RLIMIT_RTPRIO"
	case unix.RLIMIT_RTTIME:
		return "RLIMIT_RTTIME"
	case unix.RLIMIT_SIGPENDING:
		return "RLIMIT_SIGPENDING"
	case unix.RLIMIT_STACK:
		return "RLIMIT_STACK"
	}
	return "rlimit " + strconv.Itoa(resource)
}
