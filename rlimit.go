package sandbox

import "slices"

// Rlimit sets a resource limit of the command, as setrlimit(2) does:
// resource is one of the RLIMIT_* constants (golang.org/x/sys/unix), cur
// the soft limit and max the hard one (unix.RLIM_INFINITY for none). A
// judge gives solutions a deep stack this way (RLIMIT_STACK), a service an
// address-space cap where there is no cgroup (RLIMIT_AS). A later call for
// the same resource replaces the earlier one; RLIMIT_NOFILE replaces the
// default (1024, hard 4096).
//
// The resources the sandbox sets itself are refused: RLIMIT_CPU and
// RLIMIT_FSIZE back CPUTimeLimit and OutputLimit, RLIMIT_NPROC backs
// PidsLimit where there is no cgroup, and RLIMIT_CORE stays 0 (a core dump
// would run the host's core handler).
func (s *Sandbox) Rlimit(resource int, cur, max uint64) *Sandbox {
	value := rlimitSpec{resource: resource, cur: cur, max: max}
	if reason := rlimitRefused(resource); reason != "" {
		return s.fail("Rlimit", value.String(), "%s", reason)
	}
	if cur > max {
		return s.fail("Rlimit", value.String(), "the soft limit is above the hard one")
	}
	rl := slices.DeleteFunc(slices.Clone(s.cfg.rlimits), func(r rlimitSpec) bool { return r.resource == resource })
	s.cfg.rlimits = append(rl, value)
	return s
}
