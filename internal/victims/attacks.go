//go:build linux

package victims

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// Needs says which fixtures an attack needs from the test. Args passes
// them all; an attack whose fixture is missing exits 2 (a usage error),
// except the terminal ones, which report BLOCKED "fd 0 is not a terminal"
// and so test nothing.
type Needs uint

const (
	// NeedMarker: Host.Marker, the absolute path of a host file, readable
	// by the sandbox's uid were it reachable (mode 0644 in a 0755
	// directory), that must stay unreachable.
	NeedMarker Needs = 1 << iota
	// NeedHostPID: Host.PID, a host process (the test's own os.Getpid()).
	NeedHostPID
	// NeedPort: Host.Port, a TCP port a host process listens on at
	// 127.0.0.1.
	NeedPort
	// NeedAbstract: Host.Abstract, the name (without '@') of an abstract
	// unix socket a host process listens on.
	NeedAbstract
	// NeedTTY: the command's stdin must be a terminal (the slave of a
	// pseudo-terminal the test opened), as a judge or shell would hand in.
	NeedTTY
	// NeedHostIPC: a System V shared memory segment must exist on the
	// host (the test creates one with shmget(IPC_PRIVATE) first and removes
	// it after), so that seeing none proves the IPC namespace.
	NeedHostIPC
	// NeedUnixSocket: host processes listen on unix sockets beside
	// Host.Marker, Marker+".sock" (stream) and Marker+".dgram" (datagram),
	// both mode 0777, so that only the sandbox can keep the sandbox's uid
	// from them.
	NeedUnixSocket
)

// Expect is how a sandbox stops an attack.
type Expect int

const (
	// Blocked: the program prints "BLOCKED <name>: ..." and exits 0 (a
	// seccomp kill by SIGSYS also counts).
	Blocked Expect = iota
	// KilledBySIGSYS: the seccomp filter must kill the program; surviving
	// is an escape.
	KilledBySIGSYS
)

func (e Expect) String() string {
	switch e {
	case Blocked:
		return "blocked (exit 0)"
	case KilledBySIGSYS:
		return "killed by SIGSYS"
	}
	return "Expect(" + strconv.Itoa(int(e)) + ")"
}

// Attack is one subcommand of the victim program.
type Attack struct {
	Name        string // the subcommand
	Class       string // the escape class it stands for
	Description string // what it tries, in one line
	// StoppedBy is what stops it in a default sandbox (documentation,
	// not asserted: the errno in the BLOCKED line is the evidence).
	StoppedBy string
	Needs     Needs
	Expect    Expect
	// NeedsSeccomp: in a default sandbox only the seccomp filter stops
	// it; an unprivileged process without a filter may succeed (depending
	// on host sysctls), so a run with Seccomp(nil) must skip it.
	NeedsSeccomp bool
	// ForeignABI, set on the attacks that make a system call through
	// another ABI than the program's own, names the kernel feature that
	// provides that ABI. Whether it exists on a kernel is shown by a run
	// with no filter: see ReachesFilter.
	ForeignABI string
	// LandlockGap, when not empty, says why the Landlock backend (no
	// namespace) cannot stop the attack: it escapes there, and the escape
	// tests assert that it does, so that the README's table stays true.
	LandlockGap string
}

// Host holds the fixtures a test provides; Args passes them to the
// program. Zero values are passed as "-" (or 0).
type Host struct {
	Marker   string // see NeedMarker
	PID      int    // see NeedHostPID
	Port     int    // see NeedPort
	Abstract string // see NeedAbstract
}

// Args returns the program's arguments (without argv[0]) for the attack:
// ATTACK MARKER HOSTPID PORT ABSTRACT.
func (a Attack) Args(h Host) []string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return []string{a.Name, dash(h.Marker), strconv.Itoa(h.PID), strconv.Itoa(h.Port), dash(h.Abstract)}
}

// Outcome is what a run of the program produced.
type Outcome struct {
	Exited   bool           // it exited (false: killed by Signal)
	ExitCode int            // when Exited
	Signal   syscall.Signal // when !Exited
	Output   string         // its stdout and stderr
}

// Check returns nil when the outcome shows the attack was stopped, and an
// error quoting the program's evidence otherwise. It assumes a seccomp
// filter is installed (see NeedsSeccomp).
func (a Attack) Check(o Outcome) error {
	out := strings.TrimSpace(o.Output)
	if !o.Exited && o.Signal == syscall.SIGSYS {
		return nil // a filter that kills blocks too
	}
	if a.Expect == KilledBySIGSYS {
		if o.Exited {
			return fmt.Errorf("%s: exited %d, want killed by SIGSYS: %s", a.Name, o.ExitCode, out)
		}
		return fmt.Errorf("%s: killed by %v, want SIGSYS: %s", a.Name, o.Signal, out)
	}
	if !o.Exited {
		return fmt.Errorf("%s: killed by %v, want a BLOCKED line and exit 0: %q", a.Name, o.Signal, out)
	}
	if strings.Contains(out, "\n") {
		return fmt.Errorf("%s: exit %d, more than one line: %q", a.Name, o.ExitCode, out)
	}
	switch {
	case o.ExitCode == 0 && strings.HasPrefix(out, "BLOCKED "+a.Name+": "):
		return nil
	case o.ExitCode == 42 && strings.HasPrefix(out, "ESCAPED "+a.Name+": "):
		return fmt.Errorf("%s (%s): %s", a.Name, a.Class, out)
	case o.ExitCode == 2:
		return fmt.Errorf("%s: usage error (a fixture missing? needs %s): %s", a.Name, a.Needs, out)
	}
	return fmt.Errorf("%s: exit %d, want a BLOCKED line and exit 0: %q", a.Name, o.ExitCode, out)
}

// ReachesFilter looks at the outcome of a run of the attack with no seccomp
// filter and says whether its system call reaches the kernel's system call
// entry on this kernel, where a filter runs first. When it does not, a
// filter never sees the call and the attack tests nothing here; evidence
// then says what the run showed.
//
// A foreign-ABI call that returns — even ENOSYS, as an x32 call does on a
// kernel built without CONFIG_X86_X32_ABI — went through the system call
// entry, so a filter must kill it. An int 0x80 call on a kernel whose
// IA-32 emulation is off (ia32_emulation=0, or a hypervisor without the
// gate) dies by SIGSEGV before that: it does not reach the filter. An
// attack that is not foreign-ABI always reaches it.
func (a Attack) ReachesFilter(unfiltered Outcome) (reached bool, evidence string) {
	out := strings.TrimSpace(unfiltered.Output)
	switch {
	case a.ForeignABI == "":
		return true, ""
	case !unfiltered.Exited:
		return false, fmt.Sprintf("with no seccomp filter, %s dies by %v: the call never reaches the system call entry", a.Name, unfiltered.Signal)
	case unfiltered.ExitCode == 0 && strings.HasPrefix(out, "BLOCKED "+a.Name+": "):
		return false, out // not x86-64: no such ABI to try
	}
	return true, out
}

func (n Needs) String() string {
	names := []string{"marker", "host pid", "port", "abstract socket", "tty", "host SysV IPC", "host unix sockets"}
	var s []string
	for i, name := range names {
		if n&(1<<i) != 0 {
			s = append(s, name)
		}
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// Lookup returns the attack with this name.
func Lookup(name string) (Attack, bool) {
	for _, a := range Attacks {
		if a.Name == name {
			return a, true
		}
	}
	return Attack{}, false
}

// Column is an extra column of the README's table, e.g. how a backend
// other than the default one fares against each attack.
type Column struct {
	Header string
	Cell   func(Attack) string
}

// MarkdownTable returns the README's table of attacks:
// "| attack | class | what it tries | Landlock backend |", then one column
// per extra column, one row per attack, in order; the Landlock column is
// "stopped", or "**not stopped**" and the LandlockGap.
func MarkdownTable(extra ...Column) string {
	var b strings.Builder
	esc := strings.NewReplacer("|", `\|`)
	b.WriteString("| attack | class | what it tries | Landlock backend |")
	for _, c := range extra {
		fmt.Fprintf(&b, " %s |", esc.Replace(c.Header))
	}
	b.WriteString("\n| --- | --- | --- | --- |" + strings.Repeat(" --- |", len(extra)) + "\n")
	for _, a := range Attacks {
		ll := "stopped"
		if a.LandlockGap != "" {
			ll = "**not stopped**: " + esc.Replace(a.LandlockGap)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |", a.Name, esc.Replace(a.Class), esc.Replace(a.Description), ll)
		for _, c := range extra {
			fmt.Fprintf(&b, " %s |", esc.Replace(c.Cell(a)))
		}
		b.WriteString("\n")
	}
	return b.String()
}
