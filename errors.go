package sandbox

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sandboxkit/sandbox/internal/cgroup"
)

// ConfigError reports a bad argument given to a builder method. Run and
// Start return every ConfigError of a chain, joined, before doing anything.
type ConfigError struct {
	Method string // the builder method, e.g. "MemoryLimit"
	Value  any    // the value it was given
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("sandbox: %s(%v): %s", e.Method, e.Value, e.Reason)
}

// SetupError reports a step of building the sandbox that failed, in the
// parent or in the child before the command started. Err is the cause, often
// a syscall.Errno, so errors.Is(err, fs.ErrNotExist) works; its message
// names what the step was given besides a path (a bind's source,
// destination and flags, a host name, ids, an rlimit).
type SetupError struct {
	Stage string // e.g. "mount", "pivot_root", "execve", "cgroup"
	Index int    // which of the caller's mounts (Bind, Tmpfs…) the step serves, -1 if none
	Path  string // the file the step touched, if any: always a path
	Err   error
}

func (e *SetupError) Error() string {
	return stepMessage("sandbox: setup failed at "+e.Stage, e.Index, e.Path, e.Err)
}

func (e *SetupError) Unwrap() error { return e.Err }

// WaitError is the error Wait and Run return beside a Result: the command
// ran and the Result says what happened to it, but a step at the run's end
// failed. Step says which, and so what the Result lacks; Err is the cause.
type WaitError struct {
	Step WaitStep
	Path string // the cgroup or directory left on the host, if any
	Err  error
}

// WaitStep is a step at the end of a run.
type WaitStep string

// The steps of a WaitError.
const (
	// WaitOutput: the output could not all be delivered: a Stdout or
	// Stderr writer or file failed (Err is its error), or a process outside
	// the run that was handed the output kept it open longer than
	// cmd.WaitDelay (2 s when zero) after the run, so it was cut (Err wraps
	// exec.ErrWaitDelay). The Result is complete.
	WaitOutput WaitStep = "output"
	// WaitCgroupStats: the run's cgroup could not be read. CPUTime and
	// MemoryPeak are then the kernel's per-process figures, and a cgroup
	// OOM kill is not known as one (its Status may be Signaled).
	WaitCgroupStats WaitStep = "cgroup stats"
	// WaitCgroupRemove: the run's cgroup (Path) could not be removed.
	WaitCgroupRemove WaitStep = "cgroup remove"
	// WaitTmpdirRemove: the Landlock backend's per-run TMPDIR (Path) could
	// not be removed.
	WaitTmpdirRemove WaitStep = "remove TMPDIR"
	// WaitRunDirRemove: the GVisor backend's run directory (Path: the
	// bundle and runsc's state) or a group runsc made could not be
	// removed.
	WaitRunDirRemove WaitStep = "remove run directory"
)

func (e *WaitError) Error() string {
	return stepMessage("sandbox: after the run: "+string(e.Step), -1, e.Path, e.Err)
}

// stepMessage is the message of a SetupError or a WaitError: head, then
// what the step was given (an index unless negative, a path unless empty)
// and its cause.
func stepMessage(head string, index int, path string, err error) string {
	var b strings.Builder
	b.WriteString(head)
	if index >= 0 {
		fmt.Fprintf(&b, " #%d", index)
	}
	if path != "" {
		fmt.Fprintf(&b, " %q", path)
	}
	if err != nil {
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	return b.String()
}

func (e *WaitError) Unwrap() error { return e.Err }

// ErrNotSupported is wrapped by the error of every run, and of
// Backend.Available, on a platform other than Linux (an *UnavailableError
// whose Missing is "Linux"). On Linux, a host that lacks what a backend
// needs gives an *UnavailableError that wraps ErrBackendUnavailable and
// says what is missing instead.
var ErrNotSupported = errors.New("sandbox: not supported on this system")

// ErrCgroupUnavailable is wrapped by the error of a run that asked for a
// cgroup limit where the caller may not create or limit cgroups (rootless
// without a delegated subtree, or a v2 parent that holds processes). The
// message says what to delegate. A run that asks for no limit needs no
// cgroup.
var ErrCgroupUnavailable = cgroup.ErrCgroupUnavailable

// ErrCommandNotFound is wrapped by the error Start returns when the
// command does not exist inside the sandbox.
var ErrCommandNotFound = errors.New("command not found in the sandbox")

// ErrUntrustedSymlink is wrapped by the *SetupError of a run whose Bind
// source or Chroot directory passes through a symbolic link owned by
// someone other than root or the embedding process's effective uid (one a
// sandboxed program could have planted). The error's Path is the link. To
// follow links you trust, resolve the path yourself (filepath.EvalSymlinks)
// before handing it in.
var ErrUntrustedSymlink = errors.New("symbolic link not owned by root or the caller")
