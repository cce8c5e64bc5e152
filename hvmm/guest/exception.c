/* SPDX-License-Identifier: MIT */
/*
 * exception.c — guest exceptions hvmm intercepts (hvmm/svm/vmcb.c): #DB and #AC are reflected into the guest with a
 * loop guard, #MC is logged and stops the guest; #BP (intercepted for gdb='s guest only) and #DB go to the gdb
 * stub first (gdb_hook.h). APM Vol. 2 §15.12 (exception intercepts), §15.20 (EVENTINJ).
 *
 * Why intercept #DB and #AC at all: a guest can make either recur while the CPU delivers it — #AC on a misaligned
 * CPL-3 handler stack with CR0.AM and RFLAGS.AC set (CVE-2015-5307), or a data breakpoint on the slot where its own
 * #DB frame is pushed, e.g. on an IST stack (CVE-2015-8104). Without the intercept the processor delivers the
 * exception again and again inside microcode, never reaches an instruction boundary, and the timer's INTR exit never
 * comes: the physical CPU hangs. With it, every delivery is a #VMEXIT, so interrupts are taken between them.
 */
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/guest/platform.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"

#define EXC_LOOP_LIMIT 10000 /* reflections in a row at one RIP and RSP before the guest counts as looping */

#define MSR_MCG_CAP 0x179u /* APM Vol. 2 §9.3: bits 7:0 = number of banks */
#define MSR_MCG_STATUS 0x17au /* bit 0 RIPV, 1 EIPV, 2 MCIP */
#define MSR_MC0_STATUS 0x401u /* MCi_STATUS = 0x401 + 4i, MCi_ADDR = 0x402 + 4i */
#define MCI_STATUS_VAL (1ull << 63)
#define MCI_STATUS_ADDRV (1ull << 58)
#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_MCA (1u << 14)

/*
 * #DB or #AC in the guest: deliver it to the guest as the CPU would have (EVENTINJ; #AC's error code is EXITINFO1,
 * #DB has none and the CPU has already updated the guest's DR6 and DR7, §15.12). An event whose delivery this
 * exception interrupted (EXITINTINFO) is superseded, as when the CPU handles a benign exception during delivery.
 * Loop guard: the same vector at the same RIP and RSP EXC_LOOP_LIMIT times in a row (only #DB/#AC exits count)
 * is a delivery that recurs without the guest making progress; the guest is stopped.
 */
void handle_exception_reflect(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	unsigned vec = (unsigned)(v->control.exitcode - VMEXIT_EXCP_BASE);
	if (vec == VEC_DB && platform_nmi_step(vcpu))
		return; /* hvmm's own single step over an NMI handler's IRET (platform.c) */
	if (vec == VEC_BP) { /* INT3 (the intercept is gdb='s): as the INTn exit QEMU TCG gives for it */
		handle_swint(c, vcpu);
		return;
	}
	if (vec == VEC_DB && vcpu == gdb_hook.vcpu && gdb_hook.exception(vcpu, VEC_DB))
		return; /* the gdb stub's hardware breakpoint or single step: the guest is stopped and sees nothing */

	if (vec == vcpu->exc_loop.vec && v->save.rip == vcpu->exc_loop.rip && v->save.rsp == vcpu->exc_loop.rsp) {
		if (++vcpu->exc_loop.count >= EXC_LOOP_LIMIT) {
			guest_kill(vcpu, "exception loop: %s delivered %u times in a row at rsp=0x%lx without progress (%s)",
				   vec == VEC_DB ? "#DB" : "#AC", vcpu->exc_loop.count, v->save.rsp,
				   vec == VEC_DB ? "CVE-2015-8104" : "CVE-2015-5307");
			return;
		}
	} else {
		vcpu->exc_loop.vec = vec;
		vcpu->exc_loop.rip = v->save.rip;
		vcpu->exc_loop.rsp = v->save.rsp;
		vcpu->exc_loop.count = 1;
	}
	if (vec == VEC_AC)
		exit_inject_exception(vcpu, VEC_AC, 1, (uint32_t)v->control.exitinfo1);
	else
		exit_inject_exception(vcpu, VEC_DB, 0, 0);
}

/*
 * INTn exit (intercepted, like #BP, only for the guest gdb= debugs): under QEMU TCG 7.2 INT3 (CC) and INTO (CE) exit
 * this way too and ignore the #BP intercept, so the instruction at RIP says which it was. INT3 at one of the stub's
 * breakpoints stops the guest (gdb_hook.h); otherwise the instruction is done as the CPU would: RIP moves past
 * it and the event is injected (APM Vol. 2 §15.20: INTn as a software interrupt, TYPE 4, which checks the gate's
 * DPL; INT3 as the #BP exception; INTO as #OF when RFLAGS.OF is set).
 */
void handle_swint(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	struct x86_insn in;
	if (insn_decode_current(vcpu, &in) || in.map != X86_MAP_1BYTE || in.opcode < 0xcc || in.opcode > 0xce) {
		guest_kill(vcpu, "INTn exit at an instruction that is not INT3, INT n or INTO");
		return;
	}
	if (in.opcode == 0xcc && vcpu == gdb_hook.vcpu && gdb_hook.exception(vcpu, VEC_BP))
		return;
	v->save.rip += in.len;
	if (in.opcode == 0xcd)
		v->control.eventinj = (uint8_t)in.imm | EVENT_TYPE_SOFT | EVENT_VALID;
	else if (in.opcode == 0xcc)
		exit_inject_exception(vcpu, VEC_BP, 0, 0);
	else if (v->save.rflags & RFLAGS_OF)
		exit_inject_exception(vcpu, VEC_OF, 0, 0);
}

/*
 * #MC while the guest ran: the machine-check banks describe a hardware error, not something the guest did, but its
 * state can no longer be trusted (KVM hands the event to the host's handler; Xen stops the domain). hvmm prints
 * MCG_STATUS and every bank with VAL set, clears them and MCG_STATUS.MCIP (a second #MC with MCIP set would shut the
 * processor down, APM Vol. 2 §9.3), and stops the guest.
 */
void handle_machine_check(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	uint32_t edx = cpuid(1, 0).edx;
	if ((edx & (CPUID1_EDX_MCE | CPUID1_EDX_MCA)) == (CPUID1_EDX_MCE | CPUID1_EDX_MCA)) {
		unsigned banks = (unsigned)(rdmsr(MSR_MCG_CAP) & 0xff);
		hlog("machine check while guest %s ran: MCG_STATUS=0x%lx", vcpu->guest->name, rdmsr(MSR_MCG_STATUS));
		for (unsigned i = 0; i < banks; i++) {
			uint64_t st = rdmsr(MSR_MC0_STATUS + 4 * i);
			if (!(st & MCI_STATUS_VAL))
				continue;
			hlog("  MC%u_STATUS=0x%lx MC%u_ADDR=0x%lx", i, st, i,
			     (st & MCI_STATUS_ADDRV) ? rdmsr(MSR_MC0_STATUS + 4 * i + 1) : 0);
			wrmsr(MSR_MC0_STATUS + 4 * i, 0);
		}
		wrmsr(MSR_MCG_STATUS, 0);
	}
	guest_kill(vcpu, "machine check (#MC) while it ran: hardware error, see the MC lines above");
}
