//go:build linux

package child

// VMSupported says whether this architecture can start init sharing the
// parent's memory (see Plan.VM).
const VMSupported = !raceEnabled

// cloneVMInit and cloneVMCmd are implemented in clonevm_amd64.s.
//
//sandbox:child
//go:noescape
func cloneVMInit(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)

//sandbox:child
//go:noescape
func cloneVMCmd(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)

// clone3VMInit is cloneVMInit with clone3(2): its flags, pidfd and stack
// are in args.
//
//sandbox:child
//go:noescape
func clone3VMInit(args *cloneArgs, size uintptr, p *Plan) (pid, errno uintptr)
