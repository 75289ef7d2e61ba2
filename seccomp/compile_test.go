package seccomp

import (
	"errors"
	"math"
	"slices"
	"strings"
	"syscall"
	"testing"
)

var arches = []struct {
	arch  Arch
	audit uint32
}{{AMD64, auditArchX8664}, {ARM64, auditArchAArch64}}

// argPatterns are argument vectors that exercise the conditions of the
// profiles and the 32-bit halves.
var argPatterns = [][6]uint64{
	{},
	{cloneNewFlags, tiocsti},
	{cloneThread | 0x100, tioclinux},
	{0x10000000, 0x1_0000_5412},
	{0x8, 0xffffffff_00005412},
	{0xffffffff, 1},
	{0x0040000, 0},
	{math.MaxUint64, math.MaxUint64},
	// socket(family, type, protocol): allowed and refused families, and
	// an int argument with garbage in the register's upper half.
	{afVsock, 1, 0},
	{afNetlink, 3, netlinkKobjectUevent},
	{afNetlink, 3, 0},
	{afInet6, 2, 0},
	{0xffffffff_00000002, 1, 0},
	{0x1_0000_0000 | afVsock, 1, 0},
	{afNetlink, 3, 0x1_0000_0000 | netlinkKobjectUevent},
}

// checkProgram runs p's program for arch on every call number (and beyond)
// with every pattern, and compares with the policy's reference meaning.
func checkProgram(t *testing.T, name string, pol *Policy, arch Arch, audit uint32) {
	t.Helper()
	prog, err := pol.CompileFor(arch)
	if err != nil {
		t.Fatalf("%s/%s: %v", name, arch, err)
	}
	nrs := []uint32{x32SyscallBit, x32SyscallBit + 1, x32SyscallBit | 39, 0x7fffffff, 0xffffffff, 1 << 20}
	for n := uint32(0); n < 1100; n++ {
		nrs = append(nrs, n)
	}
	for _, nr := range nrs {
		for _, args := range argPatterns {
			for _, a := range []uint32{audit, 0x40000003 /* AUDIT_ARCH_I386 */, 0} {
				d := Data{Nr: nr, Arch: a, Args: args}
				got, _, err := prog.Run(d)
				want := pol.Decide(arch, d)
				if err != nil || got != want {
					t.Fatalf("%s/%s nr %d arch %#x args %x: got %v (%v), want %v\n%s", name, arch, nr, a, args, got, err, want, prog)
				}
			}
		}
	}
}

// TestProfilesMatchReference: the compiled profiles decide exactly as the
// policies say, for every call number of both architectures.
func TestProfilesMatchReference(t *testing.T) {
	for _, a := range arches {
		checkProgram(t, "Default", Default(), a.arch, a.audit)
		checkProgram(t, "Strict", Strict(), a.arch, a.audit)
		// Long enough that the search needs JA trampolines.
		checkProgram(t, "300rules", longPolicy(300), a.arch, a.audit)
	}
}

// TestForeignArchitectureKilled: i386 and x32 calls are killed by every
// profile, whatever the number.
func TestForeignArchitectureKilled(t *testing.T) {
	for _, pol := range []*Policy{Default(), Strict(), {Default: Allow}} {
		prog, err := pol.CompileFor(AMD64)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []Data{{Nr: 1, Arch: 0x40000003}, {Nr: 0x40000001, Arch: auditArchX8664}, {Nr: 0, Arch: auditArchAArch64}} {
			if got, _, _ := prog.Run(d); got != KillProcess {
				t.Errorf("%+v: %v, want kill-process", d, got)
			}
		}
	}
}

// TestConditionEdges: 64-bit comparisons on 32-bit words.
func TestConditionEdges(t *testing.T) {
	values := []uint64{0, 1, 0xffffffff, 0x1_0000_0000, 0x1_0000_0001, 0xffffffff_ffffffff, 0x8000_0000_0000_0000,
		uint64(1<<63 - 1), 0x0000_0001_ffff_ffff, 0xffff_ffff_0000_0000}
	masks := []uint64{0xffffffff, 0xffffffff_00000000, 0x1_0000_0001, math.MaxUint64, 0}
	for op := Eq; op <= MaskedEq; op++ {
		for _, v := range values {
			for _, m := range masks {
				pol := &Policy{Default: Errno(syscall.EPERM), Rules: []Rule{
					{Syscalls: []string{"read"}, Action: Allow, Conds: []Cond{{Arg: 2, Op: op, Value: v, Mask: m}}},
				}}
				prog, err := pol.CompileFor(AMD64)
				if err != nil {
					t.Fatal(err)
				}
				for _, arg := range values {
					d := Data{Nr: 0, Arch: auditArchX8664, Args: [6]uint64{0, 0, arg}}
					if got, want := mustRun(t, prog, d), pol.Decide(AMD64, d); got != want {
						t.Fatalf("%v value %#x mask %#x arg %#x: got %v want %v\n%s", op, v, m, arg, got, want, prog)
					}
				}
				if op != MaskedEq {
					break
				}
			}
		}
	}
}

func mustRun(t *testing.T, p *Program, d Data) Action {
	t.Helper()
	a, _, err := p.Run(d)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCommonCallsAreCheap: read, write and futex pass Default in at most 12
// executed instructions (reported with -v, with the worst case).
func TestCommonCallsAreCheap(t *testing.T) {
	for _, a := range arches {
		prog, err := Default().CompileFor(a.arch)
		if err != nil {
			t.Fatal(err)
		}
		worst, worstName := 0, ""
		for name, nr := range map[Arch]map[string]uint32{AMD64: syscallsAmd64(), ARM64: syscallsArm64()}[a.arch] {
			for _, args := range argPatterns {
				_, n, _ := prog.Run(Data{Nr: nr, Arch: a.audit, Args: args})
				if n > worst {
					worst, worstName = n, name
				}
			}
		}
		for _, name := range []string{"read", "write", "futex"} {
			nr, _ := a.arch.Number(name)
			_, n, _ := prog.Run(Data{Nr: nr, Arch: a.audit})
			t.Logf("%s %s: %d instructions", a.arch, name, n)
			if n > 12 {
				t.Errorf("%s %s takes %d instructions, want ≤ 12", a.arch, name, n)
			}
		}
		t.Logf("%s: program %d instructions, worst case %d (%s)", a.arch, prog.Len(), worst, worstName)
	}
}

func TestPolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		pol  *Policy
		arch Arch
		want string
		is   error
	}{
		{"nil policy", nil, AMD64, "nil policy", nil},
		{"zero policy", &Policy{}, AMD64, "empty", nil},
		{"unknown syscall", &Policy{Default: Allow, Rules: []Rule{{Syscalls: []string{"frobnicate"}, Action: Allow}}}, AMD64, "frobnicate", nil},
		{"open on arm64", &Policy{Default: Allow, Rules: []Rule{{Syscalls: []string{"open"}, Action: Allow}}}, ARM64, "open", nil},
		{"empty rule", &Policy{Default: Allow, Rules: []Rule{{Action: Allow}}}, AMD64, "names no system call", nil},
		{"bad action", &Policy{Default: Action(0x12345678)}, AMD64, "unknown action", nil},
		{"bad arg index", &Policy{Default: Allow, Rules: []Rule{{Syscalls: []string{"read"}, Action: Allow, Conds: []Cond{{Arg: 6}}}}}, AMD64, "argument index", nil},
		{"unsupported arch", Default(), Arch("mips"), "mips", ErrUnsupportedArch},
		{"too long", longPolicy(2000), AMD64, "4096", ErrTooLong},
	}
	for _, tt := range tests {
		_, err := tt.pol.CompileFor(tt.arch)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one naming %q", tt.name, err, tt.want)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: %v is not %v", tt.name, err, tt.is)
		}
	}
	// An empty policy is legal: its default decides everything.
	prog, err := (&Policy{Default: Errno(syscall.EPERM)}).CompileFor(AMD64)
	if err != nil || mustRun(t, prog, Data{Nr: 0, Arch: auditArchX8664}) != Errno(syscall.EPERM) {
		t.Errorf("empty policy: %v", err)
	}
}

// longPolicy has n rules with a condition each, on different calls.
func longPolicy(n int) *Policy {
	p := &Policy{Default: Errno(syscall.ENOSYS)}
	names := make([]string, 0, len(syscallsAmd64()))
	for name := range syscallsAmd64() {
		names = append(names, name)
	}
	slices.Sort(names) // the same policy every time
	for i := 0; i < n; i++ {
		p.Rules = append(p.Rules, Rule{Syscalls: []string{names[i%len(names)]}, Action: Allow, Optional: true,
			Conds: []Cond{{Arg: i % 6, Op: Op(i % 7), Value: uint64(i) << 20, Mask: 0xffff0000}}})
	}
	return p
}

func BenchmarkCompile(b *testing.B) {
	for _, c := range []struct {
		name string
		pol  *Policy
	}{{"Default", Default()}, {"300rules", longPolicy(300)}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.pol.CompileFor(AMD64); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunDefault runs Default's amd64 program in the interpreter and
// reports the instructions a call executes.
func BenchmarkRunDefault(b *testing.B) {
	prog, err := Default().CompileFor(AMD64)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"read", "write", "futex", "personality"} {
		nr, _ := AMD64.Number(name)
		d := Data{Nr: nr, Arch: auditArchX8664, Args: [6]uint64{0: 0xffffffff}}
		b.Run(name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				_, n, _ = prog.Run(d)
			}
			b.ReportMetric(float64(n), "insns/call")
		})
	}
}
