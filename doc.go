// Package sandbox runs untrusted programs isolated from the host with the
// kernel's own tools: namespaces, a pivot_root root filesystem, cgroups and
// seccomp-BPF. It has no daemon, no external runtime, no cgo and does not
// re-execute the calling binary.
package sandbox
