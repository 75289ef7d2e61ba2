//go:build linux && !amd64 && !arm64

package sandbox

import "golang.org/x/sys/unix"

// defaultFilter is nil where no program is generated (internal/seccompgen
// knows amd64 and arm64): defaultProgram compiles seccomp.Default() at the
// first run instead.
var defaultFilter []unix.SockFilter
