package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Action is what the filter does with a system call.
type Action uint32

// SECCOMP_RET_* values, linux/seccomp.h.
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
	retDataMask    = 0x0000ffff
)

// The actions. Errno(n) makes the call fail with errno n.
const (
	Allow       Action = retAllow
	KillProcess Action = retKillProcess
	KillThread  Action = retKillThread
	Trap        Action = retTrap // SIGSYS to the thread
	Log         Action = retLog  // allowed, and logged by the kernel
)

// Errno returns the action that fails the call with errno e.
func Errno(e syscall.Errno) Action { return Action(retErrno | uint32(e)&retDataMask) }

// String returns the action in the JSON form: "allow", "kill-process",
// "kill-thread", "trap", "log" or "errno:N".
func (a Action) String() string {
	switch a {
	case Allow:
		return "allow"
	case KillProcess:
		return "kill-process"
	case KillThread:
		return "kill-thread"
	case Trap:
		return "trap"
	case Log:
		return "log"
	}
	if uint32(a)&^retDataMask == retErrno {
		return "errno:" + strconv.Itoa(int(uint32(a)&retDataMask))
	}
	return fmt.Sprintf("action(%#x)", uint32(a))
}

func (a Action) valid() bool {
	switch a {
	case Allow, KillProcess, KillThread, Trap, Log:
		return true
	}
	return uint32(a)&^retDataMask == retErrno
}

// ParseAction reads the String form; "errno:EPERM" names work too.
func ParseAction(s string) (Action, error) {
	switch s {
	case "allow":
		return Allow, nil
	case "kill-process", "kill":
		return KillProcess, nil
	case "kill-thread":
		return KillThread, nil
	case "trap":
		return Trap, nil
	case "log":
		return Log, nil
	}
	if v, ok := strings.CutPrefix(s, "errno:"); ok {
		if e, ok := errnoNames[v]; ok {
			return Errno(e), nil
		}
		if n, err := strconv.ParseUint(v, 10, 16); err == nil {
			return Errno(syscall.Errno(n)), nil
		}
	}
	return 0, &PolicyError{Field: "action", Value: s, Reason: `want allow, kill-process, kill-thread, trap, log or errno:N`}
}

var errnoNames = map[string]syscall.Errno{"EPERM": syscall.EPERM, "ENOSYS": syscall.ENOSYS, "EACCES": syscall.EACCES, "EINVAL": syscall.EINVAL}

// Op compares a system call argument with a value.
type Op int

// The comparisons. All work on the full 64-bit argument, unsigned.
const (
	Eq       Op = iota // arg == Value
	Ne                 // arg != Value
	Lt                 // arg < Value
	Le                 // arg <= Value
	Gt                 // arg > Value
	Ge                 // arg >= Value
	MaskedEq           // arg & Mask == Value
)

var opNames = [...]string{"eq", "ne", "lt", "le", "gt", "ge", "masked-eq"}

func (o Op) String() string {
	if o >= 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Cond is one condition on argument Arg (0–5) of the call.
type Cond struct {
	Arg   int
	Op    Op
	Value uint64
	Mask  uint64 // MaskedEq only
}

func (c Cond) holds(args *[6]uint64) bool {
	v := args[c.Arg]
	switch c.Op {
	case Eq:
		return v == c.Value
	case Ne:
		return v != c.Value
	case Lt:
		return v < c.Value
	case Le:
		return v <= c.Value
	case Gt:
		return v > c.Value
	case Ge:
		return v >= c.Value
	case MaskedEq:
		return v&c.Mask == c.Value
	}
	return false
}

// Rule applies Action to the named system calls when every condition
// holds. Rules are tried in order; the first that matches decides.
type Rule struct {
	Syscalls []string
	Action   Action
	Conds    []Cond
	// Optional rules may name calls an architecture lacks (e.g. open on
	// arm64); other rules with an unknown name are an error.
	Optional bool
}

// Policy is a default action and rules. A Policy is plain data: build it,
// then Compile it (as often as needed, concurrently too). A policy with no
// rules is legal, its default decides every call, but the zero Policy
// (kill-thread for everything) is refused as a mistake.
type Policy struct {
	Default Action
	Rules   []Rule
}

// PolicyError reports a bad part of a policy, naming it.
type PolicyError struct {
	Field  string // e.g. "rules[3].syscalls"
	Value  any
	Reason string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("seccomp: %s %v: %s", e.Field, e.Value, e.Reason)
}

// ErrTooLong reports a program over the kernel's 4096-instruction limit.
var ErrTooLong = errors.New("seccomp: program longer than the kernel's 4096 instructions")

// ErrUnsupportedArch reports an architecture without tables here.
var ErrUnsupportedArch = errors.New("seccomp: unsupported architecture")

// Arch is a system call architecture.
type Arch string

// The architectures with tables.
const (
	AMD64 Arch = "amd64"
	ARM64 Arch = "arm64"
)

// Native is the architecture this program runs on.
func Native() Arch { return Arch(runtime.GOARCH) }

// AUDIT_ARCH_* of linux/audit.h, checked first by every program.
const (
	auditArchX8664   = 0xc000003e
	auditArchAArch64 = 0xc00000b7
	x32SyscallBit    = 0x40000000 // __X32_SYSCALL_BIT, asm/unistd.h
)

func (a Arch) table() (map[string]uint32, uint32, error) {
	switch a {
	case AMD64:
		return syscallsAmd64(), auditArchX8664, nil
	case ARM64:
		return syscallsArm64(), auditArchAArch64, nil
	}
	return nil, 0, fmt.Errorf("%w: %q", ErrUnsupportedArch, string(a))
}

// Number returns the number of the named system call on arch.
func (a Arch) Number(name string) (uint32, bool) {
	t, _, err := a.table()
	if err != nil {
		return 0, false
	}
	n, ok := t[name]
	return n, ok
}

// Decide is the policy's plain-Go meaning, the reference the compiled
// program is tested against: what happens to a call on arch.
func (p *Policy) Decide(arch Arch, d Data) Action {
	t, audit, err := arch.table()
	if err != nil || d.Arch != audit {
		return KillProcess
	}
	if arch == AMD64 && d.Nr >= x32SyscallBit {
		return KillProcess
	}
	for _, r := range p.Rules {
		for _, name := range r.Syscalls {
			if n, ok := t[name]; ok && n == d.Nr && allHold(r.Conds, &d.Args) {
				return r.Action
			}
		}
	}
	return p.Default
}

func allHold(cs []Cond, args *[6]uint64) bool {
	for _, c := range cs {
		if !c.holds(args) {
			return false
		}
	}
	return true
}

// validate checks the policy for arch and returns, per syscall number, its
// rules in order.
func (p *Policy) validate(arch Arch) (map[uint32][]Rule, error) {
	if p == nil {
		return nil, &PolicyError{Field: "policy", Value: nil, Reason: "nil policy"}
	}
	t, _, err := arch.table()
	if err != nil {
		return nil, err
	}
	if p.Default == KillThread && len(p.Rules) == 0 {
		// The zero Policy: almost surely not built on purpose.
		return nil, &PolicyError{Field: "policy", Value: "{}", Reason: "empty: no rules and the zero default action (kill-thread)"}
	}
	if !p.Default.valid() {
		return nil, &PolicyError{Field: "default", Value: p.Default, Reason: "unknown action"}
	}
	byNr := map[uint32][]Rule{}
	for i, r := range p.Rules {
		if !r.Action.valid() {
			return nil, &PolicyError{Field: fmt.Sprintf("rules[%d].action", i), Value: r.Action, Reason: "unknown action"}
		}
		if len(r.Syscalls) == 0 {
			return nil, &PolicyError{Field: fmt.Sprintf("rules[%d].syscalls", i), Value: "[]", Reason: "names no system call"}
		}
		for j, c := range r.Conds {
			if c.Arg < 0 || c.Arg > 5 || c.Op < Eq || c.Op > MaskedEq {
				return nil, &PolicyError{Field: fmt.Sprintf("rules[%d].args[%d]", i, j), Value: fmt.Sprintf("%+v", c), Reason: "argument index must be 0-5 and op one of " + strings.Join(opNames[:], ", ")}
			}
		}
		for _, name := range r.Syscalls {
			n, ok := t[name]
			if !ok {
				if r.Optional {
					continue
				}
				return nil, &PolicyError{Field: fmt.Sprintf("rules[%d].syscalls", i), Value: name, Reason: "unknown system call on " + string(arch)}
			}
			byNr[n] = append(byNr[n], r)
		}
	}
	return byNr, nil
}
