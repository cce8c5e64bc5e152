/* SPDX-License-Identifier: MIT */
/*
 * spec_exit.h — return-stack hygiene around the world switch (docs/security.md "Real silicon"). After #VMEXIT the
 * return stack buffer (RSB) holds the guest's return predictions; a host RET that finds no entry of its own pushed
 * since the exit would speculate to a guest-chosen address (RSB underflow/poisoning, CVE-2018-15572 class). hvmm
 * keeps every RET after #VMEXIT matched by a CALL made after it, so no host RET ever reaches the guest's entries:
 *
 * 1. SPEC_RET_NO_RSB: svm_world_switch returns to its caller without a RET prediction: the return address is
 *    popped, a CALL pushes a prediction of its own that points at a PAUSE/LFENCE trap, the real address is written
 *    over the pushed one, and RET goes there (the retpoline construction, AMD "Software Techniques for Managing
 *    Speculation on AMD Processors"). 4 instructions instead of 32 CALLs at every exit.
 * 2. spec_rsb_fill / SPEC_RSB_FILL: 32 CALLs in a row whose return addresses are never used (each skips an INT3
 *    trap for a speculative return), then RSP is put back and LFENCE: every RSB entry is hvmm's. The run loop
 *    (hvmm/guest/sched.c) issues it before it returns, where its own RET and its callers' RETs would pop entries
 *    pushed before the guest ran, and at every switch to another guest, so the next guest's RETs never consume the
 *    previous guest's predictions (Linux fills on context switch for the same reason). 32 entries cover every AMD
 *    RSB so far.
 * 3. SPEC_EXIT_BARRIER: where spec_exit_mode is set (hvmm/x86/spec.c), a CALL of spec_exit_barrier
 *    (hvmm/x86/spec_ret.S) before hvmm's first RET and before STGI (the order KVM's vmenter.S uses): on Zen 1-4
 *    exposed to SRSO/Retbleed either IBPB (srso=ibpb: WRMSR PRED_CMD = 1 flushes the indirect and, with IBPB_BRTYPE,
 *    return predictions the guest trained; AMD-SB-7005, AMD-SB-1037) or the untraining sequence of the safe RET
 *    (srso=safe-ret, the default there). 2 instructions when off. Clobbers RAX, RCX, RDX.
 * The RET of SPEC_RET_NO_RSB is a return site (hvmm/x86/spec_ret.h): a plain RET after boot-time patching, or the
 * safe RET's JMP where that is the policy.
 */
#ifndef HVMM_SPEC_EXIT_H
#define HVMM_SPEC_EXIT_H

#include "hvmm/x86/spec_ret.h"

#define SPEC_RSB_ENTRIES 32

#ifdef __ASSEMBLY__
.macro SPEC_EXIT_BARRIER
	cmpb $SPEC_EXIT_NONE, spec_exit_mode(%rip)
	je 774f
	call spec_exit_barrier
774:
.endm

/* RET to the address at (%rsp) without consulting the RSB; clobbers RCX. */
.macro SPEC_RET_NO_RSB
	pop %rcx
	call 776f
775:
	pause
	lfence
	jmp 775b
776:
	mov %rcx, (%rsp)
	RET_SITE
.endm
#else
/* Overwrite every RSB entry with one of hvmm's (2. above). */
static inline void spec_rsb_fill(void)
{
	__asm__ volatile(".rept %c0\n\t"
			 "call 771f\n\t"
			 "int3\n"
			 "771:\n\t"
			 ".endr\n\t"
			 "add %1, %%rsp\n\t"
			 "lfence"
			 :
			 : "i"(SPEC_RSB_ENTRIES), "i"(SPEC_RSB_ENTRIES * 8)
			 : "memory");
}
#endif

#endif
