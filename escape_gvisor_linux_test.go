package sandbox

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sandboxkit/sandbox/internal/victims"
)

// gvisorSentryOnly are the attacks that succeed under the GVisor backend,
// and why that touches nothing of the host: the call is answered by the
// Sentry, gVisor's kernel in user space, about its own objects. (No
// seccomp policy is installed inside the Sentry: see gvisorCompatible.)
// Each maps to the evidence the victim must print (or the signal it must
// die of) when it does; a runsc that stops it outright passes too (Debian
// 12's runsc emulates mknod, the namespace calls and io_uring, which later
// ones refuse; it lacks process_vm_readv and pidfd_getfd, which later ones
// emulate).
var gvisorSentryOnly = map[string]struct {
	why      string
	evidence string // a regexp of the victim's output, or "signal N"
}{
	"proc-1-exe-read": {"the command is PID 1: its own binary", `ESCAPED proc-1-exe-read`},
	"proc-1-mem":      {"the command is PID 1: its own memory", `ESCAPED proc-1-mem`},
	"proc-1-environ":  {"the command is PID 1: its own environment", `ESCAPED proc-1-environ`},
	"proc-1-maps":     {"the command is PID 1: its own map", `ESCAPED proc-1-maps`},
	"proc-1-cmdline":  {"the command is PID 1: its own command line", `ESCAPED proc-1-cmdline`},
	"proc-1-status":   {"the command is PID 1: its own status", `ESCAPED proc-1-status`},
	"proc-1-fd":       {"the command is PID 1: its own stdio", `ESCAPED proc-1-fd: readlink /proc/1/fd/\d+ -> host:\[\d+\]`},
	"kill-parent":     {"the command is PID 1: getppid() is 0, and kill(0) its own process group", `ESCAPED kill-parent: kill\(0, 0\) succeeded`},
	"kill-init":       {"the command is PID 1: it kills itself", "signal 9"},
	// runsc 20221219 has neither call (ENOSYS); later ones do.
	"process-vm-readv": {"the command is PID 1: its own memory", `ESCAPED process-vm-readv: process_vm_readv\(1\)`},
	"pidfd-getfd":      {"the command is PID 1: its own descriptor", `ESCAPED pidfd-getfd: pidfd_getfd took init's descriptor`},
	"int80":            {"no i386 ABI in the Sentry: SIGSEGV", "signal 11"},
	"x32":              {"no x32 ABI in the Sentry: ENOSYS", `ESCAPED x32: x32 getpid returned ENOSYS`},
	"mknod":            {"a Sentry device node in the Sentry's /tmp", `ESCAPED mknod: made and opened the character device`},
	"syslog":           {"the Sentry's own made-up kernel log", `ESCAPED syslog`},
	"oom-score-adj":    {"the Sentry's own value, not the host's", `ESCAPED oom-score-adj`},
	"setpriority":      {"the Sentry's own priority, not the host's", `ESCAPED setpriority`},
	"userns-regain":    {"the Sentry's own namespaces", `ESCAPED userns-regain`},
	"unshare-mount":    {"the Sentry's own namespaces", `ESCAPED unshare-mount`},
	"clone-newuser":    {"the Sentry's own namespaces", `ESCAPED clone-newuser`},
	"io-uring":         {"the Sentry's own io_uring, not the host's", `ESCAPED io-uring`},
}

// gvisorColumn is the README escape table's GVisor column.
var gvisorColumn = victims.Column{Header: "GVisor", Cell: func(a victims.Attack) string {
	if s, ok := gvisorSentryOnly[a.Name]; ok {
		return "Sentry only: " + s.why
	}
	return "stopped"
}}

// TestEscapesGVisor runs every attack of internal/victims under the GVisor
// backend, with the bait of TestEscapes: each is stopped, or reaches only
// the Sentry as gvisorSentryOnly says, and the host's bait is untouched.
func TestEscapesGVisor(t *testing.T) {
	requireRoot(t)
	requireBackend(t, GVisor)
	checkLeaks(t)
	checkRunDirs(t)
	dir := victims.Build(t)
	host := escapeHost(t)
	ptmx, pts := openPTY(t)
	defer ptmx.Close()
	defer pts.Close()
	hostname, _ := os.Hostname()
	sb := New().Backend(GVisor).Bind(dir, "/v")
	for _, a := range victims.Attacks {
		t.Run(a.Name, func(t *testing.T) {
			o := runAttack(t, sb, a, host, pts)
			err := a.Check(o)
			s, documented := gvisorSentryOnly[a.Name]
			switch {
			case documented && err == nil:
				t.Logf("stopped outright (documented as %q): update gvisorSentryOnly and the README", s.why)
			case documented && strings.HasPrefix(s.evidence, "signal "):
				if o.Exited || "signal "+strconv.Itoa(int(o.Signal)) != s.evidence {
					t.Errorf("%+v, want %s (%s)", o, s.evidence, s.why)
				}
			case documented:
				if !o.Exited || !regexp.MustCompile(s.evidence).MatchString(o.Output) {
					t.Errorf("%+v, want %q (%s)", o, s.evidence, s.why)
				}
			case err != nil:
				t.Error(err)
			}
		})
	}
	if h, _ := os.Hostname(); h != hostname {
		t.Errorf("host name changed: %q → %q", hostname, h)
	}
	if b, err := os.ReadFile(host.Marker); err != nil || string(b) != "secret" {
		t.Errorf("host marker changed: %q %v", b, err)
	}
}
