package sandbox

import (
	"errors"
	"fmt"
	"strings"
)

// Backend is the mechanism a Sandbox isolates its command with. The same
// configuration and the same Result serve every backend; choosing one is
// always the caller's act: a sandbox never downgrades to another backend
// on its own.
type Backend int

// The backends.
const (
	// Native is the default: namespaces, a pivot_root root filesystem,
	// cgroups and seccomp, set up by this package.
	Native Backend = iota
	// Landlock needs no namespace: Landlock, seccomp and rlimits (and
	// cgroups where the caller's subtree is writable), for hosts that deny
	// namespaces (unprivileged containers, restricted user namespaces).
	Landlock
	// GVisor runs the same configuration in gVisor's user-space kernel
	// (runsc), for code that must not reach the host kernel directly.
	GVisor
)

var backendNames = [...]string{Native: "native", Landlock: "landlock", GVisor: "gvisor"}

// String returns "native", "landlock" or "gvisor".
func (b Backend) String() string {
	if b >= 0 && int(b) < len(backendNames) {
		return backendNames[b]
	}
	return fmt.Sprintf("Backend(%d)", int(b))
}

// ParseBackend returns the backend with the given name ("native",
// "landlock", "gvisor").
func ParseBackend(name string) (Backend, bool) {
	for i, n := range backendNames {
		if n == strings.ToLower(name) {
			return Backend(i), true
		}
	}
	return 0, false
}

// Backend chooses the isolation mechanism; the default is Native. Whether
// the host can run it is checked by Run and Start (see Backend.Available).
func (s *Sandbox) Backend(b Backend) *Sandbox {
	if b < 0 || int(b) >= len(backendNames) {
		return s.fail("Backend", int(b), "unknown backend")
	}
	s.cfg.backend = b
	return s
}

// ErrBackendUnavailable is wrapped by every *UnavailableError.
var ErrBackendUnavailable = errors.New("backend unavailable on this host")

// UnavailableError says why this host cannot run a backend, and how to
// make it able to.
type UnavailableError struct {
	Backend Backend
	Missing string // what the host lacks, e.g. "runsc on PATH"
	Fix     string // how to get it, e.g. "apt-get install runsc"
	Err     error  // the underlying error, if any
}

func (e *UnavailableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sandbox: backend %s unavailable: %s", e.Backend, e.Missing)
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "; %s", e.Fix)
	}
	return b.String()
}

// Unwrap returns ErrBackendUnavailable and the underlying error.
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrBackendUnavailable}
	}
	return []error{ErrBackendUnavailable, e.Err}
}

// Available returns nil when this host can run b, else an
// *UnavailableError that says what is missing and how to get it. The
// answer is probed once per process and cached.
func (b Backend) Available() error {
	if b < 0 || int(b) >= len(backendNames) {
		return &UnavailableError{Backend: b, Missing: "unknown backend"}
	}
	return b.available()
}
