package sandbox

import (
	"errors"
	"os/exec"
	"sync"
	"syscall"

	"github.com/sandboxkit/sandbox/internal/child"
)

// ready checks, before anything of a run happens, that this host can run
// the configured backend and that the configuration suits it.
func (c *config) ready() error {
	switch c.backend {
	case Native:
		// New()'s namespaces are not probed before a run: the run itself
		// is the probe (a one-shot like sbx would pay for two). A host
		// known to refuse them fails the run at once; a run the host
		// refuses is explained by nativeRefused.
		if c.probe || c.nsSet || c.timeSet {
			return nil
		}
		return nativeCache.known()
	case Landlock:
		if err := c.checkLandlock(); err != nil {
			return err
		}
		if c.probe {
			return nil
		}
		return landlockReady(c.landlockBestEffort)
	}
	return c.backend.Available()
}

// probeCache keeps the answer of a backend's probe once it is definitive:
// the backend works, or something the host refuses stops it. A probe that
// failed for a passing reason (no memory, no descriptor left) is asked
// again next time, and meanwhile does not stop runs.
type probeCache struct {
	mu   sync.Mutex
	done bool
	err  error
}

// known is the probe's cached answer, or nil when there is none yet.
func (c *probeCache) known() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *probeCache) get(probe func() (err error, definitive bool)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		err, definitive := probe()
		if !definitive {
			return nil
		}
		c.done, c.err = true, err
	}
	return c.err
}

// probeRun runs a command that cannot exist in sb, which gets as far as
// the command's execve, the last step of a run. It returns nil when it did
// (execve failed with ENOENT), or the *SetupError of the step that failed.
func probeRun(sb *Sandbox) error {
	sb.cfg.probe = true
	defer sb.Close()
	_, err := sb.Run(exec.Command("/nonexistent/sandbox-probe"))
	var se *SetupError
	if err == nil || (errors.As(err, &se) && se.Stage == child.StageExecve.String() && errors.Is(err, ErrCommandNotFound)) {
		return nil
	}
	return err
}

// refusedByHost says whether err is the host refusing what a backend
// needs (permission, a missing kernel feature), which a later probe would
// meet again, rather than a passing shortage (ENOSPC of a namespace count
// or of the mount table, EAGAIN, ENOMEM, EMFILE), after which a backend must
// not be written off for the life of the process.
func refusedByHost(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		var ce *ConfigError
		return errors.As(err, &ce)
	}
	switch errno {
	case syscall.EPERM, syscall.EACCES, syscall.EINVAL, syscall.ENOSYS, syscall.EOPNOTSUPP:
		return true
	}
	return false
}
