/* SPDX-License-Identifier: MIT */
/*
 * vcpu.h — one virtual CPU of a guest (struct guest, guest.h): what each virtual CPU has of its own — its VMCB,
 * registers and CPUID cache, extended state, debug registers, the hvmm CPU that runs it, its run state and its
 * statistics. Exit handlers work on a vCPU and reach the guest's memory and devices through vcpu->guest.
 */
#ifndef HVMM_VCPU_H
#define HVMM_VCPU_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/guest/gva_cache.h"
#include "hvmm/guest/kvm_pv_state.h"
#include "hvmm/svm/cpuid_cache.h"
#include "hvmm/svm/gpregs.h"
#include "hvmm/vdev/vdev.h"
#include "msr_policy.h"
#include "x86_decode.h"

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED, /* in HLT with interrupts enabled, until an interrupt is pending (platform.c) */
	VCPU_STOPPED, /* its guest exited or was killed (guest->state) */
	VCPU_PAUSED, /* paused from the monitor until resumed (input.c); paused_halted: it was halted */
};

struct guest;
struct vmcb;

struct vcpu {
	struct guest *guest; /* the guest it belongs to */
	unsigned id; /* its index in guest->vcpu[] (0: the boot CPU) */
	enum vcpu_state state;
	int yield; /* give up the CPU after this exit */
	struct vmcb *vmcb; /* VA = PA */
	struct vdev_ctx vctx; /* its guest's devices as this vCPU reaches them (platform.c); vctx.pc: NULL without */
	struct { /* what platform_before_vmrun left (platform.c): it has nothing to do again while all still hold */
		uint64_t gen; /* vctx.pc->gen */
		uint64_t due; /* its CPU's timer_due_tsc */
		uint64_t quiet_until; /* TSC of the next device event (0: nothing may be skipped) */
	} plat;
	uint32_t asid;
	uint64_t asid_generation; /* cpu generation the ASID belongs to */
	unsigned cpu; /* the hvmm CPU that runs this vCPU, for its whole life (sched_assign) */
	unsigned slot; /* its index in that CPU's run queue */
	struct vcpu *rr_next; /* the vCPU after it in that queue (itself when alone): the timer switch's next (sched.c) */
	uint64_t stop_tsc; /* its guest's time_limit= (guest->stop_tsc), where the scheduler checks it; 0 = never */

	struct gpregs regs;
	struct cpuid_cache cpuid; /* right after regs: vmrun.S finds it there (svm/cpuid_cache.h); filled by cpuid.c */
	struct gva_cache fetch_cache; /* the translation of the page at CS:RIP (insn.c); right after cpuid: vmrun.S
					 checks it for the fast paths without nRIP (asserted in gva.c) */
	struct { /* the latest instruction mmio.c decoded at CS:RIP, and the bytes and mode it was decoded from */
		uint64_t b0, b1; /* its bytes 0-7 and 7-14 (little-endian), those past its length cleared */
		uint64_t m0, m1; /* the masks that clear them */
		uint8_t mode, valid;
		struct x86_insn in;
	} mmio_decode;
	uint8_t *xsave; /* XSAVE (or FXSAVE) area, xstate_caps.area_bytes; holds the state while another vCPU runs */
	uint64_t xcr0; /* the vCPU's XCR0 while another vCPU runs (xstate.c) */
	uint64_t dr[4]; /* DR0-DR3 while another vCPU owns the debug registers (exit.c) */
	struct msr_state msr; /* the MSRs lib/msr_policy.c keeps per vCPU (msr.c) */
	uint32_t tsc_aux; /* its TSC_AUX (MSR C000_0103h, 0 at load), in the CPU's MSR while it runs (sched.c) */
	struct { /* loop guard of the #DB/#AC reflection (exception.c) */
		uint64_t rip, rsp;
		unsigned vec, count;
	} exc_loop;
	struct pending_write { /* an HVMM_HC_WRITE in progress: the VMMCALL at rip, done of len bytes at buf */
		uint64_t rip, buf, len, done;
	} write;
	int nrip_warned; /* vmcb_check=1 reported an nRIP that is not RIP + length (vmcb_guard.c) */
	int vmcb_state_warned; /* vmcb_check=1 reported a processor-state rule VMRUN does not enforce (vmcb_guard.c) */
	struct kvm_pv kvm; /* KVM's paravirtual interface (kvm=on; kvm_pv.c) */

	/* Statistics. */
	uint64_t switches_in; /* times scheduled in from another vCPU */
	uint64_t exits;
	uint64_t runtime; /* TSC cycles spent in guest mode */
	uint64_t waited; /* TSC cycles it was runnable while it did not run (other vCPUs or the switch): its steal */
	uint64_t ready_tsc; /* TSC since which it waits for the CPU; 0 while it runs or halts (sched.c) */
	uint64_t irqs_injected; /* interrupts delivered through EVENTINJ (platform.c) */
	uint64_t nmis_injected; /* NMIs delivered through EVENTINJ (platform.c) */
	uint8_t nmi_blocked; /* an NMI was delivered and its handler's IRET has not completed (APM §15.21) */
	uint8_t paused_halted; /* VCPU_PAUSED: it was VCPU_HALTED when paused, and is again when resumed */
	uint8_t nmi_step; /* single-stepping that IRET for a waiting NMI: 1, or 3 when the guest's own TF was set */
};
_Static_assert(offsetof(struct vcpu, cpuid) == offsetof(struct vcpu, regs) + GPREGS_SIZE,
	       "vmrun.S finds the CPUID cache right after the vCPU's registers");

#endif
