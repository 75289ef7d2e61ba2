package seccomp

import (
	"cmp"
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
		i, _ := slices.BinarySearchFunc(segs, uint32(x32SyscallBit), func(s segment, v uint32) int { return cmp.Compare(s.lo, v) })
		segs = append(segs[:i], segment{lo: x32SyscallBit, action: KillProcess})
	}
	return segs
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
		out = append(out, genRule(r)...)
	}
	return append(out, stmt(opRetK, uint32(def))), nil
}
