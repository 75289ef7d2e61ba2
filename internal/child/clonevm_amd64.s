//go:build linux

#include "textflag.h"

// AFTER_CLONE(pidres, errres, entry) follows a clone system call whose
// result is in AX. The parent stores the pid or the errno in its results
// pidres and errres and returns; the child, on its own stack with p in
// R12 (which the kernel copied), calls entry(p) and never returns (exit
// status 127 if it did).
#define AFTER_CLONE(pidres, errres, entry) \
	CMPQ	AX, $0xfffffffffffff001 \
	JLS	ok \
	MOVQ	$0, pidres \
	NEGQ	AX \
	MOVQ	AX, errres \
	RET \
ok: \
	CMPQ	AX, $0 \
	JEQ	child \
	MOVQ	AX, pidres \
	MOVQ	$0, errres \
	RET \
child: \
	SUBQ	$16, SP \
	MOVQ	R12, 0(SP) \
	CALL	entry(SB) \
exit: \
	MOVQ	$127, DI \
	MOVQ	$231, AX /* SYS_exit_group */ \
	SYSCALL \
	JMP	exit

// CLONE_ENTRY(name, entry) defines
//
//	func name(flags, stack uintptr, ptid *int32, p *Plan) (pid, errno uintptr)
//
// clone(2) sharing the caller's memory, with the child on its own stack,
// where it calls entry(p) (AFTER_CLONE).
// One function per entry, not one with a selector, so that the linker
// sees no cycle in the nosplit call chain (initMain calls cloneVMCmd).
#define CLONE_ENTRY(name, entry) \
TEXT name(SB),NOSPLIT,$0-48 \
	MOVQ	flags+0(FP), DI \
	MOVQ	stack+8(FP), SI \
	MOVQ	ptid+16(FP), DX \
	MOVQ	$0, R10 \
	MOVQ	$0, R8 \
	MOVQ	p+24(FP), R12 \
	MOVQ	$56, AX /* SYS_clone */ \
	SYSCALL \
	AFTER_CLONE(pid+32(FP), errno+40(FP), entry)

CLONE_ENTRY(·cloneVMInit, ·initMain)
CLONE_ENTRY(·cloneVMCmd, ·cmdMain)

// CLONE3_ENTRY(name, entry) defines
//
//	func name(args *cloneArgs, size uintptr, p *Plan) (pid, errno uintptr)
//
// clone3(2) with args (which name the child's stack), where the child
// calls entry(p) (AFTER_CLONE).
#define CLONE3_ENTRY(name, entry) \
TEXT name(SB),NOSPLIT,$0-40 \
	MOVQ	args+0(FP), DI \
	MOVQ	size+8(FP), SI \
	MOVQ	p+16(FP), R12 \
	MOVQ	$435, AX /* SYS_clone3 */ \
	SYSCALL \
	AFTER_CLONE(pid+24(FP), errno+32(FP), entry)

CLONE3_ENTRY(·clone3VMInit, ·initMain)
