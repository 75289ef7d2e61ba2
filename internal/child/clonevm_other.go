//go:build linux && !amd64

package child

import "syscall"

// VMSupported says whether this architecture can start init sharing the
// parent's memory (see Plan.VM).
const VMSupported = false

//sandbox:child
//go:nosplit
//go:norace
func cloneVMInit(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr) {
	return 0, uintptr(syscall.ENOSYS)
}

//sandbox:child
//go:nosplit
//go:norace
func clone3VMInit(args *cloneArgs, size uintptr, p *Plan) (pid, errno uintptr) {
	return 0, uintptr(syscall.ENOSYS)
}

//sandbox:child
//go:nosplit
//go:norace
func cloneVMCmd(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr) {
	return 0, uintptr(syscall.ENOSYS)
}
