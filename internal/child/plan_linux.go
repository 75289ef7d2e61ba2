package child

import (
	"sync"
	"unsafe"
)

// Info describes one operation for error messages: which step of the
// setup it belongs to, which mount (or other item) it serves, the path it
// touches, and what else it was given. It lives only in the parent.
type Info struct {
	Stage  Stage
	Index  int    // the item's index among the caller's, or -1
	Path   string // a path, or ""
	Detail string // what the operation was given besides Path (a host name, ids, an rlimit, a bind's source, destination and flags), or ""
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

	Init     Seq // run by init before it forks the command
	Cmd      Seq // run by the command, ending in execve
	PostFork Seq // run by init right after the fork

	// ReportW is the write end of the report pipe (parent reads).
	ReportW int
	// ExecR, ExecW: the exec pipe between init and the command; EOF on
	// ExecR means the command's execve succeeded.
	ExecR, ExecW int
	// PID1 tells init that it is the init of a new PID namespace. When
	// false it is a child subreaper that, when the command ends, when the
	// parent sends StopSignal or when the parent dies, kills every process
	// below it (see reaper_linux.go).
	PID1 bool
	// VM starts init sharing the parent's memory (clone with CLONE_VM on
	// a stack of its own) and the command with vfork from it, which saves
	// copying the parent's page tables twice per run. Only when the
	// command's credentials differ from init's (so it can never read
	// init's, that is the embedding process's, memory) and init does not
	// change the shared mm's dumpable flag; the command's change of ids
	// clears that flag until its execve, and the parent restores it.
	// Needs VMSupported.
	VM bool
	// ClearSighand starts a VM init with every signal handler of the
	// embedding process reset to the default (clone3's
	// CLONE_CLEAR_SIGHAND; signals it ignores stay ignored), so that the
	// command, which inherits init's, need not reset them one by one
	// before it unblocks its signals. Needs VM and ClearSighandSupported.
	ClearSighand bool

	// Assemble, when set, runs after Init and before Root: the steps
	// that build a root's template, for a run that assembles that root
	// itself in its own mount namespace (the plan's first run).
	Assemble *Shared
	// Root, when set, runs after Init (and Assemble) and before InitPost:
	// the root filesystem, planned once and shared read-only by many runs.
	Root *Shared
	// InitPost runs after Root.
	InitPost Seq
	// Park makes init exit (status 0) at the end of InitPost instead of
	// forking a command: a process that only builds something, such as a
	// root's template mount namespace, and waits in InitPost until the
	// parent has taken it.
	Park bool

	initStack, cmdStack []byte
	cargs               cloneArgs // clone3's arguments for a ClearSighand init
	Keeper
	pidfd int32
	s     scratch
	lists *planLists // what recycle gives back to listPool
}

// NewPlan returns an empty plan. Its lists come from the plans Release
// gave back when there are some, else with room for a root run's usual
// steps (a command's are about 30 when init starts with an empty bounding
// set and no signal handlers; 130 when it must drop and reset them itself,
// and its list grows), so that planning a run neither grows its lists step
// by step nor clears fresh memory for them each time.
func NewPlan() *Plan {
	p := &Plan{ReportW: -1, ExecR: -1, ExecW: -1}
	l := listPool.Get().(*planLists)
	p.Init, p.Cmd, p.PostFork, p.InitPost, p.keep = l.init, l.cmd, l.postFork, l.initPost, l.keep
	p.lists = l
	return p
}

// planLists holds the backing arrays of a plan's own lists and of its
// keeper, between a Release and the next NewPlan.
type planLists struct {
	init, cmd, postFork, initPost Seq
	keep                          []any
}

var listPool = sync.Pool{New: func() any {
	l := &planLists{}
	l.init.grow(24)
	l.cmd.grow(40)
	l.postFork.grow(4)
	l.initPost.grow(8)
	l.keep = make([]any, 0, 32)
	return l
}}

// recycle gives the plan's lists back to listPool, emptied (nothing they
// pointed to is kept alive), and leaves the plan without them.
func (p *Plan) recycle() {
	l := p.lists
	if l == nil {
		return
	}
	p.lists = nil
	l.init, l.cmd, l.postFork, l.initPost = p.Init.emptied(), p.Cmd.emptied(), p.PostFork.emptied(), p.InitPost.emptied()
	clear(p.keep)
	l.keep = p.keep[:0]
	p.Init, p.Cmd, p.PostFork, p.InitPost, p.keep = Seq{}, Seq{}, Seq{}, Seq{}, nil
	listPool.Put(l)
}

func (s *Seq) grow(n int) {
	s.Ops = make([]Op, 0, n)
	s.Info = make([]Info, 0, n)
}

// emptied returns s's arrays with length 0, its descriptions cleared.
func (s *Seq) emptied() Seq {
	clear(s.Info)
	return Seq{Ops: s.Ops[:0], Info: s.Info[:0]}
}

// Shared is a Seq with the memory its operations point to, planned once and
// used read-only by any number of runs at once.
type Shared struct {
	Seq
	Keeper
}

// Keeper keeps memory that operations point to alive. A Plan is one; a
// Seq shared by many plans (a cached root filesystem) has its own.
type Keeper struct{ keep []any }

// Str returns a pointer to a NUL-terminated copy of s that lives as long as
// the keeper.
func (k *Keeper) Str(s string) uintptr {
	b := make([]byte, len(s)+1)
	copy(b, s)
	k.keep = append(k.keep, b)
	return uintptr(unsafe.Pointer(&b[0]))
}

// Bytes returns a pointer to b, kept alive by the keeper. b must not be
// empty.
func (k *Keeper) Bytes(b []byte) uintptr {
	k.keep = append(k.keep, b)
	return uintptr(unsafe.Pointer(&b[0]))
}

// StrArray returns a pointer to a NULL-terminated array of C strings.
func (k *Keeper) StrArray(ss []string) uintptr {
	arr := make([]uintptr, len(ss)+1)
	for i, s := range ss {
		arr[i] = k.Str(s)
	}
	k.keep = append(k.keep, arr)
	return uintptr(unsafe.Pointer(&arr[0]))
}

// Keep keeps v alive as long as k and returns its address. v must be a
// pointer to heap memory.
func Keep[T any](k *Keeper, v *T) uintptr {
	k.keep = append(k.keep, v)
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
	case ListRoot:
		if p.Root != nil {
			s = &p.Root.Seq
		}
	case ListAssemble:
		if p.Assemble != nil {
			s = &p.Assemble.Seq
		}
	case ListInitPost:
		s = &p.InitPost
	case ListFork:
		return Info{Stage: StageFork, Index: -1}
	}
	if s == nil || int(index) >= len(s.Info) {
		return Info{Stage: StageUnknown, Index: -1}
	}
	return s.Info[index]
}
