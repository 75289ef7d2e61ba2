package seccomp

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/net/bpf"
)

// The compiler and Program.Run share their opcode, offset and action
// constants, so one wrong constant would pass both. The tests here run the
// compiled programs in golang.org/x/net/bpf's virtual machine, which has
// its own, on data laid out by the test, and compare the verdicts with the
// policies' reference meaning (Policy.Decide, which knows no BPF). The
// dependency is test-only: it is not in the library's import graph.

// kernelData mirrors struct seccomp_data (linux/seccomp.h), independently
// of Data and of the offsets the compiler uses.
type kernelData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

// packet lays d out as the kernel hands it to a filter on a little-endian
// machine (amd64, arm64), for x/net/bpf, whose loads are big-endian
// (network order): every 32-bit word is stored byte-swapped, so a word load
// reads the value the kernel's native load would.
func packet(d Data) []byte {
	var k kernelData
	b := make([]byte, unsafe.Sizeof(k))
	le := binary.LittleEndian
	le.PutUint32(b[unsafe.Offsetof(k.nr):], d.Nr)
	le.PutUint32(b[unsafe.Offsetof(k.arch):], d.Arch)
	le.PutUint64(b[unsafe.Offsetof(k.ip):], d.IP)
	for i, a := range d.Args {
		le.PutUint64(b[unsafe.Offsetof(k.args)+uintptr(8*i):], a)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return b
}

// independentVM loads prog into x/net/bpf's VM, which also checks that
// every jump stays inside the program and that it ends in a return.
func independentVM(t testing.TB, prog *Program) *bpf.VM {
	t.Helper()
	insns := make([]bpf.Instruction, prog.Len())
	for i, in := range prog.BPF() {
		insns[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}.Disassemble()
		if _, unknown := insns[i].(bpf.RawInstruction); unknown {
			t.Fatalf("instruction %d %+v: not a classic BPF instruction", i, in)
		}
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatalf("x/net/bpf refuses the program: %v\n%s", err, prog)
	}
	return vm
}

// runIndependent runs d through vm and returns the action it returned.
func runIndependent(t testing.TB, vm *bpf.VM, d Data) Action {
	t.Helper()
	n, err := vm.Run(packet(d))
	if err != nil {
		t.Fatalf("x/net/bpf: %+v: %v", d, err)
	}
	return Action(uint32(n))
}

// TestProgramsInIndependentVM: the compiled profiles, a policy long enough
// for trampolines and an allow-all one decide in x/net/bpf's VM exactly as
// the policies say, for every call number, both architectures, foreign
// architectures and the argument patterns.
func TestProgramsInIndependentVM(t *testing.T) {
	nrs := []uint32{x32SyscallBit, x32SyscallBit + 1, x32SyscallBit | 39, 0x7fffffff, 0xffffffff, 1 << 20}
	for n := uint32(0); n < 1100; n++ {
		nrs = append(nrs, n)
	}
	for _, a := range arches {
		for name, pol := range map[string]*Policy{"Default": Default(), "Strict": Strict(), "300rules": longPolicy(300), "allow": {Default: Allow}} {
			prog, err := pol.CompileFor(a.arch)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, a.arch, err)
			}
			vm := independentVM(t, prog)
			for _, nr := range nrs {
				for _, args := range argPatterns {
					for _, audit := range []uint32{a.audit, 0x40000003 /* AUDIT_ARCH_I386 */, 0} {
						d := Data{Nr: nr, Arch: audit, IP: 0x401000, Args: args}
						if got, want := runIndependent(t, vm, d), pol.Decide(a.arch, d); got != want {
							t.Fatalf("%s/%s nr %#x arch %#x args %x: x/net/bpf says %v, want %v\n%s", name, a.arch, nr, audit, args, got, want, prog)
						}
					}
				}
			}
		}
	}
}

// TestPacket: the layout packet makes is struct seccomp_data's.
func TestPacket(t *testing.T) {
	b := packet(Data{Nr: 0x01020304, Arch: 0xc000003e, IP: 0x1122334455667788, Args: [6]uint64{5: 0xa1a2a3a4b1b2b3b4}})
	be := binary.BigEndian
	for _, c := range []struct {
		off  int
		want uint32
	}{{0, 0x01020304}, {4, 0xc000003e}, {8, 0x55667788}, {12, 0x11223344}, {56, 0xb1b2b3b4}, {60, 0xa1a2a3a4}} {
		if got := be.Uint32(b[c.off:]); got != c.want {
			t.Errorf("word at %d = %#x, want %#x", c.off, got, c.want)
		}
	}
	if len(b) != 64 {
		t.Errorf("len = %d, want 64", len(b))
	}
}
