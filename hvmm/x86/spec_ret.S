/* SPDX-License-Identifier: MIT */
/*
 * spec_ret.S — the return thunks and the SRSO untraining sequences (docs/security.md "Real silicon", spec_ret.h).
 *
 * SRSO (AMD-SB-7005, CVE-2023-20569): a guest can train the branch predictor so that a host instruction is
 * predicted as a CALL that never runs, whose return address a later host RET then speculates to. A "safe RET"
 * (Linux's default, Documentation/admin-guide/hw-vuln/srso.rst) sends every return through one RET at a fixed place:
 * the thunk CALLs it, so the RET's prediction is the CALL's own return address (a UD2 trap), and the RET goes where
 * the stack says. After every #VMEXIT, before hvmm's first RET, the exit path runs the untraining sequence, which
 * evicts whatever the guest put into the predictor entry of that RET:
 *   - Zen 1/2 (families 17h, 18h): a 10-byte MOVABS whose 8-byte immediate is the safe RET's own bytes, starting 2
 *     bytes before it; executed as one instruction, it overwrites the prediction for the RET inside it (the
 *     Retbleed untraining of AMD-SB-1037 works the same way, and covers it). The safe RET starts a 64-byte line.
 *   - Zen 3/4 (family 19h): a sequence at an address that differs from the safe RET's in exactly bits 2, 8, 14 and
 *     20, which map to the same predictor entry (linker.ld places both and asserts it).
 * Until retsites_patch runs at boot, and forever on a CPU that needs none of this, __x86_return_thunk is a plain RET.
 * Clobbers: the Zen 1/2 untraining clobbers RAX; nothing else here touches a register besides RSP.
 */
#include "hvmm/x86/spec_ret.h"

	.text
/* Where every return of C jumps before patching: RET. */
	.globl __x86_return_thunk
__x86_return_thunk:
	ret
	int3

/* The exit path's barrier (svm/spec_exit.h), called after VMLOAD of the host state with GIF = 0 when spec_exit_mode is
 * not SPEC_EXIT_NONE. Clobbers RAX, RCX, RDX. */
	.globl spec_exit_barrier
spec_exit_barrier:
	cmpb $SPEC_EXIT_IBPB, spec_exit_mode(%rip)
	jne 1f
	mov $SPEC_MSR_PRED_CMD, %ecx
	mov $1, %eax /* IBPB */
	xor %edx, %edx
	wrmsr
	RET_SITE
1:	cmpb $SPEC_EXIT_UNTRAIN_ZEN34, spec_exit_mode(%rip)
	je srso_alias_untrain_ret
	jmp srso_untrain_ret

/* Zen 1/2. */
	.section .text.srso, "ax"
	.balign 64
	.skip 64 - 2, 0xcc
	.globl srso_untrain_ret
srso_untrain_ret: /* MOVABS $imm64, %rax whose immediate is the next 8 bytes */
	.byte 0x48, 0xb8
	.globl srso_safe_ret
srso_safe_ret:
	lea 8(%rsp), %rsp /* drop the thunk's own return address */
	ret
	int3
	int3
.Lsrso_imm_end: /* the MOVABS ends here: then return to the caller through the safe RET */
	lfence
	call srso_safe_ret
	ud2
	.globl srso_return_thunk
srso_return_thunk:
	call srso_safe_ret
	ud2
	.if .Lsrso_imm_end - srso_untrain_ret != 10
	.error "the MOVABS must cover the safe RET's 8 bytes exactly"
	.endif

/* Zen 3/4: linker.ld puts .srso_alias_untrain near the start of .text and .srso_alias_safe at its alias. */
	.section .srso_alias_untrain, "ax"
	.globl srso_alias_untrain_ret
srso_alias_untrain_ret:
	xchg %ax, %ax /* 2-byte NOP */
	lfence
	jmp srso_alias_return_thunk

	.section .srso_alias_safe, "ax"
	.globl srso_alias_safe_ret
srso_alias_safe_ret:
	lea 8(%rsp), %rsp
	ret
	int3
	.globl srso_alias_return_thunk
srso_alias_return_thunk:
	call srso_alias_safe_ret
	ud2
