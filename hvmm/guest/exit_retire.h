/* SPDX-License-Identifier: MIT */
/* exit_retire.h — the ways an exit handler finishes the guest's intercepted instruction (exit_retire.c). */
#ifndef HVMM_EXIT_RETIRE_H
#define HVMM_EXIT_RETIRE_H
#include <stdint.h>

#include "hvmm/guest/vcpu.h"
#include "hvmm/svm/vmcb.h"

/* Move vcpu past the intercepted instruction, whose length without prefixes is len: nRIP when the CPU saves it
 * (APM §15.7.1), else len when the instruction starts with 0F or F4 (no prefix), else its decoded length. Kills the
 * guest if the instruction cannot be read or decoded. */
void exit_skip_insn(struct vcpu *vcpu, unsigned len);
/* The guest's intercepted instruction is done, resume at next_rip: ends an interrupt shadow, clears RFLAGS.RF, and
 * raises the single-step #DB (DR6.BS) when RFLAGS.TF is set, as the CPU would have. */
void exit_complete_insn(struct vcpu *vcpu, uint64_t next_rip);
/* Inject exception vector vec (with error code err when has_err) at the next VMRUN (APM §15.20). */
static inline void exit_inject_exception(struct vcpu *vcpu, unsigned vec, int has_err, uint32_t err)
{
	vcpu->vmcb->control.eventinj = vec | EVENT_TYPE_EXCEPTION | EVENT_VALID |
				    (has_err ? EVENT_EV | ((uint64_t)err << 32) : 0);
}

#endif
