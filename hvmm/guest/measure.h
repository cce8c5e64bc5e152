/* SPDX-License-Identifier: MIT */
/* measure.h — world-switch lag, its stages, and exit statistics (design.md §6), kept per CPU, printed at the end. */
#ifndef HVMM_MEASURE_H
#define HVMM_MEASURE_H
#include <stdint.h>

#include "stats.h"

#include "hvmm/core/percpu.h"

/* Why the previous guest stopped running, for switches to another guest (A != B). */
enum switch_reason { SW_TIMER, SW_YIELD, SW_HLT, SW_END, SW_NREASONS };
/* Which exit was handled before re-entering the same guest. */
enum reentry_reason { RE_INTR, RE_CPUID, RE_VMMCALL, RE_IOIO, RE_MSR, RE_OTHER, RE_NREASONS };
/* Stages of a timer-driven switch: #VMEXIT -> timer interrupt taken -> next guest chosen -> next VMRUN. */
enum switch_stage { ST_EXIT_TO_IRQ, ST_IRQ_TO_SCHED, ST_SCHED_TO_ENTRY, ST_NSTAGES };

struct cpu_measure {
	/* Every sample of the run, at the same cost each (lib/stats.h); TSC cycles. */
	struct stats switch_by[SW_NREASONS]; /* switches A -> B (A != B): guest-visible lag, by why A stopped */
	struct stats stage[ST_NSTAGES]; /* the stages of timer-driven switches */
	struct stats reentry_by[RE_NREASONS]; /* exit(A) -> entry(A), by the exit handled */
	uint64_t last_exit_tsc; /* TSC of the latest #VMEXIT on this CPU */
	uint64_t first_entry_tsc; /* TSC of the first VMRUN on this CPU */
	uint64_t sched_tsc; /* TSC when the scheduler chose the next guest after a timer interrupt, or 0 */
	int stages; /* stats=full: stamp and account the stages of timer-driven switches (sched.c, measure_entry) */
};

struct cpu;
struct vcpu;

extern struct cpu_measure cpu_measure[MAX_CPUS];
/* c's measurement state: one per CPU, written only by that CPU (the switch path takes no lock). */
static inline struct cpu_measure *measure_of(const struct cpu *c)
{
	return c->measure;
}

/* Reset c's measurement state (cpu_measure[c->id]) and point c->measure at it. */
void measure_init(struct cpu *c);
/* Account one VMRUN of vcpu on c that followed c's previous #VMEXIT (stamps in the vCPUs' gpregs). */
void measure_entry(struct cpu *c, struct vcpu *vcpu);
/* All #VMEXITs so far, fast path included (summed over the guests' vCPUs). */
uint64_t measure_exits(void);
/* Exits vcpu took on the fast path in vmrun.S (counted in its VMCB). */
uint64_t measure_fast_exits(const struct vcpu *vcpu);
/* The framebuffer status line (con_status_fn): guests running, switches, exits and the timer-switch lag's p50/p99
 * (cycles, from the histogram). */
void measure_status_line(char *line, size_t size);
/* Print the summary lines of docs/serial-log.md: one per CPU when more than one ran guests, then the figures of all
 * CPUs merged (the dist/hist lines with stats=full), then one per guest. On the BSP once every CPU is done. */
void measure_report(void);

#endif
