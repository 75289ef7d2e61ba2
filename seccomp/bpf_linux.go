package seccomp

import "golang.org/x/sys/unix"

// Instructions returns the filter as seccomp(SECCOMP_SET_MODE_FILTER)
// takes it.
func (p *Program) Instructions() []unix.SockFilter {
	out := make([]unix.SockFilter, len(p.insns))
	for i, in := range p.insns {
		out[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return out
}
