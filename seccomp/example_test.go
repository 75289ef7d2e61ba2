package seccomp_test

import (
	"fmt"
	"syscall"

	"github.com/sandboxkit/sandbox/seccomp"
)

// A small policy and its program: the architecture check, then a search
// over call numbers.
func ExampleProgram_String() {
	p := &seccomp.Policy{Default: seccomp.Errno(syscall.ENOSYS), Rules: []seccomp.Rule{
		{Syscalls: []string{"read", "write"}, Action: seccomp.Allow},
	}}
	prog, err := p.CompileFor(seccomp.AMD64)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(prog)
	// Output:
	// ; seccomp filter for amd64, 9 instructions
	// 0000  ld   arch
	// 0001  jeq  0xc000003e, 0003, 0002  ; AUDIT_ARCH_X86_64
	// 0002  ret  kill-process
	// 0003  ld   nr
	// 0004  jge  0x2, 0006, 0005  ; open
	// 0005  ret  allow
	// 0006  jge  0x40000000, 0008, 0007  ; x32 ABI
	// 0007  ret  errno:38
	// 0008  ret  kill-process
}

// Reading a policy from its JSON form.
func ExampleParseJSON() {
	p, err := seccomp.ParseJSON([]byte(`{"defaultAction": "errno:EPERM",
		"rules": [{"syscalls": ["read", "write", "exit_group"], "action": "allow"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Default, len(p.Rules))
	// Output: errno:1 1
}

// What Default does with a few calls: allowed, refused (EPERM), unknown
// (ENOSYS), and decided by an argument.
func ExampleDefault() {
	p := seccomp.Default()
	const audit = 0xc000003e // AUDIT_ARCH_X86_64
	for _, c := range []struct {
		name string
		args [6]uint64
	}{
		{"read", [6]uint64{}},
		{"mount", [6]uint64{}},
		{"clone3", [6]uint64{}},
		{"clone", [6]uint64{0x10000000}}, // CLONE_NEWUSER
		{"ioctl", [6]uint64{0, 0x5412}},  // TIOCSTI
		{"personality", [6]uint64{0xffffffff}},
	} {
		nr, _ := seccomp.AMD64.Number(c.name)
		fmt.Println(c.name, p.Decide(seccomp.AMD64, seccomp.Data{Nr: nr, Arch: audit, Args: c.args}))
	}
	fmt.Println("i386", p.Decide(seccomp.AMD64, seccomp.Data{Nr: 0, Arch: 0x40000003}))
	// Output:
	// read allow
	// mount errno:1
	// clone3 errno:38
	// clone errno:1
	// ioctl errno:1
	// personality allow
	// i386 kill-process
}

func ExampleAction_String() {
	fmt.Println(seccomp.Allow, seccomp.Errno(syscall.EPERM), seccomp.KillProcess, seccomp.Trap, seccomp.Log)
	// Output: allow errno:1 kill-process trap log
}
