/* SPDX-License-Identifier: MIT */
/*
 * spec_exit.h — SPEC_AFTER_VMEXIT, the speculation barrier vmrun.S runs after every #VMEXIT that goes to C, before
 * its first RET and before STGI (the order KVM's vmenter.S uses). Clobbers RAX, RCX, RDX (guest values already saved).
 *
 * 1. Return-stack fill: 32 CALLs in a row whose return addresses are never used (each skips an INT3 trap for a
 *    speculative return; unrolled: 34 instructions instead of 67 for a loop), then RSP is put back and LFENCE keeps
 *    later code from running ahead on a stale prediction. The guest's RSB entries
 *    are gone, so hvmm's next RETs cannot speculate to guest-chosen addresses (AMD, "Software Techniques for Managing
 *    Speculation on AMD Processors", RSB stuffing; CVE-2018-15572 class). 32 entries cover every AMD RSB so far.
 * 2. IBPB when spec_ibpb_exit is set (Zen 1-4 exposed to SRSO/Retbleed, hvmm/x86/spec.c): WRMSR PRED_CMD = 1
 *    flushes the indirect and, with IBPB_BRTYPE, return predictions the guest trained (AMD-SB-7005, AMD-SB-1037).
 */
#ifndef HVMM_SPEC_EXIT_H
#define HVMM_SPEC_EXIT_H

#define SPEC_RSB_ENTRIES 32
#define SPEC_MSR_PRED_CMD 0x49

#ifdef __ASSEMBLY__
.macro SPEC_AFTER_VMEXIT
	.rept SPEC_RSB_ENTRIES
	call 771f
	int3
771:
	.endr
	add $(SPEC_RSB_ENTRIES * 8), %rsp
	lfence
	cmpb $0, spec_ibpb_exit(%rip)
	je 774f
	mov $SPEC_MSR_PRED_CMD, %ecx
	mov $1, %eax
	xor %edx, %edx
	wrmsr
774:
.endm
#endif

#endif
