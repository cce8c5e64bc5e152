/* SPDX-License-Identifier: MIT */
/* exit.h — #VMEXIT dispatch by EXITCODE to the exit handlers (exit_handlers.h), and the debug-register hand-over. */
#ifndef HVMM_EXIT_H
#define HVMM_EXIT_H
#include <stdint.h>

#include "hvmm/guest/vcpu.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"

struct cpu;

/* What the handling of every exit begins with (exit_dispatch; the run loop's own #VMEXIT(INTR), sched.c): an event
 * whose delivery the exit interrupted is re-injected, else lost (APM Vol. 2 §15.7.2), and EVENTINJ is rewritten
 * before every VMRUN (silicon does not clear it); a re-injection is a change platform_before_vmrun must see (its
 * emulator workaround for injected interrupts, platform.c). Then the exit is counted. Inline: on every exit. */
static inline void exit_begin(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	if (__builtin_expect(v->control.exitintinfo & EVENT_VALID, 0)) {
		v->control.eventinj = v->control.exitintinfo;
		if (vcpu->vctx.pc)
			vcpu->vctx.pc->gen++;
	} else {
		v->control.eventinj = 0;
	}
	vcpu->exits++;
}

/* #VMEXIT(INTR): the physical interrupt is still pending (GIF was 0); open a window so hvmm's IDT takes it (APM
 * Vol. 2 §15.21.1). */
static inline void exit_take_intr(void)
{
	__asm__ volatile("sti; nop; cli" : : : "memory");
}

/* Handle vcpu's latest #VMEXIT (vcpu->vmcb holds EXITCODE/EXITINFO), exit_begin included. Unknown exits dump the
 * VMCB and kill its guest. The run loop handles #VMEXIT(INTR) itself (sched.c), without calling it. */
void exit_dispatch(struct cpu *c, struct vcpu *vcpu);

/* Give vcpu the debug registers DR0-DR3 of CPU c (saving the previous owner's): see handle_dr in exit.c. */
void exit_dr_claim(struct cpu *c, struct vcpu *vcpu);

#endif
