package child

import (
	"unsafe"
)

// Info describes one operation for error messages: which step of the
// setup it belongs to, which mount (or other item) it serves, and the path
// it touches. It lives only in the parent.
type Info struct {
	Stage string
	Index int
	Path  string
}

// Seq is an operation list with its parallel descriptions.
type Seq struct {
	Ops  []Op
	Info []Info
}

// Add appends one system call.
func (s *Seq) Add(info Info, nr uintptr, args ...uintptr) *Op {
	var op Op
	op.Nr = nr
	copy(op.Args[:], args)
	s.Ops = append(s.Ops, op)
	s.Info = append(s.Info, info)
	return &s.Ops[len(s.Ops)-1]
}

// Plan is everything the forked child needs, prepared by the parent.
// Nothing in it may be changed between Start and the end of the run.
type Plan struct {
	// CloneFlags are the CLONE_NEW* flags of the first clone.
	CloneFlags uintptr
	// CgroupFD, when >= 0, is a cgroup2 directory the init is cloned
	// into (clone3 with CLONE_INTO_CGROUP).
	CgroupFD int

	Init     Seq // run by init before it forks the command
	Cmd      Seq // run by the command, ending in execve
	PostFork Seq // run by init right after the fork

	// ReportW is the write end of the report pipe (parent reads).
	ReportW int
	// ExecR, ExecW: the exec pipe between init and the command; EOF on
	// ExecR means the command's execve succeeded.
	ExecR, ExecW int
	// PID1 tells init that it is the init of a new PID namespace. When
	// false it is a sub-reaper that kills the command's process group
	// when the command ends.
	PID1 bool
	// VM starts init sharing the parent's memory (clone with CLONE_VM on
	// a stack of its own) and the command with vfork from it, which saves
	// copying the parent's page tables twice per run. Only when the
	// command's credentials differ from init's (so it can never read
	// init's, that is the embedding process's, memory) and init does not
	// change the shared mm's dumpable flag. Needs VMSupported.
	VM bool
	// Dumpable is restored on the shared mm after the command's setuid
	// cleared it (VM only).
	Dumpable uintptr

	// NetCheck are /proc files (C strings) that list a network
	// namespace's sockets, one header line when it has none: a joined
	// namespace whose files list more is not used (NrJoinNet).
	NetCheck [3]uintptr

	initStack, cmdStack []byte
	keep                []any
	pidfd               int32
	s                   scratch
}

// NewPlan returns an empty plan.
func NewPlan() *Plan {
	return &Plan{CgroupFD: -1, ReportW: -1, ExecR: -1, ExecW: -1}
}

// Str returns a pointer to a NUL-terminated copy of s that lives as long as
// the plan.
func (p *Plan) Str(s string) uintptr {
	b := make([]byte, len(s)+1)
	copy(b, s)
	p.keep = append(p.keep, b)
	return uintptr(unsafe.Pointer(&b[0]))
}

// Bytes returns a pointer to b, kept alive by the plan. b must not be empty.
func (p *Plan) Bytes(b []byte) uintptr {
	p.keep = append(p.keep, b)
	return uintptr(unsafe.Pointer(&b[0]))
}

// StrArray returns a pointer to a NULL-terminated array of C strings.
func (p *Plan) StrArray(ss []string) uintptr {
	arr := make([]uintptr, len(ss)+1)
	for i, s := range ss {
		arr[i] = p.Str(s)
	}
	p.keep = append(p.keep, arr)
	return uintptr(unsafe.Pointer(&arr[0]))
}

// Keep keeps v alive as long as the plan and returns its address. v must be
// a pointer to heap memory.
func Keep[T any](p *Plan, v *T) uintptr {
	p.keep = append(p.keep, v)
	return uintptr(unsafe.Pointer(v))
}

// Describe maps a list and index reported by the child to its Info.
func (p *Plan) Describe(list, index uint32) Info {
	var s *Seq
	switch list {
	case ListInit:
		s = &p.Init
	case ListCmd:
		s = &p.Cmd
	case ListPostFork:
		s = &p.PostFork
	case ListFork:
		return Info{Stage: "fork"}
	}
	if s == nil || int(index) >= len(s.Info) {
		return Info{Stage: "unknown"}
	}
	return s.Info[index]
}
