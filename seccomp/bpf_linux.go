package seccomp

import "golang.org/x/sys/unix"

// Instructions returns the filter as seccomp(SECCOMP_SET_MODE_FILTER)
// takes it: a new slice of struct sock_filter.
func (p *Program) Instructions() []unix.SockFilter {
	out := make([]unix.SockFilter, len(p.insns))
	for i, in := range p.insns {
		out[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out
}

// SockFprog returns the struct sock_fprog to pass to
// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog); it points at a new copy of
// the instructions, which the caller must keep alive until the call
// returns.
func (p *Program) SockFprog() *unix.SockFprog {
	insns := p.Instructions()
	return &unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
}
