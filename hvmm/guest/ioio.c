/*
 * ioio.c — port I/O exits. Every port is intercepted (IOPM all ones, APM §15.10.1) and no device is emulated yet:
 * IN reads all ones (an empty bus), OUT is dropped, string I/O raises #GP. EXITINFO2 holds the next RIP even without
 * NRIPS (APM §15.10.2).
 */
#include "hvmm/guest/exit.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"


void handle_ioio(struct cpu *c, struct guest *g)
{
	(void)c;
	struct vmcb *v = g->vmcb;
	uint64_t info = v->control.exitinfo1;

	if (info & IOIO_STR) {
		exit_inject_exception(g, VEC_GP, 1, 0);
		return;
	}
	if (info & IOIO_TYPE_IN) {
		uint64_t mask = (info & IOIO_SZ32) ? 0xffffffffull : (info & IOIO_SZ16) ? 0xffffull : 0xffull;
		v->save.rax = (v->save.rax & ~mask) | mask;
		if (info & IOIO_SZ32)
			v->save.rax &= 0xffffffffull; /* 32-bit results zero-extend into RAX */
	}
	v->save.rip = v->control.exitinfo2;
	v->control.int_state &= ~INT_STATE_SHADOW;
}
