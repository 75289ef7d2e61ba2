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

//go:generate go run ./internal/seccompgen/gen

// defaultProgram is seccomp.Default() compiled for this machine: on amd64
// and arm64 the program compiled at build time (defaultFilter, in the
// generated seccomp_default_linux_<arch>.go, kept fresh by
// TestDefaultProgramFresh), so that no run and no package init compiles
// it; elsewhere seccomp.Default() compiled once per process. The slice is
// shared: nothing may change it.
func defaultProgram() ([]unix.SockFilter, error) {
	if defaultFilter != nil {
		return defaultFilter, nil
	}
	return compileDefault()
}

// compileDefault compiles seccomp.Default() once per process, for an
// architecture without a generated program. Its state is a zero value:
// nothing runs at package init.
func compileDefault() ([]unix.SockFilter, error) {
	d := &compiledDefault
	d.once.Do(func() {
		p, err := seccomp.Default().Compile()
		if err != nil {
			d.err = err
			return
		}
		d.insns = p.Instructions()
	})
	return d.insns, d.err
}

var compiledDefault seccompProg

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
