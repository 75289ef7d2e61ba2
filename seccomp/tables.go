package seccomp

import "sync"

//go:generate go run ./internal/gen

// The generated tables (syscalls_gen.go) are maps built at their first use:
// a program that never names a call, such as one that installs a program
// compiled at build time, pays nothing for them, not even at package init.

var amd64Table, arm64Table lazyTable

// syscallsAmd64 returns the kernel's amd64 system call numbers by name.
func syscallsAmd64() map[string]uint32 { return amd64Table.get(buildSyscallsAmd64) }

// syscallsArm64 returns the kernel's arm64 system call numbers by name.
func syscallsArm64() map[string]uint32 { return arm64Table.get(buildSyscallsArm64) }

// lazyTable is a map built once, at the first get. Nothing may change it.
type lazyTable struct {
	once sync.Once
	m    map[string]uint32
}

func (t *lazyTable) get(build func() map[string]uint32) map[string]uint32 {
	t.once.Do(func() { t.m = build() })
	return t.m
}
