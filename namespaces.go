package sandbox

import "strings"

// Namespace is one of the eight Linux namespaces a sandbox can unshare.
// Values are bits: several can be combined with |, but Namespaces takes a
// list.
type Namespace uint

// The namespaces, see namespaces(7).
const (
	PID    Namespace = 1 << iota // process IDs: the command cannot see or signal host processes
	Net                          // network: only a loopback interface, brought up
	Mount                        // mount table: required for a root filesystem of its own
	IPC                          // System V IPC and POSIX message queues
	User                         // user and group IDs: rootless sandboxes
	UTS                          // host and domain name
	Cgroup                       // the cgroup tree the command sees
	Time                         // CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets
)

var nsNames = [...]string{"pid", "net", "mnt", "ipc", "user", "uts", "cgroup", "time"}

const allNamespaces = PID | Net | Mount | IPC | User | UTS | Cgroup | Time

// defaultNamespaces is what New() unshares; User is added when the caller
// is not root.
const defaultNamespaces = PID | Net | Mount | IPC | UTS | Cgroup

// String returns the kernel's short name(s), e.g. "pid" or "pid|net".
func (n Namespace) String() string {
	if n == 0 {
		return "none"
	}
	var parts []string
	for i, name := range nsNames {
		if n&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if rest := n &^ allNamespaces; rest != 0 {
		parts = append(parts, "unknown")
	}
	return strings.Join(parts, "|")
}

// ParseNamespace returns the namespace with the kernel's short name
// ("pid", "net", "mnt" or "mount", "ipc", "user", "uts", "cgroup", "time").
func ParseNamespace(name string) (Namespace, bool) {
	if name == "mount" {
		return Mount, true
	}
	for i, n := range nsNames {
		if n == name {
			return 1 << i, true
		}
	}
	return 0, false
}
