package sandbox

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sandboxkit/sandbox/seccomp"
)

type seccompProg struct {
	once  sync.Once
	insns []unix.SockFilter
	err   error
}

// defaultProgram is seccomp.Default() compiled for this machine, once per
// process.
var defaultProgram = sync.OnceValues(func() ([]unix.SockFilter, error) {
	p, err := seccomp.Default().Compile()
	if err != nil {
		return nil, err
	}
	return p.Instructions(), nil
})

// instructions returns the filter to install, or nil for none.
func (s seccompSetting) instructions() ([]unix.SockFilter, error) {
	switch {
	case s.off:
		return nil, nil
	case s.policy == nil:
		return defaultProgram()
	}
	s.prog.once.Do(func() {
		p, err := s.policy.Compile()
		if err != nil {
			s.prog.err = &ConfigError{Method: "Seccomp", Value: "policy", Reason: err.Error()}
			return
		}
		s.prog.insns = p.Instructions()
	})
	return s.prog.insns, s.prog.err
}
