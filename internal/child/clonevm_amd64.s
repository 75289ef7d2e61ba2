#include "textflag.h"

// func cloneVMInit(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)
//
// clone(2) sharing the caller's memory, with the child on its own stack,
// where it calls initMain(p) and never returns (exit status 127 if it
// did). Two functions rather than one with a selector, so that the linker
// sees no cycle in the nosplit call chain.
TEXT ·cloneVMInit(SB),NOSPLIT,$0-48
	MOVQ	flags+0(FP), DI
	MOVQ	stack+8(FP), SI
	MOVQ	ptid+16(FP), DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	p+24(FP), R12
	MOVQ	$56, AX // SYS_clone
	SYSCALL
	CMPQ	AX, $0xfffffffffffff001
	JLS	okcloneVMInit
	MOVQ	$0, pid+32(FP)
	NEGQ	AX
	MOVQ	AX, errno+40(FP)
	RET
okcloneVMInit:
	CMPQ	AX, $0
	JEQ	childcloneVMInit
	MOVQ	AX, pid+32(FP)
	MOVQ	$0, errno+40(FP)
	RET
childcloneVMInit:
	// The kernel started us on the new stack; R12 (p) came along.
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	·initMain(SB)
exitcloneVMInit:
	MOVQ	$127, DI
	MOVQ	$231, AX // SYS_exit_group
	SYSCALL
	JMP	exitcloneVMInit

// func cloneVMCmd(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)
//
// The same for the command, calling cmdMain(p).
TEXT ·cloneVMCmd(SB),NOSPLIT,$0-48
	MOVQ	flags+0(FP), DI
	MOVQ	stack+8(FP), SI
	MOVQ	ptid+16(FP), DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	p+24(FP), R12
	MOVQ	$56, AX // SYS_clone
	SYSCALL
	CMPQ	AX, $0xfffffffffffff001
	JLS	okcloneVMCmd
	MOVQ	$0, pid+32(FP)
	NEGQ	AX
	MOVQ	AX, errno+40(FP)
	RET
okcloneVMCmd:
	CMPQ	AX, $0
	JEQ	childcloneVMCmd
	MOVQ	AX, pid+32(FP)
	MOVQ	$0, errno+40(FP)
	RET
childcloneVMCmd:
	// The kernel started us on the new stack; R12 (p) came along.
	SUBQ	$16, SP
	MOVQ	R12, 0(SP)
	CALL	·cmdMain(SB)
exitcloneVMCmd:
	MOVQ	$127, DI
	MOVQ	$231, AX // SYS_exit_group
	SYSCALL
	JMP	exitcloneVMCmd
