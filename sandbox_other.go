//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"os/exec"
)

// Process is a command running in a sandbox. Sandboxes need Linux.
type Process struct{ ctxErr error }

// Pid returns 0: there is no process on this platform.
func (p *Process) Pid() int { return 0 }

// Kill returns ErrNotSupported.
func (p *Process) Kill() error { return ErrNotSupported }

// Wait returns ErrNotSupported.
func (p *Process) Wait() (*Result, error) { return nil, ErrNotSupported }

type seccompProg struct{}

func (s *Sandbox) start(context.Context, *exec.Cmd) (*Process, error) {
	if len(s.errs) > 0 {
		return nil, errors.Join(s.errs...)
	}
	return nil, ErrNotSupported
}

// CgroupMode returns "unavailable" on this platform.
func CgroupMode() string { return "unavailable" }

type rootCache struct{}

func (*rootCache) release() {}
