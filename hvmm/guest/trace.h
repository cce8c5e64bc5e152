/* SPDX-License-Identifier: MIT */
/*
 * trace.h — the timeline (trace=<n>, docs/running.md "The timeline"): each CPU keeps its last n guest runs in a ring,
 * one event per VMRUN that reaches C (its entry and exit stamps from vmrun.S, the exit code, the vCPU, whether the
 * vCPU was switched in), printed at the end of the run and by the monitor's `trace` command.
 *
 * Cost per event: the stamps exist already (struct gpregs), so an event is 4 stores of 8 bytes, the index masked and
 * the count written — no TSC read, no branch on n (n is a power of two). With trace off the run loop runs a copy
 * compiled without these stores (sched.c): the exit and switch paths are those of a build without tracing.
 */
#ifndef HVMM_TRACE_H
#define HVMM_TRACE_H
#include <stdint.h>

#include "hvmm/core/config.h" /* TRACE_MAX */

#define TRACE_IN 1u /* struct trace_event.who bit 0: the vCPU was switched in (another ran before it, or none) */

/* One guest run, 32 bytes. */
struct trace_event {
	uint64_t entry_tsc; /* TSC just before VMRUN (gpregs.entry_tsc) */
	uint64_t exit_tsc; /* TSC just after #VMEXIT (gpregs.exit_tsc) */
	uint64_t exitcode; /* the VMCB's EXITCODE of that #VMEXIT (APM Vol. 2 Appendix C) */
	uintptr_t who; /* the struct vcpu's address | TRACE_IN when it was switched in */
};
_Static_assert(sizeof(struct trace_event) == 32, "a trace event is 32 bytes (TRACE_MAX events: 32 MiB)");

/* One CPU's ring: event k (counted from 0) lives in ev[k & mask]; the newest min(head, mask + 1) are kept. Written
 * only by its CPU; head is stored after the event it counts, so a reader on another CPU sees whole events below it. */
struct trace_ring {
	struct trace_event *ev; /* mask + 1 events from hvmm's allocator; NULL: tracing is off on this CPU */
	uint64_t mask; /* events kept - 1 (a power of two - 1) */
	uint64_t head; /* events recorded so far */
};

/* CPU cpu's ring is r (trace_dump finds it by cpu). Give r a ring of n events (rounded up to a power of two, at
 * most TRACE_MAX) from hvmm's allocator, memory above 4 GiB first; n = 0 leaves tracing off. If no memory is left,
 * warns on the console and leaves it off. */
void trace_init(struct trace_ring *r, unsigned cpu, uint64_t n);

/* Record one run (constant cost; only r's own CPU calls it). */
static inline void trace_put(struct trace_ring *r, uint64_t entry_tsc, uint64_t exit_tsc, uint64_t exitcode,
			     uintptr_t who)
{
	uint64_t h = r->head;
	struct trace_event *e = &r->ev[h & r->mask];
	e->entry_tsc = entry_tsc;
	e->exit_tsc = exit_tsc;
	e->exitcode = exitcode;
	e->who = who;
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE); /* a plain store on x86: orders the event before it */
}

/*
 * Print the ring of CPU cpu (docs/serial-log.md "The trace dump"), each line after prefix ("" or "monitor: "): a
 * header "trace cpu=<c> events=<recorded> ring=<n> kept=<in the ring> printed=<lines below> lost=<events - kept>
 * tsc_khz=<f>", then the newest min(kept, last) events, oldest first, one line each:
 * "trace <cpu> <entry_tsc> <cycles> 0x<exitcode> <guest> <vcpu> <in>". With json, the header and each event are
 * followed by their JSON objects (types trace, trace_run). live: CPU cpu may be writing its ring (the monitor, for
 * another CPU): it is copied first, and the events it may have overwritten meanwhile are left out (not kept, counted
 * lost). Prints nothing for a CPU without a ring. Returns the events printed.
 */
uint64_t trace_dump(unsigned cpu, const char *prefix, uint64_t last, int json, int live);
/* At the end of the run (every CPU done): every CPU's ring whole, then "trace end cpus=<n> printed=<events>" (and
 * with log=json its JSON object, type trace_end). */
void trace_report(void);

#endif
