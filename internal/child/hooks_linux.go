package child

import _ "unsafe" // for go:linkname

// The runtime's fork hooks, kept linknamed for syscall and for packages that
// fork on their own (go.dev/issue/67401).

//sandbox:child
//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//sandbox:child
//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//sandbox:child
//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()
