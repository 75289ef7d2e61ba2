package seccomp

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Classic BPF opcodes used here (linux/filter.h, linux/bpf_common.h).
const (
	opLdAbsW = 0x20 // A = word at k
	opAndK   = 0x54 // A &= k
	opJa     = 0x05 // pc += k
	opJeqK   = 0x15 // pc += A == k ? jt : jf
	opJgtK   = 0x25
	opJgeK   = 0x35
	opRetK   = 0x06 // return k
)

// Offsets in struct seccomp_data (linux/seccomp.h), little-endian.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// maxInsns is BPF_MAXINSNS.
const maxInsns = 4096

// Data mirrors struct seccomp_data (linux/seccomp.h): what the kernel
// gives the filter, laid out little-endian as on amd64 and arm64.
type Data struct {
	Nr   uint32    // the call number; an int in the kernel, a 32-bit word to the filter (-1 is 0xffffffff)
	Arch uint32    // AUDIT_ARCH_* of the calling ABI
	IP   uint64    // instruction_pointer
	Args [6]uint64 // the arguments, whole 64-bit registers
}

func (d *Data) bytes() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], d.Nr)
	binary.LittleEndian.PutUint32(b[4:], d.Arch)
	binary.LittleEndian.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// Program is a compiled filter for one architecture.
type Program struct {
	arch  Arch
	insns []Instruction
}

// Instruction is one classic BPF instruction, laid out as struct
// sock_filter (linux/filter.h).
type Instruction struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// BPF returns the program's instructions. The slice is the program's own:
// do not change it.
func (p *Program) BPF() []Instruction { return p.insns }

// Len is the number of instructions.
func (p *Program) Len() int { return len(p.insns) }

// Arch is the architecture the program checks for.
func (p *Program) Arch() Arch { return p.arch }

// Evaluate executes the program on d as the kernel would and returns the
// action it decides.
func (p *Program) Evaluate(d Data) (Action, error) {
	a, _, err := p.Run(d)
	return a, err
}

// Run executes the program on d as the kernel would and returns the action
// and the number of instructions executed.
func (p *Program) Run(d Data) (Action, int, error) {
	mem := d.bytes()
	var a uint32
	for pc, n := 0, 1; pc < len(p.insns); n++ {
		in := p.insns[pc]
		switch in.Code {
		case opLdAbsW:
			if int(in.K)+4 > len(mem) {
				return 0, n, fmt.Errorf("seccomp: load out of bounds at %d", pc)
			}
			a = binary.LittleEndian.Uint32(mem[in.K:])
			pc++
		case opAndK:
			a &= in.K
			pc++
		case opJa:
			pc += 1 + int(in.K)
		case opJeqK, opJgtK, opJgeK:
			var taken bool
			switch in.Code {
			case opJeqK:
				taken = a == in.K
			case opJgtK:
				taken = a > in.K
			default:
				taken = a >= in.K
			}
			if taken {
				pc += 1 + int(in.Jt)
			} else {
				pc += 1 + int(in.Jf)
			}
		case opRetK:
			return Action(in.K), n, nil
		default:
			return 0, n, fmt.Errorf("seccomp: unknown opcode %#x at %d", in.Code, pc)
		}
	}
	return 0, 0, fmt.Errorf("seccomp: program ran off its end")
}

// String disassembles the program, one instruction a line: its address,
// then the instruction with jump targets as addresses; a comparison with
// the call number is commented with the call's name.
func (p *Program) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "; seccomp filter for %s, %d instructions\n", p.arch, len(p.insns))
	names := map[uint32]string{}
	if t, _, err := p.arch.table(); err == nil {
		for name, nr := range t {
			names[nr] = name
		}
	}
	loaded := uint32(0xffffffff) // offset last loaded into A
	for pc, in := range p.insns {
		fmt.Fprintf(&b, "%04d  ", pc)
		switch in.Code {
		case opLdAbsW:
			name := map[uint32]string{offNr: "nr", offArch: "arch"}[in.K]
			if name == "" && in.K >= offArgs {
				half := "lo"
				if (in.K-offArgs)%8 == 4 {
					half = "hi"
				}
				name = fmt.Sprintf("args[%d].%s", (in.K-offArgs)/8, half)
			}
			fmt.Fprintf(&b, "ld   %s", name)
			loaded = in.K
		case opAndK:
			fmt.Fprintf(&b, "and  %#x", in.K)
			loaded = 0xffffffff
		case opJa:
			fmt.Fprintf(&b, "ja   %04d", pc+1+int(in.K))
		case opJeqK, opJgtK, opJgeK:
			op := map[uint16]string{opJeqK: "jeq", opJgtK: "jgt", opJgeK: "jge"}[in.Code]
			fmt.Fprintf(&b, "%-4s %#x, %04d, %04d", op, in.K, pc+1+int(in.Jt), pc+1+int(in.Jf))
			switch name, ok := names[in.K]; {
			case loaded == offNr && ok:
				fmt.Fprintf(&b, "  ; %s", name)
			case loaded == offNr && in.K == x32SyscallBit:
				b.WriteString("  ; x32 ABI")
			case loaded == offArch:
				b.WriteString(map[Arch]string{AMD64: "  ; AUDIT_ARCH_X86_64", ARM64: "  ; AUDIT_ARCH_AARCH64"}[p.arch])
			}
		case opRetK:
			fmt.Fprintf(&b, "ret  %s", Action(in.K))
		default:
			fmt.Fprintf(&b, "?    %#v", in)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func stmt(code uint16, k uint32) Instruction { return Instruction{Code: code, K: k} }

func jump(code uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: code, Jt: jt, Jf: jf, K: k}
}
