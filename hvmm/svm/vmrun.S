/* SPDX-License-Identifier: MIT */
/*
 * vmrun.S — the world switch: svm_world_switch(struct gpregs *regs, u64 guest_vmcb_pa, u64 host_vmcb_pa).
 *
 * The hardware switches RAX, RSP, RIP, RFLAGS and the segment/control state (APM Vol. 2 §15.5); this stub switches
 * the other 14 GPRs by hand and the FS/GS/TR/LDTR/syscall-MSR state with VMLOAD/VMSAVE (§15.5.2).
 * Interrupts (APM §15.17, §15.21.1): CLGI, then STI so that RFLAGS.IF = 1 at VMRUN — with
 * V_INTR_MASKING = 1 that host IF is what lets a physical interrupt cause #VMEXIT(INTR) even if the guest runs
 * with IF = 0. #VMEXIT clears GIF; CLI, VMLOAD host, STGI. The interrupt stays pending for the C code to take.
 *
 * Speculation (docs/security.md "Real silicon", spec_exit.h): with GIF still 0, SPEC_EXIT_BARRIER issues IBPB or
 * untrains the safe RET on CPUs exposed to SRSO/Retbleed; the switch returns with SPEC_RET_NO_RSB, so no RET between #VMEXIT and the caller pops
 * a guest's return prediction (the caller fills the RSB at guest switches and when it stops running guests). The
 * fast path below executes no RET or indirect branch before it re-enters the same guest.
 *
 * Fast paths (docs/measurement.md "Fast paths"): the null hypercall (HVMM_HC_NOP) from CPL 0 of a guest with hvmm's
 * hypercall ABI (VMCB_HOST_KVM_ABI clear: not kvm=on, hvmm/guest/kvm_pv.c) and CPUID of a leaf the
 * guest's CPUID cache holds, neither single-stepped nor with RFLAGS.RF set, are completed right here and the guest
 * re-entered at once — no GPR save/restore, no VMSAVE/VMLOAD (the guest's FS/GS/TR/LDTR are still loaded), GIF still
 * 0, host IF still 1. svm_world_switch takes the next RIP from nRIP; svm_world_switch_fetch, for a CPU that does not
 * save it, from the instruction's first byte read through the guest's cached CS:RIP translation (FETCH_CHECK). They
 * are counted in the VMCB's host-software area (VMCB_HOST_FAST_EXITS). Every other exit goes to C.
 * svm_world_switch_checked is the same switch without fast paths, for vmcb_check=1: there every VMRUN follows the C
 * code's VMCB check.
 *
 * Stamps (docs/measurement.md): regs->entry_tsc is read 5 instructions before VMRUN (after it only the moves that load
 * the guest's RDX and RDI and the VMCB address), regs->exit_tsc 1 instruction after #VMEXIT (the push that frees RDX
 * for RDTSC; 5 with fast paths, whose exit-code tests come first: a fast exit takes no stamp), so the lag hvmm
 * reports leaves out only VMRUN/#VMEXIT themselves and those 6 (10) instructions.
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

#if HVMM_HC_NOP != 0
#error "the null hypercall's fast path leaves the guest's RAX = HVMM_HC_NOP as its result 0"
#endif


/* A fast-path exit's instruction is done and RIP already advanced (RAX = guest VMCB PA): no interrupt shadow after an
 * emulated instruction, nothing to inject (silicon does not clear EVENTINJ), the first VMRUN's TLB flush done, and
 * the exit counted. */
.macro FAST_DONE
	andq $~1, VMCB_INT_STATE(%rax)
	movq $0, VMCB_EVENTINJ(%rax)
	movb $0, VMCB_TLB_CONTROL(%rax)
	incq VMCB_HOST_FAST_EXITS(%rax)
.endm

/* RIP = nRIP (APM §15.7.1), through the stack: no register needed. */
.macro NRIP_TO_RIP
	pushq VMCB_NRIP(%rax)
	popq VMCB_RIP(%rax)
.endm

/*
 * Without nRIP: is the instruction at CS:RIP one whose length hvmm knows, read through a translation that is still
 * right? The same conditions as gva_cache_lookup and insn_next_rip (hvmm/guest/gva_cache.h, insn.h), which filled the
 * cache at an earlier exit that went to C: 64-bit code (EFER.LMA, CS.L); the cache valid for RIP's page under the
 * same CR0, CR3, CR4 and EFER; every page-table entry of its walk re-read from guest memory and unchanged (a guest
 * that remaps the page — Linux's text_poke — fails here); and the instruction's first byte, read now through that
 * translation, 0F: never a prefix, so the instruction the exit names has its plain length. Nothing is cached but the
 * translation, so code rewritten in place is read as it is now. RAX = guest VMCB PA, RDX = regs; clobbers RCX;
 * jumps to \fail when a condition does not hold.
 */
.macro FETCH_CHECK fail
	testb $SEG_ATTR_L_BYTE1, VMCB_CS_ATTRIB + 1(%rax)
	jz \fail
	mov VMCB_RIP(%rax), %rcx
	or $0xfff, %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_KEY64(%rdx), %rcx /* 0 unless walked in long mode: never equal */
	jne \fail
	mov VMCB_CR3(%rax), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_CR3(%rdx), %rcx
	jne \fail
	mov VMCB_CR0(%rax), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_CR0(%rdx), %rcx
	jne \fail
	mov VMCB_CR4(%rax), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_CR4(%rdx), %rcx
	jne \fail
	mov VMCB_EFER(%rax), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_EFER(%rdx), %rcx
	jne \fail
	/* In long mode (EFER as cached: the walk was a long-mode one) the walk read 2 to 5 8-byte entries; 2 MiB pages
	 * (3 entries) first. */
	cmpl $3, REGS_FETCH_CACHE + GVA_CACHE_N(%rdx)
	je 773f
	jb 772f
	cmpl $4, REGS_FETCH_CACHE + GVA_CACHE_N(%rdx)
	je 774f
	mov REGS_FETCH_CACHE + GVA_CACHE_ENTRY + 8 * 4(%rdx), %rcx
	mov (%rcx), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_VAL + 8 * 4(%rdx), %rcx
	jne \fail
774:
	mov REGS_FETCH_CACHE + GVA_CACHE_ENTRY + 8 * 3(%rdx), %rcx
	mov (%rcx), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_VAL + 8 * 3(%rdx), %rcx
	jne \fail
773:
	mov REGS_FETCH_CACHE + GVA_CACHE_ENTRY + 8 * 2(%rdx), %rcx
	mov (%rcx), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_VAL + 8 * 2(%rdx), %rcx
	jne \fail
772:
	mov REGS_FETCH_CACHE + GVA_CACHE_ENTRY + 8 * 1(%rdx), %rcx
	mov (%rcx), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_VAL + 8 * 1(%rdx), %rcx
	jne \fail
	mov REGS_FETCH_CACHE + GVA_CACHE_ENTRY + 8 * 0(%rdx), %rcx
	mov (%rcx), %rcx
	cmp REGS_FETCH_CACHE + GVA_CACHE_VAL + 8 * 0(%rdx), %rcx
	jne \fail
	mov VMCB_RIP(%rax), %rcx
	add REGS_FETCH_CACHE + GVA_CACHE_DELTA(%rdx), %rcx /* its host address: the page is guest RAM */
	cmpb $0x0f, (%rcx)
	jne \fail
.endm

/*
 * The world switch; fast = 0: every exit goes to C (vmcb_check=1); 1: fast paths on a CPU that saves nRIP; 2: fast
 * paths without nRIP (QEMU TCG, pre-NRIPS silicon), the instruction's length checked with FETCH_CHECK.
 */
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
	.if \fast
	cmpq $ASM_VMEXIT_VMMCALL, VMCB_EXITCODE(%rax)
	je .Lvmmcall\@
	cmpq $ASM_VMEXIT_CPUID, VMCB_EXITCODE(%rax)
	je .Lcpuid\@
	.endif
.Lslow\@:
	push %rdx /* guest RDX, out of RDTSC's way */
.Lslow_pushed\@: /* guest RDX at [rsp] */
	rdtsc /* exit stamp */
	shl $32, %rdx
	or %rdx, %rax
	mov 16(%rsp), %rdx /* regs */
	mov %rax, GPREGS_EXIT_TSC(%rdx)
	mov 8(%rsp), %rax /* guest VMCB PA */
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
	SPEC_EXIT_BARRIER
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

	.if \fast
	/* Fast paths: not while single-stepping or with RFLAGS.RF set (C raises the trap and clears RF). */
.Lvmmcall\@: /* the null hypercall from CPL 0 (C raises #UD at CPL > 0) of a guest with hvmm's hypercall ABI (a kvm=on
	      * guest's number 0 is KVM's: -KVM_ENOSYS, from C) */
	testl $(RFLAGS_TF_BIT | RFLAGS_RF_BIT), VMCB_RFLAGS(%rax)
	jnz .Lslow\@
	.if \fast == 1
	cmpq $HVMM_HC_NOP, VMCB_RAX(%rax)
	jne .Lslow\@
	cmpb $0, VMCB_CPL(%rax)
	jne .Lslow\@
	cmpb $0, VMCB_HOST_KVM_ABI(%rax)
	jne .Lslow\@
	NRIP_TO_RIP
	.else
	push %rdx
	push %rcx /* stack: guest RCX, guest RDX, guest VMCB PA, regs */
	movzbl VMCB_CPL(%rax), %ecx /* the three conditions in one test, with the registers FETCH_CHECK needs anyway */
	or VMCB_HOST_KVM_ABI(%rax), %cl
	or VMCB_RAX(%rax), %rcx /* HVMM_HC_NOP = 0 */
	jnz .Lfast_fail\@
	mov 24(%rsp), %rdx /* regs */
	FETCH_CHECK .Lfast_fail\@
	pop %rcx
	pop %rdx
	addq $VMMCALL_LEN, VMCB_RIP(%rax)
	.endif
	FAST_DONE /* RAX = HVMM_HC_NOP = 0 is the result */
	jmp .Lvmrun\@

.Lcpuid\@: /* CPUID of a leaf whose values the guest's cache holds (cpuid_cache.h, right after regs) */
	testl $(RFLAGS_TF_BIT | RFLAGS_RF_BIT), VMCB_RFLAGS(%rax)
	jnz .Lslow\@
	push %rdx
	push %rcx /* stack: guest RCX, guest RDX, guest VMCB PA, regs */
	mov 24(%rsp), %rdx /* regs */
	.if \fast == 2
	FETCH_CHECK .Lfast_fail\@
	.endif
	mov VMCB_RAX(%rax), %ecx /* the leaf */
	cmp $CPUID_SLOTS_BASIC, %ecx
	jb 2f
	add $0x80000000, %ecx /* 8000_0000h.. -> 0.. (mod 2^32) */
	cmp $CPUID_SLOTS_EXT, %ecx
	jae .Lfast_fail\@
	add $CPUID_SLOTS_BASIC, %ecx
2:	and $(CPUID_SLOTS - 1), %ecx /* a no-op, except for an index the CPU guesses past the bounds checks */
	bt %rcx, GPREGS_SIZE + CPUID_CACHE_VALID(%rdx)
	jnc .Lcpuid_leaf1\@ /* slot 1 is never valid: leaf 1 has two slots of its own */
3:
	shl $4, %ecx
	lea GPREGS_SIZE + CPUID_CACHE_SLOT0(%rdx, %rcx), %rcx
	.if \fast == 1
	NRIP_TO_RIP
	.else
	addq $CPUID_LEN, VMCB_RIP(%rax)
	.endif
	FAST_DONE
	mov (%rcx), %edx
	mov %rdx, VMCB_RAX(%rax) /* CPUID zero-extends all four results in 64-bit mode */
	mov 4(%rcx), %ebx
	mov 12(%rcx), %edx
	mov 8(%rcx), %ecx
	add $16, %rsp /* the guest's RCX and RDX are the results now */
	jmp .Lvmrun\@

.Lcpuid_leaf1\@: /* leaf 1 as a guest with CR4.OSXSAVE clear or set sees it (CPUID 1 ECX[27]) */
	cmp $1, %ecx
	jne .Lfast_fail\@
	mov $CPUID_SLOT_LEAF1, %ecx
	testl $(1 << CPUID_CR4_OSXSAVE_BIT), VMCB_CR4(%rax)
	jz 4f
	mov $CPUID_SLOT_LEAF1_OSXSAVE, %ecx
4:	bt %rcx, GPREGS_SIZE + CPUID_CACHE_VALID(%rdx)
	jc 3b

.Lfast_fail\@: /* stack: guest RCX, guest RDX */
	pop %rcx
	jmp .Lslow_pushed\@
	.endif
.endm

	.text
	WORLD_SWITCH svm_world_switch, 1
	WORLD_SWITCH svm_world_switch_fetch, 2
	WORLD_SWITCH svm_world_switch_checked, 0
