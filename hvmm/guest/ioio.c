/* SPDX-License-Identifier: MIT */
/*
 * ioio.c — port I/O exits. Every port is intercepted (IOPM all ones, APM §15.10.1) and goes to the guest's port
 * table (vdev/ioport.c): a virtual device, or an empty bus (IN reads all ones, OUT is dropped, both counted).
 * String I/O (INS/OUTS) raises #GP. EXITINFO2 holds the next RIP even without NRIPS (APM §15.10.2).
 */
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/vdev.h"
#include "hvmm/x86/desc.h"

void handle_ioio(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	uint64_t info = v->control.exitinfo1;
	uint16_t port = (uint16_t)(info >> IOIO_PORT_SHIFT);
	unsigned size = (info & IOIO_SZ32) ? 4 : (info & IOIO_SZ16) ? 2 : 1;

	if (info & IOIO_STR) {
		exit_inject_exception(vcpu, VEC_GP, 1, 0);
		return;
	}
	/* RIP first: a handler may stop the guest (isa-debug-exit), and the kill line then names the next RIP. */
	exit_complete_insn(vcpu, v->control.exitinfo2);
	if (info & IOIO_TYPE_IN) {
		uint32_t val = 0;
		vdev_port_io(&vcpu->vctx, vcpu->vctx.bus, VDEV_IN, port, size, &val);
		uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull;
		v->save.rax = size == 4 ? val : (v->save.rax & ~mask) | val; /* 32-bit results zero-extend into RAX */
	} else {
		uint32_t val = (uint32_t)v->save.rax;
		vdev_port_io(&vcpu->vctx, vcpu->vctx.bus, VDEV_OUT, port, size, &val);
	}
}
