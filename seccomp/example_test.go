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
	// 0001  jeq  0xc000003e, 0003, 0002
	// 0002  ret  kill-process
	// 0003  ld   nr
	// 0004  jge  0x2, 0006, 0005
	// 0005  ret  allow
	// 0006  jge  0x40000000, 0008, 0007
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
