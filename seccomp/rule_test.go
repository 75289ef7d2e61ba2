package seccomp

import (
	"math"
	"syscall"
	"testing"
)

// TestLongRule: a rule whose conditions need more than one chunk (so its
// failing jumps go through trampolines) decides as the reference does,
// whichever condition fails.
func TestLongRule(t *testing.T) {
	var conds []Cond
	for i := 0; i < 60; i++ {
		conds = append(conds,
			Cond{Arg: 0, Op: Ge, Value: 10},
			Cond{Arg: 0, Op: Le, Value: 1000},
			Cond{Arg: 0, Op: Ne, Value: uint64(500 + i)},
			Cond{Arg: 1, Op: MaskedEq, Mask: 0xff_0000_00ff, Value: 0x12_0000_0034})
	}
	pol := &Policy{Default: Errno(syscall.ENOSYS), Rules: []Rule{
		{Syscalls: []string{"read"}, Action: Errno(syscall.EPERM), Conds: conds},
		{Syscalls: []string{"read"}, Action: Allow, Conds: []Cond{{Arg: 0, Op: Lt, Value: 1 << 40}}},
	}}
	prog, err := pol.CompileFor(AMD64)
	if err != nil {
		t.Fatal(err)
	}
	jas := 0
	for _, in := range prog.BPF() {
		if in.Code == opJa {
			jas++
		}
	}
	if jas < 2 {
		t.Fatalf("expected trampolines, have %d JA instructions\n%s", jas, prog)
	}
	a1s := []uint64{0x12_0000_0034, 0x12_ffff_ff34, 0x13_0000_0034, 0}
	for _, a0 := range []uint64{0, 9, 10, 499, 500, 530, 559, 560, 1000, 1001, 1<<32 + 700, 1 << 41, math.MaxUint64} {
		for _, a1 := range a1s {
			d := Data{Nr: 0, Arch: auditArchX8664, Args: [6]uint64{a0, a1}}
			got, _, err := prog.Run(d)
			if want := pol.Decide(AMD64, d); err != nil || got != want {
				t.Fatalf("args %#x %#x: got %v (%v), want %v\n%s", a0, a1, got, err, want, prog)
			}
		}
	}
}
