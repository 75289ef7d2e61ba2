package seccomp

import (
	"encoding/binary"
	"reflect"
	"slices"
	"syscall"
	"testing"
)

// policyFrom decodes a random policy from fuzz input: a default action and
// up to 16 rules on calls numbered below 64 on arch, with conditions.
func policyFrom(b []byte, arch Arch) *Policy {
	actions := []Action{Allow, KillProcess, Errno(syscall.EPERM), Errno(syscall.ENOSYS), Trap, Log}
	next := func(n int) uint64 {
		if len(b) < n {
			b = append(b, make([]byte, n-len(b))...)
		}
		var buf [8]byte
		copy(buf[:], b[:n])
		b = b[n:]
		return binary.LittleEndian.Uint64(buf[:])
	}
	table, _, _ := arch.table()
	names := make([]string, 0, 64)
	for name, nr := range table {
		if nr < 64 {
			names = append(names, name)
		}
	}
	slices.Sort(names) // the same input, the same policy
	p := &Policy{Default: actions[next(1)%uint64(len(actions))]}
	for r := next(1) % 16; r > 0; r-- {
		rule := Rule{Action: actions[next(1)%uint64(len(actions))]}
		for n := next(1)%3 + 1; n > 0; n-- {
			rule.Syscalls = append(rule.Syscalls, names[next(1)%uint64(len(names))])
		}
		for c := next(1) % 3; c > 0; c-- {
			rule.Conds = append(rule.Conds, Cond{Arg: int(next(1) % 6), Op: Op(next(1) % 7), Value: next(8), Mask: next(8)})
		}
		p.Rules = append(p.Rules, rule)
	}
	return p
}

// FuzzCompile: for random policies and random calls, the compiled program
// and the policy's reference meaning agree.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{2, 3, 0, 1, 5, 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0}, uint32(5), uint64(0xffffffff), uint64(1<<32))
	f.Add([]byte{0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint32(0), uint64(0), uint64(0))
	f.Fuzz(func(t *testing.T, spec []byte, nr uint32, a0, a1 uint64) {
		arch, audit := AMD64, uint32(auditArchX8664)
		if nr&(1<<31) != 0 {
			arch, audit = ARM64, auditArchAArch64
		}
		p := policyFrom(spec, arch)
		prog, err := p.CompileFor(arch)
		if err != nil {
			t.Fatalf("compile: %v", err)
		}
		vm := independentVM(t, prog)
		for _, d := range []Data{
			{Nr: nr % 80, Arch: audit, Args: [6]uint64{a0, a1, a0, a1, a0, a1}},
			{Nr: nr % 80, Arch: audit, Args: [6]uint64{a1, a0, a1 ^ a0, a0 >> 32, a1 << 32, ^a0}},
			{Nr: nr &^ (1 << 31), Arch: audit, Args: [6]uint64{a0, a1}},
			{Nr: nr % 80, Arch: auditArchX8664 ^ auditArchAArch64 ^ audit, Args: [6]uint64{a0, a1}},
		} {
			got, _, err := prog.Run(d)
			want := p.Decide(arch, d)
			if err != nil || got != want {
				t.Fatalf("%+v: got %v (%v), want %v\n%s", d, got, err, want, prog)
			}
			if got := runIndependent(t, vm, d); got != want {
				t.Fatalf("%+v: x/net/bpf says %v, want %v\n%s", d, got, want, prog)
			}
		}
	})
}

// FuzzParseJSON: any input either parses into a policy that compiles and
// survives a round trip, or is an error; it never panics.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"defaultAction":"errno:38","rules":[{"syscalls":["read"],"action":"allow"}]}`))
	f.Add([]byte(`{"defaultAction":"allow","rules":[{"syscalls":["ioctl"],"action":"errno:EPERM","args":[{"index":1,"op":"masked-eq","mask":4294967295,"value":21522}]}]}`))
	f.Add([]byte(`{"defaultAction":"kill","rules":[{"syscalls":["open"],"action":"allow","optional":true}]}`))
	f.Add([]byte(`{"defaultAction":"errno:99999"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseJSON(data)
		if err != nil {
			return
		}
		if _, err := p.Compile(); err != nil {
			t.Fatalf("parsed but does not compile: %v", err)
		}
		out, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseJSON(out)
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the policy:\n%+v\n%+v", p, q)
		}
	})
}
