/* SPDX-License-Identifier: MIT */
/*
 * exit_retire.c — how an exit handler finishes the guest's intercepted instruction: complete it (resume after it,
 * as the CPU would have), skip it (find its length first), or make it raise an exception instead (EVENTINJ).
 */
#include "hvmm/guest/exit_retire.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/config.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/guest/vmcb_guard.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"

/* The rare part of exit_complete_insn: RFLAGS.TF (the single-step trap, or the gdb stub's step ending) or RF set. */
static void __attribute__((noinline, cold)) complete_tf_rf(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	if ((v->save.rflags & RFLAGS_TF) && !(vcpu == gdb_hook.vcpu && gdb_hook.step_done(vcpu))) {
		v->save.dr6 |= DR6_BS;
		exit_inject_exception(vcpu, VEC_DB, 0, 0);
	}
	v->save.rflags &= ~RFLAGS_RF;
}

/*
 * The guest's instruction is done: resume at next_rip, as the CPU would after running it (APM Vol. 2 §13.1 and
 * the #DB conditions): the instruction ends an STI/MOV SS shadow, clears RFLAGS.RF, and with RFLAGS.TF set it is
 * followed by the single-step trap — #DB with DR6.BS, the pushed RIP that of the next instruction.
 */
void exit_complete_insn(struct vcpu *vcpu, uint64_t next_rip)
{
	struct vmcb *v = vcpu->vmcb;
	v->save.rip = next_rip;
	v->control.int_state &= ~INT_STATE_SHADOW;
	if (v->save.rflags & (RFLAGS_TF | RFLAGS_RF)) /* rare: keep the common path short */
		complete_tf_rf(vcpu);
}

/* Without nRIP (QEMU TCG, pre-NRIPS silicon: APM Vol. 2 §15.7.1) the length comes from the instruction's bytes at
 * CS:RIP: the intercepted instruction may carry prefixes the architecture ignores (2E CPUID is 3 bytes; up to 15). */
void exit_skip_insn(struct vcpu *vcpu, unsigned len)
{
	struct vmcb *v = vcpu->vmcb;
	uint64_t next = v->control.nrip;
	if (!next || !svm_has(SVM_FEAT_NRIPS)) {
		int r = insn_next_rip(vcpu, len, &next);
		if (r) {
			guest_kill(vcpu, "cannot decode the intercepted instruction (x86_decode error %d)", r);
			return;
		}
	} else if (__builtin_expect(config.vmcb_check, 0)) {
		vmcb_guard_nrip(vcpu, len); /* nRIP against the length hvmm decodes itself */
	}
	exit_complete_insn(vcpu, next);
}
