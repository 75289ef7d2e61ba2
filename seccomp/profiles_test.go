package seccomp

import (
	"slices"
	"syscall"
	"testing"
)

// TestDefaultSocketFamilies: Default lets socket and socketpair create
// only the families a network namespace isolates (AF_UNIX, AF_INET,
// AF_INET6, AF_NETLINK, AF_PACKET), never AF_VSOCK or any other, never a
// netlink uevent socket; the kernel reads the family as an int, so the
// register's upper half does not change the answer.
func TestDefaultSocketFamilies(t *testing.T) {
	pol := Default()
	eperm := Errno(syscall.EPERM)
	for _, arch := range []Arch{AMD64, ARM64} {
		audit := map[Arch]uint32{AMD64: auditArchX8664, ARM64: auditArchAArch64}[arch]
		for _, call := range []string{"socket", "socketpair"} {
			nr, ok := arch.Number(call)
			if !ok {
				t.Fatalf("%s: no %s", arch, call)
			}
			for f := uint64(0); f < 64; f++ {
				want := eperm
				if slices.Contains(socketFamilies, f) {
					want = Allow
				}
				for _, hi := range []uint64{0, 0xffffffff_00000000} {
					d := Data{Nr: nr, Arch: audit, Args: [6]uint64{hi | f, 1, 0}}
					if got := pol.Decide(arch, d); got != want {
						t.Errorf("%s %s(%#x): %v, want %v", arch, call, hi|f, got, want)
					}
				}
			}
		}
		nr, _ := arch.Number("socket")
		for _, proto := range []uint64{netlinkKobjectUevent, 1<<32 | netlinkKobjectUevent} {
			d := Data{Nr: nr, Arch: audit, Args: [6]uint64{afNetlink, 3, proto}}
			if got := pol.Decide(arch, d); got != eperm {
				t.Errorf("%s socket(AF_NETLINK, uevent %#x): %v, want EPERM", arch, proto, got)
			}
		}
		if got := pol.Decide(arch, Data{Nr: nr, Arch: audit, Args: [6]uint64{afVsock, 1}}); got != eperm {
			t.Errorf("%s socket(AF_VSOCK): %v", arch, got)
		}
	}
	if len(socketFamilies) != 5 {
		t.Errorf("socketFamilies changed (%v): review the package documentation's table", socketFamilies)
	}
}

// TestDefaultExtraFamily: the package documentation's way of giving a
// program one more family (AF_ALG) works and gives no other.
func TestDefaultExtraFamily(t *testing.T) {
	p := Default()
	alg := Rule{Syscalls: []string{"socket"}, Action: Allow,
		Conds: []Cond{{Arg: 0, Op: MaskedEq, Mask: 0xffffffff, Value: 38}}}
	p.Rules = append([]Rule{alg}, p.Rules...)
	prog, err := p.CompileFor(AMD64)
	if err != nil {
		t.Fatal(err)
	}
	nr, _ := AMD64.Number("socket")
	for f, want := range map[uint64]Action{38: Allow, afVsock: Errno(syscall.EPERM), afInet: Allow} {
		if got := mustRun(t, prog, Data{Nr: nr, Arch: auditArchX8664, Args: [6]uint64{f, 5}}); got != want {
			t.Errorf("socket(%d): %v, want %v", f, got, want)
		}
	}
}
