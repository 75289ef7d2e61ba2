package seccomp

// The code of one rule with conditions: each condition in turn, and when
// all hold, return the rule's action; a failing condition jumps past the
// rule (to the next rule of the same call, or the default).
//
// A conditional jump reaches at most 255 instructions ahead, so the
// conditions are laid out in chunks of at most chunkLen instructions; a
// chunk that is not the rule's last ends with a trampoline:
//
//	ja   1          ; every condition of the chunk held: skip the trampoline
//	ja   <rule end> ; a condition failed: JA takes a 32-bit offset

// chunkLen bounds a chunk so that a failing jump reaches its trampoline.
const chunkLen = 240

// Symbolic jump targets inside one condition.
const (
	next = -1 // the end of the condition's code: it holds
	fail = -2 // the chunk's trampoline or the rule's end: it does not
)

// sym is an instruction whose jump targets may be symbolic.
type sym struct {
	in     Instruction
	jt, jf int // next, fail, or a literal offset ≥ 0
}

func ld(off uint32) sym { return sym{in: stmt(opLdAbsW, off)} }

func jmp(op uint16, k uint32, jt, jf int) sym { return sym{in: jump(op, k, 0, 0), jt: jt, jf: jf} }

// condCode compares the full 64-bit argument, high word first: the low
// word decides only when the high words are equal.
func condCode(c Cond) []sym {
	hi, lo := uint32(c.Value>>32), uint32(c.Value)
	offLo := uint32(offArgs + 8*c.Arg) // little-endian: low word first
	offHi := offLo + 4
	switch c.Op {
	case Eq:
		return []sym{ld(offHi), jmp(opJeqK, hi, 0, fail), ld(offLo), jmp(opJeqK, lo, 0, fail)}
	case Ne:
		return []sym{ld(offHi), jmp(opJeqK, hi, 0, next), ld(offLo), jmp(opJeqK, lo, fail, 0)}
	case MaskedEq:
		mhi, mlo := uint32(c.Mask>>32), uint32(c.Mask)
		if hi&mhi != hi || lo&mlo != lo {
			// Value has bits outside Mask: it never matches.
			return []sym{{in: stmt(opJa, 0), jt: fail}}
		}
		// A half the mask clears always matches (its value is zero there):
		// only the other half is compared. A 32-bit int argument
		// (Mask 0xffffffff) thus costs three instructions, not six.
		var code []sym
		if mhi != 0 {
			code = append(code, ld(offHi), sym{in: stmt(opAndK, mhi)}, jmp(opJeqK, hi, 0, fail))
		}
		if mlo != 0 {
			code = append(code, ld(offLo), sym{in: stmt(opAndK, mlo)}, jmp(opJeqK, lo, 0, fail))
		}
		if code == nil {
			return []sym{{in: stmt(opJa, 0), jt: next}} // Mask 0: always true
		}
		return code
	case Gt, Ge:
		last := uint16(opJgtK)
		if c.Op == Ge {
			last = opJgeK
		}
		return []sym{ld(offHi), jmp(opJgtK, hi, next, 0), jmp(opJeqK, hi, 0, fail), ld(offLo), jmp(last, lo, 0, fail)}
	case Lt, Le:
		last := uint16(opJgeK) // arg < v  ⇔  !(arg ≥ v)
		if c.Op == Le {
			last = opJgtK
		}
		return []sym{ld(offHi), jmp(opJgtK, hi, fail, 0), jmp(opJeqK, hi, 0, next), ld(offLo), jmp(last, lo, fail, 0)}
	}
	return nil // validate refuses other ops
}

// genRule emits the rule; see the top of this file.
func genRule(r Rule) []Instruction {
	var chunks [][][]sym // chunks of conditions of instructions
	size := 0
	for _, c := range r.Conds {
		code := condCode(c)
		if len(chunks) == 0 || size+len(code) > chunkLen {
			chunks = append(chunks, nil)
			size = 0
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], code)
		size += len(code)
	}
	total := 1 // the return
	for i, ch := range chunks {
		for _, code := range ch {
			total += len(code)
		}
		if i < len(chunks)-1 {
			total += 2
		}
	}
	out := make([]Instruction, 0, total)
	for i, ch := range chunks {
		last := i == len(chunks)-1
		start := len(out)
		size := 0
		for _, code := range ch {
			size += len(code)
		}
		failAt := total // past the rule's return
		if !last {
			failAt = start + size + 1 // the trampoline
		}
		for _, code := range ch {
			end := len(out) + len(code)
			for _, s := range code {
				pc := len(out)
				resolve := func(t int) uint32 {
					switch t {
					case next:
						return uint32(end - pc - 1)
					case fail:
						return uint32(failAt - pc - 1)
					}
					return uint32(t)
				}
				in := s.in
				if in.Code == opJa {
					in.K = resolve(s.jt)
				} else if in.Code&0x07 == 0x05 { // BPF_JMP
					in.Jt, in.Jf = uint8(resolve(s.jt)), uint8(resolve(s.jf))
				}
				out = append(out, in)
			}
		}
		if !last {
			tramp := len(out) + 1
			out = append(out, stmt(opJa, 1), stmt(opJa, uint32(total-tramp-1)))
		}
	}
	return append(out, stmt(opRetK, uint32(r.Action)))
}
