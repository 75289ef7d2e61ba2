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

// Kill returns ErrNotSupported (Start never returns a Process here).
func (p *Process) Kill() error { return ErrNotSupported }

// Wait returns ErrNotSupported.
func (p *Process) Wait() (*Result, error) { return nil, ErrNotSupported }

type seccompProg struct{}

// start returns the configuration's errors, else the backend's
// *UnavailableError, which wraps ErrNotSupported.
func (s *Sandbox) start(context.Context, *exec.Cmd) (*Process, error) {
	if len(s.errs) > 0 {
		return nil, errors.Join(s.errs...)
	}
	return nil, s.cfg.backend.Available()
}

// CgroupMode returns "unavailable" on this platform.
func CgroupMode() string { return "unavailable" }

type rootCache struct{}

// netPool keeps network namespaces between runs on Linux; there are none here.
type netPool struct{}

func newNetPool() *netPool { return &netPool{} }

func (*netPool) release() {}

func (*rootCache) release() {}
