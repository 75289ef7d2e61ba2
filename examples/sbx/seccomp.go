//go:build linux

package main

import (
	"fmt"

	"github.com/sandboxkit/sandbox"
	"github.com/sandboxkit/sandbox/seccomp"
)

// applySeccomp maps --seccomp onto the builder: default, strict, none, or a
// JSON policy file (see the seccomp package for its form).
func (o *options) applySeccomp(sb *sandbox.Sandbox) error {
	switch o.seccomp {
	case "", "default":
		// New() installs seccomp.Default() already.
	case "strict":
		sb.Seccomp(seccomp.Strict())
	case "none":
		sb.Seccomp(nil)
	default:
		p, err := seccomp.LoadFile(o.seccomp)
		if err != nil {
			return fmt.Errorf("--seccomp: %w", err)
		}
		sb.Seccomp(p)
	}
	return nil
}
