/* SPDX-License-Identifier: MIT */
/*
 * spec_ret.h — hvmm's returns, patched at boot (docs/security.md "Real silicon", hvmm/x86/retsites.c).
 *
 * C is compiled with -mfunction-return=thunk-extern: every return is a JMP (or Jcc) rel32 to __x86_return_thunk.
 * The build lists every such site (tools/retsites, section .retsites); at boot retsites_patch rewrites each one:
 *
 *     plain RET:  E9 rel32          -> C3 CC CC CC CC        (RET; INT3 x 4)
 *                 0F 8x rel32       -> 7y 04 C3 CC CC CC     (J!cc over RET; INT3 x 3; y = x ^ 1)
 *     safe RET:   rel32 retargeted to srso_return_thunk (Zen 1/2) or srso_alias_return_thunk (Zen 3/4)
 *
 * so a CPU that is not exposed to SRSO runs exactly the RETs it ran before, and an exposed one sends every return
 * through the one RET whose predictions hvmm untrains after each #VMEXIT (spec_ret.S). RET_SITE is the same
 * JMP written by hand in assembly, for hvmm's own .S returns.
 */
#ifndef HVMM_SPEC_RET_H
#define HVMM_SPEC_RET_H

#define SPEC_RET_SITE_LEN 5 /* E9 rel32 */
#define SPEC_RET_SITE_JCC_LEN 6 /* 0F 8x rel32 */

/* spec_exit_mode values: what the exit path does before its first RET (hvmm/svm/spec_exit.h). */
#define SPEC_MSR_PRED_CMD 0x49 /* asm_offsets.c asserts it is MSR_PRED_CMD */
#define SPEC_EXIT_NONE 0
#define SPEC_EXIT_IBPB 1 /* srso=ibpb: IBPB */
#define SPEC_EXIT_UNTRAIN_ZEN12 2 /* safe RET, families 17h/18h: srso_untrain_ret */
#define SPEC_EXIT_UNTRAIN_ZEN34 3 /* safe RET, family 19h: srso_alias_untrain_ret */

/* Zen 3/4: the untraining sequence and the safe RET differ in exactly these address bits, so that they share a
 * branch-target-buffer entry (AMD-SB-7005; Linux arch/x86/kernel/vmlinux.lds.S asserts the same). linker.ld places
 * them and asserts it. */
#define SPEC_SRSO_ALIAS_BITS 0x104104 /* bits 2, 8, 14 and 20 */

#ifdef __ASSEMBLY__
/* A return, as a patchable site: JMP rel32 to __x86_return_thunk (never the short form, which could not be patched). */
.macro RET_SITE
	.byte 0xe9
	.long __x86_return_thunk - (. + 4)
.endm
#else
#include <stdint.h>

/* 0 (none), or what the exit path does before its first RET: SPEC_EXIT_*; set once by spec_init. */
extern uint8_t spec_exit_mode;
#endif

#endif
