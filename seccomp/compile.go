package seccomp

import (
	"fmt"
	"slices"
)

// Compile compiles the policy for this program's architecture.
func (p *Policy) Compile() (*Program, error) { return p.CompileFor(Native()) }

// CompileFor compiles the policy for arch. The program checks the
// architecture first (another one, e.g. i386 through int 0x80 on amd64, is
// killed), kills x32 calls on amd64, then finds the call's rules with a
// balanced binary search over call numbers: its cost grows with the log of
// the number of distinct rules.
func (p *Policy) CompileFor(arch Arch) (*Program, error) {
	byNr, err := p.validate(arch)
	if err != nil {
		return nil, err
	}
	_, audit, _ := arch.table()
	segs := segments(p, arch, byNr)
	tree, err := genTree(segs, p.Default)
	if err != nil {
		return nil, err
	}
	insns := []Instruction{
		stmt(opLdAbsW, offArch),
		jump(opJeqK, audit, 1, 0),
		stmt(opRetK, uint32(KillProcess)),
		stmt(opLdAbsW, offNr),
	}
	insns = append(insns, tree...)
	if len(insns) > maxInsns {
		return nil, fmt.Errorf("%w: %d", ErrTooLong, len(insns))
	}
	return &Program{arch: arch, insns: insns}, nil
}

// segment is a run of call numbers [lo, next segment's lo) with one
// outcome: an action, or the rules of a single call.
type segment struct {
	lo     uint32
	action Action
	rules  []Rule // nil: action
}

// segments covers every call number, merging neighbours with the same
// unconditional action.
func segments(p *Policy, arch Arch, byNr map[uint32][]Rule) []segment {
	nrs := make([]uint32, 0, len(byNr))
	for n := range byNr {
		nrs = append(nrs, n)
	}
	slices.Sort(nrs)
	var segs []segment
	add := func(s segment) {
		if n := len(segs); n > 0 && segs[n-1].lo == s.lo {
			segs = segs[:n-1] // an empty segment: s starts where it did
		}
		if n := len(segs); n > 0 && s.rules == nil && segs[n-1].rules == nil && segs[n-1].action == s.action {
			return
		}
		segs = append(segs, s)
	}
	add(segment{lo: 0, action: p.Default})
	for _, n := range nrs {
		if arch == AMD64 && n >= x32SyscallBit {
			continue
		}
		rules := byNr[n]
		if len(rules[0].Conds) == 0 {
			add(segment{lo: n, action: rules[0].Action})
		} else {
			add(segment{lo: n, rules: rules})
		}
		add(segment{lo: n + 1, action: p.Default})
	}
	if arch == AMD64 {
		// Merging may have put x32 numbers under the default: cut them off.
		i, _ := slices.BinarySearchFunc(segs, uint32(x32SyscallBit), func(s segment, v uint32) int { return int64cmp(s.lo, v) })
		segs = append(segs[:i], segment{lo: x32SyscallBit, action: KillProcess})
	}
	return segs
}

func int64cmp(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// genTree emits the search over segs, with A holding the call number.
func genTree(segs []segment, def Action) ([]Instruction, error) {
	if len(segs) == 1 {
		return genLeaf(segs[0], def)
	}
	mid := len(segs) / 2
	left, err := genTree(segs[:mid], def)
	if err != nil {
		return nil, err
	}
	right, err := genTree(segs[mid:], def)
	if err != nil {
		return nil, err
	}
	var out []Instruction
	if len(left) <= 255 {
		out = append(out, jump(opJgeK, segs[mid].lo, uint8(len(left)), 0))
	} else {
		// Too far for an 8-bit offset: a long jump over the left half.
		out = append(out, jump(opJgeK, segs[mid].lo, 0, 1), stmt(opJa, uint32(len(left))))
	}
	out = append(out, left...)
	return append(out, right...), nil
}

// genLeaf emits one segment: a return, or the rules of one call tried in
// order, then the default.
func genLeaf(s segment, def Action) ([]Instruction, error) {
	if s.rules == nil {
		return []Instruction{stmt(opRetK, uint32(s.action))}, nil
	}
	var out []Instruction
	for _, r := range s.rules {
		if len(r.Conds) == 0 {
			return append(out, stmt(opRetK, uint32(r.Action))), nil
		}
		code, err := genRule(r)
		if err != nil {
			return nil, err
		}
		out = append(out, code...)
	}
	return append(out, stmt(opRetK, uint32(def))), nil
}

// Jump targets inside one rule, resolved when the rule is complete.
const (
	tNext = -1 // the instruction after the current condition (it holds)
	tFail = -2 // the first instruction after the rule (it does not)
)

type pending struct {
	in     Instruction
	jt, jf int // tNext, tFail, or a literal offset >= 0
}

// genRule emits: every condition in turn, failing to the rule's end; when
// all hold, return the rule's action.
func genRule(r Rule) ([]Instruction, error) {
	var code []pending
	var condEnd []int // index after each condition's code
	for _, c := range r.Conds {
		lo, hi := uint32(c.Value), uint32(c.Value>>32)
		offLo := uint32(offArgs + 8*c.Arg)
		offHi := offLo + 4
		ld := func(off uint32) pending { return pending{in: stmt(opLdAbsW, off)} }
		j := func(op uint16, k uint32, jt, jf int) pending {
			return pending{in: jump(op, k, 0, 0), jt: jt, jf: jf}
		}
		switch c.Op {
		case Eq:
			code = append(code, ld(offHi), j(opJeqK, hi, 0, tFail), ld(offLo), j(opJeqK, lo, 0, tFail))
		case Ne:
			code = append(code, ld(offHi), j(opJeqK, hi, 0, tNext), ld(offLo), j(opJeqK, lo, tFail, 0))
		case MaskedEq:
			mlo, mhi := uint32(c.Mask), uint32(c.Mask>>32)
			code = append(code, ld(offHi), pending{in: stmt(opAndK, mhi)}, j(opJeqK, hi&mhi, 0, tFail),
				ld(offLo), pending{in: stmt(opAndK, mlo)}, j(opJeqK, lo&mlo, 0, tFail))
			if hi&mhi != hi || lo&mlo != lo {
				// Value has bits outside Mask: it can never match.
				code = code[:len(code)-6]
				code = append(code, j(opJa, 0, tFail, tFail))
			}
		case Gt, Ge:
			last := uint16(opJgtK)
			if c.Op == Ge {
				last = opJgeK
			}
			code = append(code, ld(offHi), j(opJgtK, hi, tNext, 0), j(opJeqK, hi, 0, tFail), ld(offLo), j(last, lo, 0, tFail))
		case Lt, Le:
			last := uint16(opJgeK) // arg < v  ⇔  !(arg >= v)
			if c.Op == Le {
				last = opJgtK
			}
			code = append(code, ld(offHi), j(opJgtK, hi, tFail, 0), j(opJeqK, hi, 0, tNext), ld(offLo), j(last, lo, tFail, 0))
		}
		condEnd = append(condEnd, len(code))
	}
	code = append(code, pending{in: stmt(opRetK, uint32(r.Action))})
	end := len(code)
	out := make([]Instruction, len(code))
	ci := 0
	for i, pd := range code {
		for ci < len(condEnd) && i >= condEnd[ci] {
			ci++
		}
		resolve := func(t int) (uint8, error) {
			var target int
			switch t {
			case tNext:
				target = condEnd[ci]
			case tFail:
				target = end
			default:
				return uint8(t), nil
			}
			off := target - i - 1
			if off < 0 || off > 255 {
				return 0, fmt.Errorf("%w: a rule's conditions are too long", ErrTooLong)
			}
			return uint8(off), nil
		}
		in := pd.in
		if in.Code == opJa {
			off, err := resolve(pd.jt)
			if err != nil {
				return nil, err
			}
			in.K = uint32(off)
		} else if in.Code&0x07 == 0x05 { // BPF_JMP
			var err error
			if in.Jt, err = resolve(pd.jt); err != nil {
				return nil, err
			}
			if in.Jf, err = resolve(pd.jf); err != nil {
				return nil, err
			}
		}
		out[i] = in
	}
	return out, nil
}
