package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestConstantsMatchKernel pins every kernel constant the compiler and the
// interpreter share to x/sys's copy of the kernel headers: a wrong one
// would otherwise pass both (see xbpf_test.go for the opcodes' behaviour).
func TestConstantsMatchKernel(t *testing.T) {
	for _, c := range []struct {
		name      string
		ours, sys uint64
	}{
		{"ld w abs", opLdAbsW, unix.BPF_LD | unix.BPF_W | unix.BPF_ABS},
		{"and k", opAndK, unix.BPF_ALU | unix.BPF_AND | unix.BPF_K},
		{"ja", opJa, unix.BPF_JMP | unix.BPF_JA},
		{"jeq k", opJeqK, unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K},
		{"jgt k", opJgtK, unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K},
		{"jge k", opJgeK, unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K},
		{"ret k", opRetK, unix.BPF_RET | unix.BPF_K},
		{"BPF_MAXINSNS", maxInsns, unix.BPF_MAXINSNS},
		{"SECCOMP_RET_KILL_PROCESS", retKillProcess, unix.SECCOMP_RET_KILL_PROCESS},
		{"SECCOMP_RET_KILL_THREAD", retKillThread, unix.SECCOMP_RET_KILL_THREAD},
		{"SECCOMP_RET_TRAP", retTrap, unix.SECCOMP_RET_TRAP},
		{"SECCOMP_RET_ERRNO", retErrno, unix.SECCOMP_RET_ERRNO},
		{"SECCOMP_RET_LOG", retLog, unix.SECCOMP_RET_LOG},
		{"SECCOMP_RET_ALLOW", retAllow, unix.SECCOMP_RET_ALLOW},
		{"SECCOMP_RET_DATA", retDataMask, unix.SECCOMP_RET_DATA},
		{"AUDIT_ARCH_X86_64", auditArchX8664, unix.AUDIT_ARCH_X86_64},
		{"AUDIT_ARCH_AARCH64", auditArchAArch64, unix.AUDIT_ARCH_AARCH64},
		// struct seccomp_data (linux/seccomp.h): int nr, __u32 arch,
		// __u64 instruction_pointer, __u64 args[6].
		{"offsetof(nr)", offNr, 0},
		{"offsetof(arch)", offArch, 4},
		{"offsetof(args)", offArgs, 16},
		// Default's socket rules.
		{"AF_UNIX", afUnix, unix.AF_UNIX},
		{"AF_INET", afInet, unix.AF_INET},
		{"AF_INET6", afInet6, unix.AF_INET6},
		{"AF_NETLINK", afNetlink, unix.AF_NETLINK},
		{"AF_PACKET", afPacket, unix.AF_PACKET},
		{"AF_VSOCK", afVsock, unix.AF_VSOCK},
		{"NETLINK_KOBJECT_UEVENT", netlinkKobjectUevent, unix.NETLINK_KOBJECT_UEVENT},
	} {
		if c.ours != c.sys {
			t.Errorf("%s = %#x, the kernel's is %#x", c.name, c.ours, c.sys)
		}
	}
}
