package sandbox

import "github.com/sandboxkit/sandbox/seccomp"

// seccompSetting is the run's filter policy: seccomp.Default() unless
// Seccomp said otherwise.
type seccompSetting struct {
	off    bool            // Seccomp(nil)
	policy *seccomp.Policy // nil: seccomp.Default()
	prog   *seccompProg    // the policy compiled, once per Sandbox
}

func defaultSeccomp() seccompSetting { return seccompSetting{} }

// Seccomp sets the seccomp policy installed in the command as the last step
// before execve (after no_new_privs and dropping capabilities). New()
// installs seccomp.Default(); nil installs no filter. A policy that does not
// compile is a *ConfigError from Run.
func (s *Sandbox) Seccomp(p *seccomp.Policy) *Sandbox {
	if p == nil {
		s.cfg.seccomp = seccompSetting{off: true}
		return s
	}
	s.cfg.seccomp = seccompSetting{policy: p, prog: &seccompProg{}}
	return s
}
