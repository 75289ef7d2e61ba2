//go:build !linux

package cgroup

import "fmt"

// DetectMode returns Unavailable: cgroups exist only on Linux.
func DetectMode() Mode { return Unavailable }

// Manager makes groups; on this platform it cannot be created.
type Manager struct{}

// NewManager returns ErrCgroupUnavailable on this platform.
func NewManager(parent string, opts ...Option) (*Manager, error) {
	return nil, fmt.Errorf("%w: cgroups exist only on Linux", ErrCgroupUnavailable)
}

// New returns ErrCgroupUnavailable on this platform.
func (m *Manager) New(Limits) (Group, error) { return nil, ErrCgroupUnavailable }

// Sweep does nothing on this platform.
func (m *Manager) Sweep() error { return nil }

type options struct{}
