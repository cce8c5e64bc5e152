/* SPDX-License-Identifier: MIT */
/*
 * hypercall.c — VMMCALL handling (RAX = number; RDI, RSI, RDX = arguments; RAX = result) per include/hvmm/abi.h.
 *
 * HVMM_HC_WRITE goes to the guest's line-buffered console (guest_console.c, which states the line policy).
 *  - So that one exit's work stays bounded, one VMMCALL takes at most WRITE_CHUNK bytes of a write; a longer
 *    write is restarted transparently: hvmm remembers how
 *    far it got and returns to the guest without advancing RIP, with every register as it was, so the guest's next
 *    instruction is the same VMMCALL, which continues where the last chunk ended — or, when the slice ended in the
 *    meantime, in the guest's next turn. The call returns the full length once everything is printed. A slice thus
 *    runs over its end by at most one chunk (WRITE_CHUNK bytes plus one buffered line) of console output.
 *  - Lines go to the console ring (hvmm/core/console.h), not to the UART. When the ring is full the write stops at
 *    the refused byte and is restarted the same way: the guest re-executes its VMMCALL, and each of these exits
 *    sends what the UART takes, so a flooding guest spends its own slice waiting for the UART, and nobody else's.
 */
#include "hvmm/abi.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/guest_console.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/svm/asm_offsets.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/tsc.h"

#define WRITE_CHUNK 128 /* guest bytes taken per VMMCALL exit (policy above) */

/*
 * HVMM_HC_WRITE: copy len bytes at guest-physical buf to the console, at most WRITE_CHUNK of them per call.
 * Returns len when done, or 1 with the write still in progress (the VMMCALL is to be restarted). A write of 0 bytes
 * reads nothing, so it succeeds whatever buf holds (docs/guest-abi.md).
 */
static int hc_write(struct vcpu *vcpu, uint64_t buf, uint64_t len, int64_t *ret)
{
	struct guest *g = vcpu->guest;
	struct pending_write *w = &vcpu->write;
	if (len == 0) {
		*ret = 0;
		return 0;
	}
	if (len > HVMM_WRITE_MAX) {
		*ret = HVMM_EINVAL;
		return 0;
	}
	const char *p = guest_ptr(g, buf, len);
	if (!p) {
		*ret = HVMM_EFAULT;
		return 0;
	}
	/* The guest ran nothing since the last chunk (it receives no interrupts), so a restart always matches. */
	if (!(w->len && w->rip == vcpu->vmcb->save.rip && w->buf == buf && w->len == len))
		w->done = 0;
	uint64_t end = len - w->done > WRITE_CHUNK ? w->done + WRITE_CHUNK : len;
	for (uint64_t i = w->done; i < end; i++)
		if (guest_console_putc(&g->console, g->name, p[i]) < 0) { /* console ring full: retried from byte i (throttled) */
			end = i;
			break;
		}
	con_poll(); /* the writer's own exit sends what the UART takes now */
	if (end < len) {
		*w = (struct pending_write){ vcpu->vmcb->save.rip, buf, len, end };
		return 1;
	}
	w->len = 0;
	*ret = (int64_t)len;
	return 0;
}

void handle_vmmcall(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	int64_t ret = 0;

	if (vcpu->kvm.on) { /* kvm=on: KVM's hypercall ABI instead of hvmm's (kvm_pv.c) */
		kvm_pv_hypercall(vcpu);
		return;
	}
	/* Hypercalls are the guest kernel's: from CPL > 0 (user mode, also virtual-8086 mode) VMMCALL raises #UD, as on
	 * a CPU where nobody intercepts it (APM Vol. 3, VMMCALL), so a user process can neither print, nor read its
	 * kernel's memory through HVMM_HC_WRITE, nor stop it. KVM and Xen refuse CPL > 0 too (with -EPERM). */
	if (v->save.cpl != 0) {
		exit_inject_exception(vcpu, VEC_UD, 0, 0);
		return;
	}
	switch (v->save.rax) {
	case HVMM_HC_NOP:
		break;
	case HVMM_HC_WRITE:
		if (hc_write(vcpu, vcpu->regs.rdi, vcpu->regs.rsi, &ret))
			return; /* RIP and RAX unchanged: the guest re-executes this VMMCALL to continue */
		break;
	case HVMM_HC_YIELD:
		vcpu->yield = 1;
		break;
	case HVMM_HC_EXIT: {
		struct guest *g = vcpu->guest;
		guest_console_flush(&g->console, g->name);
		g->exit_status = (int32_t)vcpu->regs.rdi; /* a C int */
		guest_stop(g, GUEST_EXITED);
		hlog_deferred("guest %s exited status=%ld", (uint64_t)g->name, (uint64_t)(int64_t)g->exit_status, 0);
		return;
	}
	case HVMM_HC_TSC_KHZ:
		ret = (int64_t)tsc_khz;
		break;
	default:
		ret = HVMM_ENOSYS;
		break;
	}
	v->save.rax = (uint64_t)ret;
	exit_skip_insn(vcpu, VMMCALL_LEN);
}
