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

#define SWITCH_REC_MAX 4096 /* switches recorded in detail (the first ones of the run) */

/* One guest-to-guest switch, recorded raw on the switch path and summarised at report time. */
struct switch_rec {
	uint32_t lag; /* TSC cycles, saturated */
	uint8_t reason; /* enum switch_reason */
	uint8_t has_stages; /* stage[] valid (timer-driven switches) */
	uint32_t stage[ST_NSTAGES]; /* TSC cycles */
};

struct cpu_measure {
	struct stats lag; /* switches A -> B (A != B) after the first SWITCH_REC_MAX: entry(B) - exit(A), TSC cycles */
	struct stats reentry_by[RE_NREASONS]; /* exit(A) -> entry(A), TSC cycles */
	/* The first SWITCH_REC_MAX switches in detail (lag, reason, stages), summarised at report time so the switch
	 * path itself stays short; the "lag" summary merges them with the lag statistics of the later ones. */
	struct switch_rec rec[SWITCH_REC_MAX];
	uint32_t nrec;
	uint64_t switches; /* guest-to-guest switches */
	uint64_t last_exit_tsc; /* TSC of the latest #VMEXIT on this CPU */
	uint64_t first_entry_tsc; /* TSC of the first VMRUN on this CPU */
	uint64_t sched_tsc; /* TSC when the scheduler chose the next guest after a timer interrupt, or 0 */
};

struct cpu;
struct guest;

extern struct cpu_measure cpu_measure[MAX_CPUS];
/* c's measurement state. While MAX_CPUS is 1 the index folds to a constant, so the switch path pays no load for it. */
static inline struct cpu_measure *measure_of(const struct cpu *c)
{
	return &cpu_measure[MAX_CPUS == 1 ? 0 : c->id];
}

void measure_init(struct cpu_measure *m);
/* Account one VMRUN of g on c that followed c's previous #VMEXIT (stamps in the guests' gpregs). */
void measure_entry(struct cpu *c, struct guest *g);
/* All #VMEXITs so far, fast path included (summed over the guests). */
uint64_t measure_exits(void);
/* Exits g took on the fast path in vmrun.S (counted in its VMCB). */
uint64_t measure_fast_exits(const struct guest *g);
/* The framebuffer status line (con_status_fn): guests running, switches, exits and the lag histogram's p50/p99
 * bucket bounds (cycles) — counters only, no sorting. */
void measure_status_line(char *line, size_t size);
/* Print the summary lines of docs/serial-log.md for c and every guest. */
void measure_report(struct cpu *c);

#endif
