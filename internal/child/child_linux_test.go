package child

import (
	"os"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// These tests run the child's code in the test process itself, with
// harmless system calls (getpid, getpgid, close of -1): no fork, no root.

// seq builds a Seq from ops.
func seq(ops ...Op) Seq {
	s := Seq{Ops: ops, Info: make([]Info, len(ops))}
	for i := range ops {
		s.Info[i] = Info{Stage: StageMount, Index: i}
	}
	return s
}

var (
	getpid   = Op{Nr: syscall.SYS_GETPID}
	closeBad = Op{Nr: syscall.SYS_CLOSE, Args: [6]uintptr{^uintptr(0)}} // close(-1): EBADF
)

func with(op Op, f func(*Op)) Op { f(&op); return op }

func TestRunOps(t *testing.T) {
	pid, pgid := uintptr(os.Getpid()), uintptr(syscall.Getpgrp())
	absent, _ := syscall.BytePtrFromString("/sandbox-absent")
	for _, c := range []struct {
		name string
		ops  []Op
		base int
		ok   bool
		fail Msg // the failure recorded, zero when none
		regs map[int]uintptr
	}{
		{name: "all succeed", ops: []Op{getpid, getpid}, ok: true},
		{name: "failure stops", ops: []Op{getpid, closeBad, with(getpid, func(o *Op) { o.Flags, o.Reg = FlagSave, 1 })},
			fail: Msg{Kind: MsgError, List: ListCmd, Index: 1, Errno: uint32(syscall.EBADF)}},
		{name: "FlagIgnore", ops: []Op{with(closeBad, func(o *Op) { o.Flags = FlagIgnore }), getpid}, ok: true},
		{name: "FlagTry records and goes on",
			ops: []Op{with(closeBad, func(o *Op) { o.Flags = FlagTry }), with(getpid, func(o *Op) { o.Flags, o.Reg = FlagSave, 2 })},
			ok:  true, fail: Msg{Kind: MsgError, List: ListCmd, Index: 0, Errno: uint32(syscall.EBADF)}, regs: map[int]uintptr{2: pid}},
		{name: "FlagAbsent skips ENOENT", ok: true, ops: []Op{
			{Nr: syscall.SYS_FACCESSAT, Args: [6]uintptr{AtFDCWD, uintptr(unsafe.Pointer(absent))}, Flags: FlagAbsent}, getpid}},
		{name: "FlagAbsent fails on another error", ops: []Op{with(closeBad, func(o *Op) { o.Flags = FlagAbsent }), getpid},
			fail: Msg{Kind: MsgError, List: ListCmd, Index: 0, Errno: uint32(syscall.EBADF)}},
		{name: "FlagSave", ops: []Op{with(getpid, func(o *Op) { o.Flags, o.Reg = FlagSave, 7 })}, ok: true, regs: map[int]uintptr{7: pid}},
		{name: "FlagExpect holds", ops: []Op{with(getpid, func(o *Op) { o.Flags, o.Expect = FlagExpect, pid })}, ok: true},
		{name: "FlagExpect fails with EPIPE", ops: []Op{getpid, with(getpid, func(o *Op) { o.Flags, o.Expect = FlagExpect, pid+1 })},
			fail: Msg{Kind: MsgError, List: ListCmd, Index: 1, Errno: uint32(syscall.EPIPE)}},
		// getpgid(register 5, which holds our pid): were the register
		// number passed as is, getpgid(5) would not be our group.
		{name: "Use reads a register", ok: true, regs: map[int]uintptr{5: pid}, ops: []Op{
			with(getpid, func(o *Op) { o.Flags, o.Reg = FlagSave, 5 }),
			{Nr: syscall.SYS_GETPGID, Args: [6]uintptr{5}, Use: 1, Flags: FlagExpect, Expect: pgid},
		}},
		{name: "base skips", ops: []Op{closeBad, getpid}, base: 1, ok: true},
		{name: "failure index counts from the list's start", ops: []Op{getpid, getpid, closeBad}, base: 1,
			fail: Msg{Kind: MsgError, List: ListCmd, Index: 2, Errno: uint32(syscall.EBADF)}},
		{name: "NrSameFile hands over", ops: []Op{getpid, {Nr: NrSameFile, Args: [6]uintptr{^uintptr(0)}}, closeBad}, ok: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := NewPlan()
			var fail Msg
			if ok := runOps(p, c.ops, ListCmd, c.base, &fail); ok != c.ok {
				t.Errorf("runOps = %v, want %v (fail %+v)", ok, c.ok, fail)
			}
			if fail != c.fail {
				t.Errorf("fail = %+v, want %+v", fail, c.fail)
			}
			for r, v := range c.regs {
				if p.s.regs[r] != v {
					t.Errorf("register %d = %d, want %d", r, p.s.regs[r], v)
				}
			}
		})
	}
}

func TestRunList(t *testing.T) {
	p := NewPlan()
	p.Init = seq(getpid, closeBad)
	if runList(p, p.Init.Ops, ListInit) {
		t.Fatal("runList succeeded past a failing op")
	}
	if want := (Msg{Kind: MsgError, List: ListInit, Index: 1, Errno: uint32(syscall.EBADF)}); p.s.msg != want {
		t.Errorf("msg = %+v, want %+v", p.s.msg, want)
	}
	// A pseudo operation's failure is its own: a bad descriptor fails
	// NrSameFile itself.
	p = NewPlan()
	p.Init = seq(getpid, Op{Nr: NrSameFile, Args: [6]uintptr{^uintptr(0)}}, getpid)
	if runList(p, p.Init.Ops, ListInit) {
		t.Fatal("runList passed NrSameFile on fd -1")
	}
	if want := (Msg{Kind: MsgError, List: ListInit, Index: 1, Errno: uint32(syscall.EXDEV)}); p.s.msg != want {
		t.Errorf("msg = %+v, want %+v", p.s.msg, want)
	}
}

// TestSameFile: NrSameFile passes on the descriptor of the file whose
// device and inode it names, and fails with EXDEV on any other.
func TestSameFile(t *testing.T) {
	var st syscall.Stat_t
	if err := syscall.Stat("/", &st); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		dev, ino uint64
		errno    syscall.Errno
	}{
		{"same", st.Dev, st.Ino, 0},
		{"other inode", st.Dev, st.Ino + 1, syscall.EXDEV},
		{"other device", st.Dev + 1, st.Ino, syscall.EXDEV},
	} {
		p := NewPlan()
		open := Op{Nr: syscall.SYS_OPENAT, Args: [6]uintptr{AtFDCWD, p.Str("/"), unix.O_PATH | syscall.O_CLOEXEC},
			Flags: FlagSave, Reg: 3}
		ops := []Op{open, {Nr: NrSameFile, Args: [6]uintptr{3, uintptr(c.dev), uintptr(c.ino)}}, getpid}
		ok := runList(p, ops, ListRoot)
		syscall.Close(int(p.s.regs[3]))
		if ok != (c.errno == 0) {
			t.Errorf("%s: runList = %v (msg %+v)", c.name, ok, p.s.msg)
		}
		if c.errno != 0 {
			if want := (Msg{Kind: MsgError, List: ListRoot, Index: 1, Errno: uint32(c.errno)}); p.s.msg != want {
				t.Errorf("%s: msg = %+v, want %+v", c.name, p.s.msg, want)
			}
		}
	}
	// A descriptor that is not open fails with fstat's own error.
	p := NewPlan()
	p.s.regs[3] = ^uintptr(0)
	if runList(p, []Op{{Nr: NrSameFile, Args: [6]uintptr{3, uintptr(st.Dev), uintptr(st.Ino)}}}, ListRoot) ||
		p.s.msg.Errno != uint32(syscall.EBADF) {
		t.Errorf("NrSameFile on fd -1: %+v", p.s.msg)
	}
}

func TestDescribe(t *testing.T) {
	p := NewPlan()
	p.Init, p.Cmd, p.PostFork, p.InitPost = seq(getpid), seq(getpid, getpid), seq(getpid), seq(getpid)
	p.Init.Info[0].Path = "/init"
	p.Cmd.Info[1].Path = "/cmd"
	p.InitPost.Info[0].Path = "/initpost"
	for _, c := range []struct {
		list, index uint32
		want        Info
	}{
		{ListInit, 0, Info{Stage: StageMount, Index: 0, Path: "/init"}},
		{ListCmd, 1, Info{Stage: StageMount, Index: 1, Path: "/cmd"}},
		{ListPostFork, 0, Info{Stage: StageMount, Index: 0}},
		{ListInitPost, 0, Info{Stage: StageMount, Index: 0, Path: "/initpost"}},
		{ListFork, 0, Info{Stage: StageFork, Index: -1}},
		{ListCmd, 2, Info{Stage: StageUnknown, Index: -1}},
		{ListRoot, 0, Info{Stage: StageUnknown, Index: -1}}, // no Root
		{99, 0, Info{Stage: StageUnknown, Index: -1}},
	} {
		if got := p.Describe(c.list, c.index); got != c.want {
			t.Errorf("Describe(%d, %d) = %+v, want %+v", c.list, c.index, got, c.want)
		}
	}
	p.Root = &Shared{Seq: seq(getpid)}
	p.Root.Info[0].Path = "/root"
	if got := p.Describe(ListRoot, 0); got.Path != "/root" {
		t.Errorf("Describe(ListRoot, 0) = %+v", got)
	}
}

// TestAtFDCWD: the constant every plan passes is the kernel's AT_FDCWD.
func TestAtFDCWD(t *testing.T) {
	fdcwd := unix.AT_FDCWD
	if AtFDCWD != uintptr(fdcwd) {
		t.Errorf("AtFDCWD = %#x, want %#x", AtFDCWD, uintptr(fdcwd))
	}
}

// TestCloneArgsSize: cloneArgs is struct clone_args as far as version 2
// (CLONE_ARGS_SIZE_VER2, linux/sched.h).
func TestCloneArgsSize(t *testing.T) {
	if n := unsafe.Sizeof(cloneArgs{}); n != 88 {
		t.Errorf("cloneArgs is %d bytes, want 88", n)
	}
}

// TestRelease: Release gives a plan's lists back emptied: the plan then
// describes nothing, and the next plan starts with no step and nothing
// kept, and its arrays hold nothing of the old plan's.
func TestRelease(t *testing.T) {
	p := NewPlan()
	p.Init.Add(Info{Stage: StageMount, Path: "/old"}, syscall.SYS_GETPID)
	p.Cmd.Add(Info{Stage: StageExecve, Detail: "old"}, syscall.SYS_GETPID)
	p.Str("old")
	p.Release()
	if d := p.Describe(ListInit, 0); d.Stage != StageUnknown {
		t.Errorf("a released plan describes %+v", d)
	}
	if len(p.Init.Ops) != 0 || len(p.Cmd.Ops) != 0 || p.keep != nil {
		t.Errorf("a released plan keeps its lists")
	}
	q := NewPlan()
	if len(q.Init.Ops) != 0 || len(q.Cmd.Ops) != 0 || len(q.keep) != 0 {
		t.Fatalf("a new plan has steps: %d, %d, %d kept", len(q.Init.Ops), len(q.Cmd.Ops), len(q.keep))
	}
	for _, s := range []Seq{q.Init, q.Cmd} {
		for _, in := range s.Info[:cap(s.Info)] {
			if in.Path != "" || in.Detail != "" {
				t.Errorf("a recycled list still describes %+v", in)
			}
		}
	}
	for _, k := range q.keep[:cap(q.keep)] {
		if k != nil {
			t.Errorf("a recycled keeper still keeps %v", k)
		}
	}
	q.Release()
}
