/* SPDX-License-Identifier: MIT */
/*
 * vmrun.S — the world switch: svm_world_switch(struct gpregs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa).
 *
 * The hardware switches RAX, RSP, RIP, RFLAGS and the segment/control state (APM Vol. 2 §15.5); this stub switches
 * the other 14 GPRs by hand and the FS/GS/TR/LDTR/syscall-MSR state with VMLOAD/VMSAVE (§15.5.2).
 * Interrupts (APM §15.17, §15.21.1; svm-facts §7): CLGI, then STI so that RFLAGS.IF = 1 at VMRUN — with
 * V_INTR_MASKING = 1 that host IF is what lets a physical interrupt cause #VMEXIT(INTR) even if the guest runs
 * with IF = 0. #VMEXIT clears GIF; CLI, VMLOAD host, STGI. The interrupt stays pending for the C code to take.
 *
 * Speculation (docs/security.md "Real silicon", spec_exit.h): with GIF still 0, SPEC_IBPB_EXIT issues IBPB on CPUs
 * exposed to SRSO/Retbleed; the switch returns with SPEC_RET_NO_RSB, so no RET between #VMEXIT and the caller pops
 * a guest's return prediction (the caller fills the RSB at guest switches and when it stops running guests). The
 * fast path below executes no RET or indirect branch before it re-enters the same guest.
 *
 * Fast path: the null hypercall (HVMM_HC_NOP) from CPL 0, not single-stepped, on a CPU that saves nRIP, is completed
 * right here and the guest re-entered at once — no GPR
 * save/restore, no VMSAVE/VMLOAD (the guest's FS/GS/TR/LDTR are still loaded), GIF still 0, host IF still 1. It is
 * the floor of an exit's cost; it is counted in the VMCB's host-software area (VMCB_HOST_FAST_EXITS). Every other
 * exit goes to C. svm_world_switch_checked is the same switch without the fast path, for vmcb_check=1: there every
 * VMRUN follows the C code's VMCB check.
 *
 * Stamps (docs/measurement.md): regs->entry_tsc is read 5 instructions before VMRUN (after it only the moves that load
 * the guest's RDX and RDI and the VMCB address), regs->exit_tsc 1 instruction after #VMEXIT (the push that frees RDX
 * for RDTSC), so the lag hvmm reports leaves out only VMRUN/#VMEXIT themselves and those 6 instructions.
 *
 * Stack while the guest runs (host RSP is restored by #VMEXIT):
 *     [rsp + 0]  guest VMCB PA
 *     [rsp + 8]  regs pointer
 *     [rsp + 16] host VMCB PA
 *     [rsp + 24] saved host RBX, RBP, R12..R15, then the return address
 */
#include "hvmm/abi.h"
#include "hvmm/svm/asm_offsets.h"
#include "hvmm/svm/cpuid_cache.h"
#include "hvmm/svm/gpregs.h"
#include "hvmm/svm/spec_exit.h"


/* A fast-path exit's instruction is done (RAX = guest VMCB PA; clobbers RDX): RIP = nRIP, no interrupt shadow after
 * an emulated instruction, nothing to inject (silicon does not clear EVENTINJ), the first VMRUN's TLB flush done,
 * and the exit counted. */
.macro FAST_COMPLETE
	mov VMCB_NRIP(%rax), %rdx
	mov %rdx, VMCB_RIP(%rax)
	andq $~1, VMCB_INT_STATE(%rax)
	movq $0, VMCB_EVENTINJ(%rax)
	movb $0, VMCB_TLB_CONTROL(%rax)
	incq VMCB_HOST_FAST_EXITS(%rax)
.endm

/* The world switch, with the fast paths (fast=1) or without them (fast=0: every exit goes to C). */
.macro WORLD_SWITCH name, fast
	.globl \name
\name:
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbp
	push %rbx
	push %rdx /* host VMCB PA */
	push %rdi /* regs */
	push %rsi /* guest VMCB PA */

	clgi
	sti
	mov %rsi, %rax
	vmload %rax

	mov GPREGS_RBX(%rdi), %rbx
	mov GPREGS_RCX(%rdi), %rcx
	mov GPREGS_RSI(%rdi), %rsi
	mov GPREGS_RBP(%rdi), %rbp
	mov GPREGS_R8(%rdi), %r8
	mov GPREGS_R9(%rdi), %r9
	mov GPREGS_R10(%rdi), %r10
	mov GPREGS_R11(%rdi), %r11
	mov GPREGS_R12(%rdi), %r12
	mov GPREGS_R13(%rdi), %r13
	mov GPREGS_R14(%rdi), %r14
	mov GPREGS_R15(%rdi), %r15
	/* Entry stamp: then only RDX, RAX (the VMCB) and RDI, which RDTSC and the store need until here. */
	rdtsc
	mov %eax, GPREGS_ENTRY_TSC(%rdi)
	mov %edx, GPREGS_ENTRY_TSC + 4(%rdi)
	mov GPREGS_RDX(%rdi), %rdx
	mov (%rsp), %rax
	mov GPREGS_RDI(%rdi), %rdi
.Lvmrun\@:
	vmrun %rax
	/* #VMEXIT: GIF = 0, RAX = guest VMCB PA, RSP = host, every other GPR holds a guest value. */
	push %rdx /* guest RDX, out of RDTSC's way */
	rdtsc /* exit stamp */
	shl $32, %rdx
	or %rdx, %rax
	mov 16(%rsp), %rdx /* regs */
	mov %rax, GPREGS_EXIT_TSC(%rdx)
	mov 8(%rsp), %rax /* guest VMCB PA */
	.if \fast
	/* Fast paths: only with nRIP (APM §15.7.1; QEMU TCG has none: there the length of an instruction with prefixes
	 * comes from its bytes, in C) and not single-stepped (C raises the trap). */
	cmpq $0, VMCB_NRIP(%rax)
	je .Lslow_exit\@
	testl $RFLAGS_TF_BIT, VMCB_RFLAGS(%rax)
	jnz .Lslow_exit\@
	cmpq $ASM_VMEXIT_CPUID, VMCB_EXITCODE(%rax)
	je .Lcpuid\@
	cmpq $ASM_VMEXIT_VMMCALL, VMCB_EXITCODE(%rax)
	jne .Lslow_exit\@
	/* The null hypercall from CPL 0 (C raises #UD at CPL > 0). */
	cmpq $HVMM_HC_NOP, VMCB_RAX(%rax)
	jne .Lslow_exit\@
	cmpb $0, VMCB_CPL(%rax)
	jne .Lslow_exit\@
	movq $0, VMCB_RAX(%rax) /* result 0 */
	FAST_COMPLETE
	pop %rdx /* the guest's RDX again */
	jmp .Lvmrun\@

.Lcpuid\@: /* CPUID of a leaf whose values the guest's cache holds (cpuid_cache.h, right after regs) */
	mov VMCB_RAX(%rax), %edx /* the leaf */
	cmp $CPUID_SLOTS_BASIC, %edx
	jb 1f
	add $0x80000000, %edx /* 8000_0000h.. -> 0.. (mod 2^32) */
	cmp $CPUID_SLOTS_EXT, %edx
	jae .Lslow_exit_rdx\@
	add $CPUID_SLOTS_BASIC, %edx
	jmp 2f
1:	cmp $1, %edx
	jne 2f
	testl $(1 << CPUID_CR4_OSXSAVE_BIT), VMCB_CR4(%rax)
	jz 2f
	mov $CPUID_SLOT_LEAF1_OSXSAVE, %edx
2:	and $(CPUID_SLOTS - 1), %edx /* a no-op, except for an index the CPU guesses past the bounds checks */
	push %rcx /* stack: guest RCX, guest RDX, guest VMCB PA, regs */
	mov 24(%rsp), %rcx
	bt %rdx, GPREGS_SIZE + CPUID_CACHE_VALID(%rcx)
	jnc 3f
	shl $4, %edx
	lea GPREGS_SIZE + CPUID_CACHE_SLOT0(%rcx, %rdx), %rcx
	FAST_COMPLETE
	mov (%rcx), %edx
	mov %rdx, VMCB_RAX(%rax) /* CPUID zero-extends all four results in 64-bit mode */
	mov 4(%rcx), %ebx
	mov 12(%rcx), %edx
	mov 8(%rcx), %ecx
	add $16, %rsp /* the guest's RCX and RDX are the results now */
	jmp .Lvmrun\@
3:	pop %rcx
	jmp .Lslow_exit_rdx\@

.Lslow_exit_rdx\@:
	mov 16(%rsp), %rdx /* regs again */
	.endif
.Lslow_exit\@: /* RDX = regs, RAX = guest VMCB PA, guest RDX at [rsp] */
	mov %rbx, GPREGS_RBX(%rdx)
	mov %rcx, GPREGS_RCX(%rdx)
	mov %rsi, GPREGS_RSI(%rdx)
	mov %rdi, GPREGS_RDI(%rdx)
	mov %rbp, GPREGS_RBP(%rdx)
	mov %r8, GPREGS_R8(%rdx)
	mov %r9, GPREGS_R9(%rdx)
	mov %r10, GPREGS_R10(%rdx)
	mov %r11, GPREGS_R11(%rdx)
	mov %r12, GPREGS_R12(%rdx)
	mov %r13, GPREGS_R13(%rdx)
	mov %r14, GPREGS_R14(%rdx)
	mov %r15, GPREGS_R15(%rdx)
	pop %rcx
	mov %rcx, GPREGS_RDX(%rdx)

	vmsave %rax
	cli
	mov 16(%rsp), %rax /* host VMCB PA */
	vmload %rax
	SPEC_IBPB_EXIT
	stgi

	/* Leave no guest values in caller-clobbered registers. */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	add $24, %rsp
	pop %rbx
	pop %rbp
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	SPEC_RET_NO_RSB
.endm

	.text
	WORLD_SWITCH svm_world_switch, 1
	WORLD_SWITCH svm_world_switch_checked, 0
