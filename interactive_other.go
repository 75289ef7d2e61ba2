//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"os/exec"
)

func interact(ctx context.Context, s *Sandbox, cmd *exec.Cmd, ps *Sandbox, peer *exec.Cmd) (*Interaction, error) {
	if _, err := ps.start(ctx, peer); err != nil && !errors.Is(err, ErrNotSupported) {
		return nil, err
	}
	_, err := s.start(ctx, cmd)
	return nil, err
}
