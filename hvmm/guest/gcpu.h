/* SPDX-License-Identifier: MIT */
/*
 * gcpu.h — the guest layer's per-CPU state: which vCPU runs on the CPU, whose debug registers it holds, its slice in
 * console drain ticks, when the scheduler's timer is due, and its measurement state. It lives in the room struct cpu keeps for it (core/percpu.h,
 * cpu->gcpu), so reaching it from a struct cpu costs what reaching a field of struct cpu costs (a constant offset),
 * and core/ and x86/ never see guest-layer types.
 */
#ifndef HVMM_GUEST_GCPU_H
#define HVMM_GUEST_GCPU_H

#include <stdint.h>

#include "hvmm/core/percpu.h"

struct vcpu;
struct cpu_measure;

/* Stored in cpu->gcpu, which nothing reads or writes as bytes but x86/smp.c's memset of the whole struct cpu before
 * the CPU starts (a character-type access, which may alias anything): one access type, so type-based alias analysis
 * never meets two. Not may_alias: that attribute makes GCC reload the fields after every store, 4 instructions more
 * per guest switch (make bench, guests2 lag p50). */
struct gcpu {
	struct vcpu *current; /* vCPU whose VMCB is loaded by the next VMRUN (sched.c) */
	struct vcpu *dr_owner; /* whose DR0-DR3 are loaded (exit.c, handle_dr) */
	struct cpu_measure *measure; /* this CPU's measurement state (measure.h), set by measure_init */
	/* Console drain ticks (sched.c): while the console ring holds bytes, a slice is armed in pieces of drain_ticks
	 * so that the ring drains at the UART's pace inside the running guest's slice. */
	uint32_t drain_ticks; /* LAPIC timer ticks of one drain tick */
	uint32_t slice_rest; /* ticks of the current slice left after the armed piece; 0: the armed piece ends it */
	/* Virtual-device timers (platform.c): when the scheduler's timer is due, and whether the LAPIC timer was armed
	 * earlier for a guest's device deadline (its interrupt then is neither a slice end nor a drain tick). */
	uint64_t timer_due_tsc; /* TSC at which the LAPIC timer armed by the scheduler (slice end or drain tick) fires */
	uint32_t timer_early;
};

_Static_assert(sizeof(struct gcpu) <= CPU_GCPU_BYTES, "struct gcpu fits the room struct cpu keeps for it");
_Static_assert(_Alignof(struct gcpu) <= 8, "struct cpu aligns its gcpu room to 8 bytes");

/* c's guest-layer state. */
static inline struct gcpu *gcpu(struct cpu *c)
{
	return (struct gcpu *)(void *)c->gcpu;
}

static inline const struct gcpu *gcpu_const(const struct cpu *c)
{
	return (const struct gcpu *)(const void *)c->gcpu;
}

#endif
