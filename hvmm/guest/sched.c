/* SPDX-License-Identifier: MIT */
/*
 * sched.c — the run loop: pick the next runnable vCPU → VMRUN → #VMEXIT → handle the exit → switch when the slice
 * ended, the vCPU yielded (HLT, HVMM_HC_YIELD) or its guest stopped. A slice is a one-shot LAPIC timer armed when a
 * vCPU is switched in; its interrupt arrives as #VMEXIT(INTR) even if the guest runs with IF = 0 (V_INTR_MASKING).
 * The console ring (hvmm/core/console.h) is drained by drain ticks that split a slice while bytes are queued (and
 * by the guests' own console writes, hypercall.c); never between two guests.
 *
 * SMP: every CPU runs this loop over its own run queue; sched_assign fills the queues before the APs are released
 * and nothing moves a vCPU afterwards, so a vCPU never runs on two CPUs and the loop takes no lock.
 */
#include "hvmm/guest/sched.h"

#include "fmt.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/exit.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/gdb_break.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/input.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/guest/measure.h"
#include "hvmm/guest/monitor.h"
#include "hvmm/guest/net.h"
#include "hvmm/guest/msr.h"
#include "hvmm/guest/vmcb_guard.h"
#include "hvmm/guest/platform.h"
#include "hvmm/guest/xstate.h"
#include "hvmm/svm/spec_exit.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/lapic.h"
#include "hvmm/x86/spec.h"

/* One CPU's vCPUs in module order; written by sched_assign only, before the CPU runs. */
struct run_queue {
	struct vcpu *v[MAX_GUESTS * GUEST_VCPUS_MAX];
	unsigned n;
};

static struct run_queue run_queue[MAX_CPUS];

void sched_assign(void)
{
	unsigned next = 0; /* unpinned guests: round-robin over the CPUs in module order */
	for (unsigned i = 0; i < nguests; i++) {
		struct guest *g = guests[i];
		unsigned cpu;
		if (g->pin >= 0 && (unsigned)g->pin < ncpus) {
			cpu = (unsigned)g->pin;
		} else {
			if (g->pin >= 0)
				hlog("warning: guest %s: cpu=%d is not a CPU hvmm runs guests on (0..%u); placed like an "
				     "unpinned guest", g->name, g->pin, ncpus - 1);
			cpu = next;
			next = next + 1 == ncpus ? 0 : next + 1;
		}
		struct run_queue *q = &run_queue[cpu];
		for (unsigned k = 0; k < g->nvcpus; k++) {
			struct vcpu *vcpu = g->vcpu[k];
			vcpu->cpu = cpu;
			vcpu->slot = q->n;
			q->v[q->n++] = vcpu;
		}
	}
	for (unsigned c = 0; c < ncpus; c++) /* each vCPU's successor in its queue, for the timer switch */
		for (unsigned k = 0; k < run_queue[c].n; k++)
			run_queue[c].v[k]->rr_next = run_queue[c].v[k + 1 == run_queue[c].n ? 0 : k + 1];
	for (unsigned c = 0; c < ncpus && ncpus > 1; c++) {
		char list[160];
		int len = 0;
		list[0] = 0;
		for (unsigned k = 0; k < run_queue[c].n && len < (int)sizeof(list) - 40; k++)
			len += fmt_snprintf(list + len, sizeof(list) - len, "%s%s", k ? "," : "", run_queue[c].v[k]->guest->name);
		hlog("cpu %u runs %u guests: %s", c, run_queue[c].n, run_queue[c].n ? list : "none");
	}
}

/* The runnable vCPU of q after prev in round-robin order (prev itself if it is the only one), or NULL. */
static struct vcpu *pick_next(const struct run_queue *q, struct vcpu *prev)
{
	unsigned i = prev ? prev->slot + 1 : 0;
	for (unsigned k = 0; k < q->n; k++, i++) {
		if (i >= q->n)
			i = 0; /* no division on the switch path */
		if (q->v[i]->state == VCPU_RUNNABLE)
			return q->v[i];
	}
	return NULL;
}

/*
 * Give vcpu a valid ASID for this CPU (APM §15.16). ASIDs are handed out in generations: when they run out, a new
 * generation starts, every vCPU must take a fresh one, and the first VMRUN of the generation flushes all ASIDs.
 * So more vCPUs than ASIDs work, and a reused ASID never sees another guest's TLB entries.
 */
static void assign_asid(struct cpu *c, struct vcpu *vcpu)
{
	if (vcpu->asid_generation == c->asid_generation)
		return;
	uint8_t flush = TLB_CONTROL_DO_NOTHING;
	if (c->next_asid > c->max_asid) {
		c->asid_generation++;
		c->next_asid = 1;
		flush = TLB_CONTROL_FLUSH_ALL;
	}
	vcpu->asid = c->next_asid++;
	vcpu->asid_generation = c->asid_generation;
	vcpu->vmcb->control.asid = vcpu->asid;
	vcpu->vmcb->control.tlb_control = flush;
	vcpu->vmcb->control.clean = 0;
}

/*
 * Arm the LAPIC timer for the next ticks of the slice. While the console ring holds bytes, only a drain tick of it:
 * its interrupt re-enters the same guest after con_poll (sched_run), and the rest is armed then.
 */
static inline __attribute__((always_inline)) void arm_slice_at(struct cpu *c, uint32_t ticks, uint64_t now)
{
	struct gcpu *g = gcpu(c);
	uint32_t drain = g->drain_ticks;
	g->slice_rest = 0;
	if (ticks > drain && con_pending()) {
		g->slice_rest = ticks - drain;
		ticks = drain;
	}
	gcpu(c)->timer_due_tsc = now + (uint64_t)(((unsigned __int128)ticks * c->tsc_per_tick) >> 32);
	lapic_timer_oneshot(ticks);
}

/* arm_slice_at, now. */
static inline __attribute__((always_inline)) void arm_slice(struct cpu *c, uint32_t ticks)
{
	arm_slice_at(c, ticks, rdtsc());
}

/* Start a fresh slice at TSC now after the slice ended by the timer (its interrupt taken). */
static inline __attribute__((always_inline)) void restart_slice(struct cpu *c, uint64_t now)
{
	c->timer_fired = 0;
	gcpu(c)->timer_early = 0;
	arm_slice_at(c, c->slice_ticks, now);
}

/* Start a fresh slice. Unless the slice just ended by the timer, first take a timer interrupt that may be pending. */
static void start_slice(struct cpu *c)
{
	if (!c->timer_fired)
		__asm__ volatile("sti; nop; cli" : : : "memory");
	restart_slice(c, rdtsc());
}

/* Switch the state VMRUN does not switch from c's current vCPU to vcpu (APM Vol. 2 §15.5.1): branch predictions
 * (IBPB, x86/spec.h; the return stack, svm/spec_exit.h), the extended state (xstate.c), TSC_AUX (msr.h), and DR0-DR3 when vcpu's DR7
 * enables a breakpoint (DR7 bits 7:0). After a vCPU that had breakpoints enabled, hvmm's own DR7 is written (to its
 * reset value, no breakpoint): an emulator that recomputes its breakpoints on DR7 writes drops any it still holds for
 * that vCPU (exit.c, handle_dr). Out of line, in one place: tests/switchpath.py checks on the binary that the IBPB
 * and the return-stack fill come before the extended state's XRSTOR. */
static __attribute__((noinline)) void switch_state(struct cpu *c, struct vcpu *vcpu)
{
	spec_switch_ibpb();
	if (spec_rsb_fill_switch)
		spec_rsb_fill();
	struct vcpu *prev = gcpu(c)->current;
	if (prev && (prev->vmcb->save.dr7 & DR7_ENABLES))
		write_dr7(DR7_RESET);
	xstate_switch(prev, vcpu);
	tsc_aux_load(c, vcpu);
	if (vcpu->vmcb->save.dr7 & DR7_ENABLES) {
		exit_dr_claim(c, vcpu);
		if (vcpu == gdb_hook.vcpu)
			gdb_break_switch_in(vcpu); /* the gdb stub's hardware breakpoints (gdb_break.c) */
	}
}

/* vcpu runs next after waiting since vcpu->ready_tsc until now (TSC): add the wait to its steal time
 * (docs/measurement.md) and publish it to a guest that registered KVM's steal-time structure. Constant cost. */
static inline __attribute__((always_inline)) void account_wait(struct vcpu *vcpu, uint64_t now)
{
	vcpu->waited += now - vcpu->ready_tsc;
	vcpu->ready_tsc = 0;
	if (vcpu->kvm.steal) /* kvm=on and steal time registered (kvm_pv.c) */
		kvm_pv_switch_in(vcpu);
}

/*
 * The timer switch (docs/measurement.md "The timer switch"): after vcpu's #VMEXIT(INTR) and the interrupt taken, the
 * vCPU that runs next if the slice ended and nothing else needs the run loop's general tail: vcpu's successor in
 * the run queue (precomputed, vcpu->rr_next: what pick_next finds first), when it is runnable and not vcpu itself.
 * NULL, and the general tail decides, when the interrupt was not the end of the slice (a drain tick, a device
 * deadline, another interrupt), vcpu stopped running or yields, console input or the monitor is due, frames from
 * other CPUs wait, vcpu's guest has a time limit, vCPUs of c wait in HLT, or the successor cannot run.
 */
static inline __attribute__((always_inline)) struct vcpu *timer_switch_next(struct cpu *c, struct vcpu *vcpu)
{
	struct vcpu *next = vcpu->rr_next;
	_Static_assert(VCPU_RUNNABLE == 0, "runnable and not yielding: state | yield == 0");
	if (!c->timer_fired || gcpu(c)->slice_rest || (vcpu->state | vcpu->yield))
		return NULL;
	if (vcpu->regs.exit_tsc >= input_next_tsc[c->id] || net_due_cpu[c->id] || vcpu->stop_tsc ||
	    platform_halted[c->id] || next->state != VCPU_RUNNABLE || next == vcpu)
		return NULL;
	return next;
}

/* Switch c from vcpu, preempted at the end of its slice, to next (timer_switch_next) and start next's slice: the
 * same steps as the general tail's, without its checks. stages, a constant: stats=full (measure.h). */
static inline __attribute__((always_inline)) void timer_switch(struct cpu *c, struct vcpu *vcpu, struct vcpu *next,
							       const int stages)
{
	if (stages)
		measure_of(c)->sched_tsc = rdtsc(); /* stats=full: the stage boundary (docs/measurement.md) */
	vcpu->ready_tsc = vcpu->regs.exit_tsc; /* it waits from its #VMEXIT on */
	switch_state(c, next);
	gcpu(c)->current = next;
	uint64_t now = rdtsc();
	if (next->ready_tsc)
		account_wait(next, now);
	restart_slice(c, now);
}

/* The world switch the run loop calls (vmrun.S), the same for the whole run: decided once, so an exit pays one test
 * for it. */
enum world_switch_kind {
	WS_FETCH, /* fast paths without nRIP (QEMU TCG, pre-NRIPS silicon): svm_world_switch_fetch */
	WS_NRIP, /* fast paths with nRIP: svm_world_switch */
	WS_CHECKED, /* vmcb_check=1: vmcb_guard, then svm_world_switch_checked (no fast path) */
};

/* Run q's vCPUs on c from vcpu on until none is left, entering guests through ws. trace and stages, constants:
 * record every run in c's trace ring (trace.h); stamp the stages of timer switches (stats=full, measure.h).
 * sched_run compiles this loop for each pair, so without trace= and stats=full no instruction of either is on its
 * paths. */
static inline __attribute__((always_inline)) void run_loop(struct cpu *c, const struct run_queue *q,
							   struct vcpu *vcpu, const int trace, const int stages,
							   const enum world_switch_kind ws)
{
	while (vcpu) {
		assign_asid(c, vcpu);
		if (vcpu->vctx.pc) /* virtual devices: inject interrupts, arm their timers */
			platform_before_vmrun(c, vcpu);
		/* vmcb_check=1: a VMCB that breaks a consistency rule stops its guest before VMRUN (vmcb_guard.c), and no
		 * VMRUN bypasses the check (no fast path). */
		int ran = 1;
		if (ws == WS_FETCH)
			svm_world_switch_fetch(&vcpu->regs, (uint64_t)vcpu->vmcb, c->host_vmcb_pa);
		else if (ws == WS_NRIP)
			svm_world_switch(&vcpu->regs, (uint64_t)vcpu->vmcb, c->host_vmcb_pa);
		else if ((ran = vmcb_guard(vcpu) == 0))
			svm_world_switch_checked(&vcpu->regs, (uint64_t)vcpu->vmcb, c->host_vmcb_pa);
		if (ran) {
			vcpu->vmcb->control.tlb_control = TLB_CONTROL_DO_NOTHING; /* flush once, not on every VMRUN */
			measure_entry(c, vcpu, trace, stages);
			if (vcpu->vmcb->control.exitcode == VMEXIT_INTR) { /* the slice's end, a drain tick, an IPI, ... */
				exit_begin(vcpu);
				exit_take_intr();
				if (vcpu->vctx.pc)
					platform_after_exit(c, vcpu);
				struct vcpu *next = timer_switch_next(c, vcpu);
				if (next) {
					timer_switch(c, vcpu, next, stages);
					vcpu = next;
					continue;
				}
			} else {
				exit_dispatch(c, vcpu);
				if (vcpu->vctx.pc)
					platform_after_exit(c, vcpu);
			}
		}

		if (!(vcpu->state | vcpu->yield)) { /* runnable, not yielding */
			if (!c->timer_fired)
				continue; /* the common case: straight back into the same vCPU */
			if (gcpu(c)->slice_rest) { /* a drain tick, not the end of the slice */
				c->timer_fired = 0;
				con_poll();
				measure_fold(measure_of(c)); /* the statistics too, off the switch path */
				arm_slice(c, gcpu(c)->slice_rest);
				monitor_due(c, vcpu->regs.exit_tsc); /* console input (input.h) */
				if (vcpu->state == VCPU_RUNNABLE)
					continue;
			}
		}
		vcpu->yield = 0;
		monitor_due(c, vcpu->regs.exit_tsc); /* console input and the monitor (input.h): may pause or kill */
		net_due(c); /* frames other CPUs' guests sent to this CPU's (net.c) */
		if (vcpu->stop_tsc && vcpu->state == VCPU_RUNNABLE && rdtsc() >= vcpu->stop_tsc)
			guest_kill(vcpu, "time_limit= reached"); /* (guest.h) */
		if (platform_halted[c->id]) /* rare: vCPUs waiting in HLT for an interrupt */
			platform_wake(c);
		struct vcpu *next = pick_next(q, vcpu);
		while (!next && (platform_halted[c->id] || input_paused[c->id]) && platform_idle(c, input_next_tsc[c->id])) {
			monitor_due(c, rdtsc());
			net_due(c);
			con_poll(); /* what was queued while every guest waits (the monitor's lines too) */
			next = pick_next(q, vcpu);
		}
		if (!next)
			break;
		if (stages && c->timer_fired && next != vcpu)
			measure_of(c)->sched_tsc = rdtsc(); /* stats=full: the stage boundary (docs/measurement.md) */
		if (next != vcpu) {
			if (vcpu->state == VCPU_RUNNABLE)
				vcpu->ready_tsc = vcpu->regs.exit_tsc; /* preempted or yielded: it waits from its #VMEXIT on */
			switch_state(c, next);
			gcpu(c)->current = next;
		}
		if (next->ready_tsc)
			account_wait(next, rdtsc());
		start_slice(c);
		vcpu = next;
	}
}

void sched_wait_start(struct cpu *c)
{
	const struct run_queue *q = &run_queue[c->id];
	while (!pick_next(q, NULL) && (platform_halted[c->id] || input_paused[c->id]) &&
	       platform_idle(c, input_next_tsc[c->id])) {
		monitor_due(c, rdtsc());
		net_due(c);
		con_poll();
	}
}

void sched_run(struct cpu *c)
{
	const struct run_queue *q = &run_queue[c->id];
	struct vcpu *vcpu = pick_next(q, NULL);

	c->asid_generation = 1;
	c->next_asid = c->max_asid + 1; /* the first vCPU opens a new generation: flush all */
	con_async(1); /* console lines are queued from now on (hvmm/core/console.h) */
	uint64_t now = rdtsc();
	for (unsigned i = 0; i < q->n; i++)
		q->v[i]->ready_tsc = now; /* every vCPU waits for its first turn */
	if (vcpu) {
		switch_state(c, vcpu);
		gcpu(c)->current = vcpu;
		account_wait(vcpu, rdtsc());
		start_slice(c);
	}
	enum world_switch_kind ws = config.vmcb_check ? WS_CHECKED : svm_has(SVM_FEAT_NRIPS) ? WS_NRIP : WS_FETCH;
	const struct cpu_measure *m = measure_of(c);
	if (m->trace.ev && m->stages)
		run_loop(c, q, vcpu, 1, 1, ws);
	else if (m->trace.ev)
		run_loop(c, q, vcpu, 1, 0, ws);
	else if (m->stages)
		run_loop(c, q, vcpu, 0, 1, ws);
	else
		run_loop(c, q, vcpu, 0, 0, ws);
	lapic_timer_oneshot(0);
	measure_fold(measure_of(c));
	con_async(0); /* send what is still queued; synchronous again */
	spec_rsb_fill(); /* the RETs from here up would pop predictions from before the last guest ran */
}
