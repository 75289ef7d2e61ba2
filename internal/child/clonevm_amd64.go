package child

// VMSupported says whether this architecture can start init sharing the
// parent's memory (see Plan.VM).
const VMSupported = !raceEnabled

// cloneVMInit and cloneVMCmd are implemented in clonevm_amd64.s.
//
//go:noescape
func cloneVMInit(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)

//go:noescape
func cloneVMCmd(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)

// vmInitMain is the entry of an init started by cloneVMInit.
//
//lint:ignore U1000 called from clonevm_amd64.s
//go:nosplit
//go:norace
//go:nocheckptr
func vmInitMain(p *Plan) { initMain(p) }

// vmCmdMain is the entry of a command started by cloneVMCmd from init.
//
//lint:ignore U1000 called from clonevm_amd64.s
//go:nosplit
//go:norace
//go:nocheckptr
func vmCmdMain(p *Plan) { cmdMain(p) }
