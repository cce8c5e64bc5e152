/* SPDX-License-Identifier: MIT */
/* measure.h — world-switch lag, its stages, and exit statistics (docs/measurement.md), kept per CPU, printed at the end. */
#ifndef HVMM_MEASURE_H
#define HVMM_MEASURE_H
#include <stdint.h>

#include "stats.h"

#include "hvmm/core/percpu.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/trace.h"
#include "hvmm/guest/vcpu.h"
#include "hvmm/svm/vmcb.h"

/* Why the previous guest stopped running, for switches to another guest (A != B). */
enum switch_reason { SW_TIMER, SW_YIELD, SW_HLT, SW_END, SW_NREASONS };
_Static_assert(SW_NREASONS <= 4, "a switch sample keeps its reason in 2 bits (struct cpu_measure's ring)");
/* Which exit was handled before re-entering the same guest. */
enum reentry_reason { RE_INTR, RE_CPUID, RE_VMMCALL, RE_IOIO, RE_MSR, RE_HLT, RE_VINTR, RE_OTHER, RE_NREASONS };
extern const char *const measure_reentry_names[RE_NREASONS]; /* "intr", "cpuid", ... as the summary names them */
/* Stages of a timer-driven switch: #VMEXIT -> timer interrupt taken -> next guest chosen -> next VMRUN. */
enum switch_stage { ST_EXIT_TO_IRQ, ST_IRQ_TO_SCHED, ST_SCHED_TO_ENTRY, ST_NSTAGES };

/* Switch samples wait in a per-CPU ring (lag << 2 | enum switch_reason) until measure_fold adds them to the
 * histograms, off the switch path. */
#define MEASURE_RING 256 /* a power of two */

struct cpu_measure {
	uint64_t ring[MEASURE_RING]; /* switch samples not yet folded: ring[tail .. head) mod MEASURE_RING */
	uint64_t head, tail;
	struct vcpu *prev; /* vCPU of the previous VMRUN, NULL before the first */
	uint64_t last_code; /* the exit code of the previous #VMEXIT: the exit handled before the next VMRUN */
	/* Every sample of the run, at the same cost each (lib/stats.h); TSC cycles. */
	struct stats switch_by[SW_NREASONS]; /* switches A -> B (A != B): guest-visible lag, by why A stopped */
	struct stats stage[ST_NSTAGES]; /* the stages of timer-driven switches */
	struct stats reentry_by[RE_NREASONS]; /* exit(A) -> entry(A), by the exit handled */
	uint64_t last_exit_tsc; /* TSC of the latest #VMEXIT on this CPU (as far as folded) */
	uint64_t first_entry_tsc; /* TSC of the first VMRUN on this CPU */
	uint64_t sched_tsc; /* TSC when the scheduler chose the next guest after a timer interrupt, or 0 */
	int stages; /* stats=full: stamp and account the stages of timer-driven switches (sched.c, measure_entry) */
	struct trace_ring trace; /* trace=<n>: the last n runs (trace.h); trace.ev NULL: off */
};

struct cpu;
struct vcpu;

extern struct cpu_measure cpu_measure[MAX_CPUS];
/* c's measurement state: one per CPU, written only by that CPU (the switch path takes no lock). */
static inline struct cpu_measure *measure_of(const struct cpu *c)
{
	return gcpu_const(c)->measure;
}

/* Reset c's measurement state (cpu_measure[c->id]) and point gcpu(c)->measure at it. */
void measure_init(struct cpu *c);
/* Add m's waiting switch samples to its histograms (only on the CPU that owns m, or once that CPU is done). */
void measure_fold(struct cpu_measure *m);
/* stats=full: the stages of the timer-driven switch to vcpu (m->sched_tsc set by the run loop), lag cycles after the
 * switched-out guest's timer exit. */
void measure_stages(struct cpu *c, struct cpu_measure *m, const struct vcpu *vcpu, uint64_t lag);

/* Why vCPU a stopped running, its last exit being code: it ended (exited, killed, halted), the timer, HLT, or
 * anything else (it yielded). */
static inline enum switch_reason measure_switch_reason(const struct vcpu *a, uint64_t code)
{
	if (a->state != VCPU_RUNNABLE)
		return SW_END;
	return code == VMEXIT_INTR ? SW_TIMER : code == VMEXIT_HLT ? SW_HLT : SW_YIELD;
}

/* A VMRUN of vcpu after c ran another guest (or none): the switch sample, lag cycles since the previous #VMEXIT,
 * whose exit code was code, into the ring (measure_entry). stages, a constant: m->stages (stats=full). */
static inline __attribute__((always_inline)) void measure_switch(struct cpu *c, struct vcpu *vcpu, uint64_t lag,
								 uint64_t code, const int stages)
{
	struct cpu_measure *m = measure_of(c);
	struct vcpu *a = m->prev;
	m->prev = vcpu;
	if (__builtin_expect(!a, 0)) {
		m->first_entry_tsc = vcpu->regs.entry_tsc;
		return;
	}
	enum switch_reason why = measure_switch_reason(a, code);
	vcpu->switches_in++;
	if (stages && m->sched_tsc != 0) { /* stats=full: a timer switch stamped its stages */
		if (why == SW_TIMER)
			measure_stages(c, m, vcpu, lag);
		m->sched_tsc = 0;
	}
	m->ring[m->head++ & (MEASURE_RING - 1)] = lag << 2 | why;
	if (__builtin_expect(m->head - m->tail == MEASURE_RING, 0))
		measure_fold(m);
}

/* Which exit was handled, for the re-entry statistics: one compare and a table load. */
extern const uint8_t measure_reentry_of[256]; /* reason ^ RE_OTHER, by exit code below 256 */

/* Account one VMRUN of vcpu on c that followed c's previous #VMEXIT (stamps in its gpregs): its run time, and
 * the lag since that exit as a sample — a re-entry, by the exit that was handled (inline, about 30 instructions:
 * it follows every exit that reaches C), or a switch (measure_switch: into the ring, folded at console drain ticks,
 * when the ring is full, when the CPU has no guest left and before the summary). trace and stages, constants
 * (sched.c compiles its loop for each pair): also record the run in c's trace ring (trace.h); the stages of a
 * timer switch (stats=full, m->stages). */
static inline __attribute__((always_inline)) void measure_entry(struct cpu *c, struct vcpu *vcpu, const int trace,
								const int stages)
{
	struct cpu_measure *m = measure_of(c);
	uint64_t entry = vcpu->regs.entry_tsc, exit = vcpu->regs.exit_tsc, lag = entry - m->last_exit_tsc;
	uint64_t code = m->last_code, now = vcpu->vmcb->control.exitcode;
	vcpu->runtime += exit - entry;
	m->last_exit_tsc = exit;
	m->last_code = now;
	if (__builtin_expect(m->prev == vcpu, 1)) {
		if (trace)
			trace_put(&m->trace, entry, exit, now, (uintptr_t)vcpu);
		stats_add(&m->reentry_by[code < 256 ? measure_reentry_of[code] ^ RE_OTHER : RE_OTHER], lag);
		return;
	}
	if (trace)
		trace_put(&m->trace, entry, exit, now, (uintptr_t)vcpu | TRACE_IN);
	measure_switch(c, vcpu, lag, code, stages);
}

/* All #VMEXITs so far, fast path included (summed over the guests' vCPUs). */
uint64_t measure_exits(void);
/* Exits vcpu took on the fast path in vmrun.S (counted in its VMCB). */
uint64_t measure_fast_exits(const struct vcpu *vcpu);
/* The framebuffer status line (con_status_fn): guests running, switches, exits and the timer-switch lag's p50/p99
 * (cycles, from the histogram, as of the latest fold). */
void measure_status_line(char *line, size_t size);
/* Print the summary lines of docs/serial-log.md: one per CPU when more than one ran guests, then the figures of all
 * CPUs merged (the dist/hist lines with stats=full), then one per guest. On the BSP once every CPU is done. */
void measure_report(void);

#endif
